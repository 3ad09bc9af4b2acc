/**
 * The plain `webhook` source (argoproj/argo-events: pkg/eventsources/sources/webhook/start.go): data
 * `{header, body, metadata}`; GET bodies are the query, exact form posts the form, anything else JSON.
 * Outrigger adds `hmac` verification over the raw body.
 */

import { AuthError } from '../../errors.ts';
import { headerValue } from '../../events/headers.ts';
import type { WebhookEventSpec } from '../../manifests/types.ts';
import { parseGoForm, parseGoQuery, withJsonBody } from '../body.ts';
import { eventHeaders, providerDeliveryId } from '../headers.ts';
import type { HttpRequest } from '../http.ts';
import type { SourceModule } from '../types.ts';
import type { HmacAlgorithm } from '../verify.ts';
import {
  checkWithSecret,
  constantTimeEqual,
  decodeBase64,
  hexDigest,
  hmacDigest,
  hmacHex,
} from '../verify.ts';

/** Event data of a webhook event, as Argo's `WebhookEventData`. */
export interface WebhookEventData {
  header: Record<string, string[]>;
  body: unknown;
  metadata?: Record<string, string>;
}

/** Defaults of the `hmac` extension: GitHub's header and format, so a GitHub hook works unchanged. */
export const HMAC_DEFAULTS = { header: 'X-Hub-Signature-256', algorithm: 'sha256', encoding: 'hex' } as const;

/**
 * The body as Argo's `GetBody` reads it when that is not JSON: the query of a GET, an exact form post.
 * Undefined for the rest, which is the request's JSON (a json.RawMessage upstream).
 */
export function webhookBody(request: HttpRequest): { value: unknown } | undefined {
  if (request.method === 'GET') return { value: parseGoQuery(request.rawQuery) };
  // Go reads Header["Content-Type"][0] and compares it exactly: `; charset=utf-8` falls through to JSON.
  const contentType = headerValue(request.headers, 'Content-Type');
  if (contentType === 'application/x-www-form-urlencoded') return { value: parseGoForm(request.body) };
  return undefined;
}

function verifyHmac(request: HttpRequest, spec: WebhookEventSpec, secret: string): void {
  const hmac = spec.hmac!;
  const algorithm: HmacAlgorithm = hmac.algorithm ?? HMAC_DEFAULTS.algorithm;
  const header = hmac.header ?? HMAC_DEFAULTS.header;
  const prefix = hmac.prefix ?? `${algorithm}=`;
  const encoding = hmac.encoding ?? HMAC_DEFAULTS.encoding;
  const given = headerValue(request.headers, header);
  if (!given) throw new AuthError(`missing signature header ${header}`);
  if (!given.startsWith(prefix))
    throw new AuthError(`signature in ${header} does not start with "${prefix}"`);
  const text = given.slice(prefix.length);
  const digest = encoding === 'hex' ? hexDigest(text) : decodeBase64(text);
  if (!digest) throw new AuthError(`signature in ${header} is not ${encoding}`);
  const expected =
    encoding === 'hex'
      ? hmacHex(algorithm, secret, request.body)
      : hmacDigest(algorithm, secret, request.body);
  if (!constantTimeEqual(digest, expected)) throw new AuthError('signature check failed');
}

/** The `webhook` source module. */
export const webhookSource: SourceModule<WebhookEventSpec> = {
  type: 'webhook',
  routesOf: (spec) => spec,
  verify(request, spec, secrets) {
    if (!spec.hmac) return undefined;
    return checkWithSecret(secrets, spec.hmac.secret, (secret) => verifyHmac(request, spec, secret));
  },
  toEventData(request, spec, parseBody = false): WebhookEventData {
    const body = webhookBody(request);
    const data: WebhookEventData = { header: eventHeaders(request.headers), body: body?.value };
    if (spec.metadata && Object.keys(spec.metadata).length > 0) data.metadata = spec.metadata;
    return body ? data : withJsonBody(data, 'body', request.body, parseBody);
  },
  deliveryId: (request) => providerDeliveryId(request.headers),
};
