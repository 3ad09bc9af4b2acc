/** Reads the bad-input corpus under test/fixtures/bad/ and expands `each` cases into concrete ones. */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { HttpRequest } from '../../lib/sources/http.ts';

export const corpusDir = path.resolve(import.meta.dirname, '../fixtures/bad');

export interface Expectation {
  status?: number;
  error?: string;
  /** Regular expression the message must match. */
  message: string;
  /** Regular expression the issue path must match (manifests). */
  path?: string;
}

interface HttpCaseSource {
  name: string;
  path: string;
  method?: string;
  rawQuery?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  bodyRepeat?: { chunk: string; times: number | string };
  sign?: 'gh' | 'hmac' | 'b64' | 'slack' | 'stripe';
  signSecret?: string;
  signOver?: string;
  slackTs?: number | string;
  each?: (string | number)[];
  expect: Expectation;
}

export interface HttpCase {
  name: string;
  request: HttpRequest;
  expect: Expectation;
}

/** The secrets http-eventsource.yaml refers to. */
export const corpusSecrets = {
  corpus: {
    gh: 'gh-secret',
    hmac: 'hmac-secret',
    b64: 'b64-secret',
    bearer: 'tok',
    gl: 'gl-token',
    'gl-api': 'gl-api-token',
    slack: 'slack-secret',
    'slack-token': 'xoxb-corpus',
    stripe: 'whsec',
  },
};

function fill<T>(value: T, v: string | undefined): T {
  if (v === undefined) return value;
  if (typeof value === 'string') return value.replaceAll('{}', v) as T;
  if (Array.isArray(value)) return value.map((x) => fill(x, v)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [fill(k, v), fill(x, v)])) as T;
  }
  return value;
}

const hex = (algorithm: string, secret: string, data: string) =>
  createHmac(algorithm, secret).update(data).digest('hex');

function signHeaders(c: HttpCaseSource, body: Buffer): Record<string, string> {
  if (!c.sign) return {};
  const over = c.signOver ?? body.toString('latin1');
  const data = c.signOver === undefined ? body : Buffer.from(over, 'utf8');
  const secretOf = (fallback: string) => c.signSecret ?? fallback;
  switch (c.sign) {
    case 'gh':
      return {
        'x-hub-signature-256': `sha256=${createHmac('sha256', secretOf('gh-secret')).update(data).digest('hex')}`,
      };
    case 'hmac':
      return {
        'x-hub-signature-256': `sha256=${createHmac('sha256', secretOf('hmac-secret')).update(data).digest('hex')}`,
      };
    case 'b64':
      return { 'x-signature': createHmac('sha512', secretOf('b64-secret')).update(data).digest('base64') };
    case 'slack': {
      const ts = Math.floor(Date.now() / 1000) + Number(c.slackTs ?? 0);
      return {
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': `v0=${hex('sha256', secretOf('slack-secret'), `v0:${ts}:${data.toString('utf8')}`)}`,
      };
    }
    case 'stripe': {
      const t = Math.floor(Date.now() / 1000);
      return {
        'stripe-signature': `t=${t},v1=${hex('sha256', secretOf('whsec'), `${t}.${data.toString('utf8')}`)}`,
      };
    }
  }
}

function toRequest(c: HttpCaseSource): HttpRequest {
  const body = c.bodyRepeat
    ? Buffer.from(c.bodyRepeat.chunk.repeat(Number(c.bodyRepeat.times)), 'utf8')
    : Buffer.from(c.body ?? '', 'utf8');
  // Signature headers first, so a case's own header overrides a computed one.
  const headers = { ...signHeaders(c, body), ...(c.headers ?? {}) };
  return { method: c.method ?? 'POST', path: c.path, rawQuery: c.rawQuery ?? '', headers, body };
}

/** Every HTTP case of http.yaml, `each` expanded. */
export function httpCases(): HttpCase[] {
  const sources = parse(readFileSync(path.join(corpusDir, 'http.yaml'), 'utf8')) as HttpCaseSource[];
  return sources.flatMap((source) =>
    (source.each ?? [undefined]).map((value) => {
      const c = fill(source, value === undefined ? undefined : String(value));
      return { name: c.name, request: toRequest(c), expect: c.expect };
    }),
  );
}
