/** Request headers as event data, and the provider delivery ids found in them. */
import { createHash } from 'node:crypto';
import type { RawHeaders } from '../events/headers.ts';
import { canonicalHeaderKey, headerValue } from '../events/headers.ts';
import { setOwn } from '../own.ts';

/** What Argo writes instead of an `Authorization` value (pkg/eventsources/common/webhook/webhook.go). */
export const MASKED_AUTH = '*** Masked Auth Secret ***';
/** What Outrigger writes instead of a token header value (a deliberate difference: upstream leaks it). */
export const MASKED_TOKEN = '*** Masked Token ***';

const MASKED: Readonly<Record<string, string | undefined>> = {
  Authorization: MASKED_AUTH,
  'X-Gitlab-Token': MASKED_TOKEN,
};

/** Canonical keys (sorted, as Go marshals a map), array values, secrets masked; `Host` dropped as Go does. */
export function eventHeaders(headers: RawHeaders): Record<string, string[]> {
  // Insertion-sorted by canonical key as they come: cheaper than pairs and a sort call for the dozen headers
  // a request has, and stable, so repeated spellings of one header keep arrival order as Go appends them.
  // (Quadratic only in the header count, which Node and API Gateway bound: 2,000 and 10 KB.)
  const keys: string[] = [];
  const values: (string | string[])[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || !Object.hasOwn(headers, name)) continue;
    const key = canonicalHeaderKey(name);
    if (key === 'Host') continue;
    let i = keys.length;
    for (; i > 0 && keys[i - 1]! > key; i--) {
      keys[i] = keys[i - 1]!;
      values[i] = values[i - 1]!;
    }
    keys[i] = key;
    values[i] = value;
  }
  const out: Record<string, string[]> = {};
  let last: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const value = values[i]!;
    if (i > 0 && keys[i] === keys[i - 1]) {
      if (typeof value === 'string') last.push(value);
      else last.push(...value);
      continue;
    }
    last = typeof value === 'string' ? [value] : [...value];
    setOwn(out, keys[i]!, last);
  }
  for (const key in MASKED) {
    const masked = Object.hasOwn(out, key) ? out[key] : undefined;
    if (masked) masked.fill(MASKED[key]!);
  }
  return out;
}

/**
 * A provider id as an event id: kept when short and printable (SQS deduplication ids allow 128 printable
 * ASCII characters), else replaced by its SHA-256 so a hostile header cannot break the bus.
 */
export function safeEventId(prefix: string, id: string): string {
  const full = `${prefix}:${id}`;
  if (printable(full)) return full;
  return `${prefix}:sha256:${createHash('sha256').update(id).digest('hex')}`;
}

/** 1 to 128 printable ASCII characters (`[\x21-\x7e]`), checked per request without a regex. */
function printable(text: string): boolean {
  if (text.length === 0 || text.length > 128) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}

/** GitHub's id: hook id and delivery GUID, so the same delivery to two hooks stays two events. */
export function githubDeliveryId(headers: RawHeaders): string | undefined {
  const delivery = headerValue(headers, 'X-GitHub-Delivery');
  if (!delivery) return undefined;
  const hook = headerValue(headers, 'X-GitHub-Hook-ID');
  return safeEventId('github', hook ? `${hook}:${delivery}` : delivery);
}

/** GitLab's `Idempotency-Key` (stable across retries of one delivery). */
export function gitlabDeliveryId(headers: RawHeaders): string | undefined {
  const key = headerValue(headers, 'Idempotency-Key');
  return key ? safeEventId('gitlab', key) : undefined;
}

/** Bitbucket's `X-Request-UUID`. */
export function bitbucketDeliveryId(headers: RawHeaders): string | undefined {
  const id = headerValue(headers, 'X-Request-UUID');
  return id ? safeEventId('bitbucket', id) : undefined;
}

/** Bitbucket Server's `X-Request-Id` (Cloud's `X-Request-UUID` accepted too). */
export function bitbucketServerDeliveryId(headers: RawHeaders): string | undefined {
  const id = headerValue(headers, 'X-Request-UUID') ?? headerValue(headers, 'X-Request-Id');
  return id ? safeEventId('bitbucket', id) : undefined;
}

/** Any known provider's delivery id; a plain webhook recognises them all (the article points GitHub at one). */
export function providerDeliveryId(headers: RawHeaders): string | undefined {
  return githubDeliveryId(headers) ?? gitlabDeliveryId(headers) ?? bitbucketDeliveryId(headers);
}
