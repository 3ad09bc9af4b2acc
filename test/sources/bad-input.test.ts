/**
 * The bad-input table of issue 3: each request is refused with the right status and error code, and
 * nothing reaches the bus. Every source type is behind one ingest, as in the deployed function.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../lib/bus/memory/index.ts';
import { createStaticSecretResolver } from '../../lib/secrets/local.ts';
import type { HttpRequest } from '../../lib/sources/http.ts';
import { createIngest } from '../../lib/sources/ingest.ts';
import { eventSource, httpRequest, manifestSet, sign } from './helpers.ts';

const secrets = createStaticSecretResolver({
  s: {
    gh: 'gh-secret',
    gl: 'gl-token',
    bb: 'bb-secret',
    slack: 'slack-secret',
    stripe: 'whsec',
    hmac: 'hmac-secret',
    bearer: 'tok',
  },
});
const ctx = (endpoint: string, extra: Record<string, unknown> = {}) => ({
  port: '12000',
  endpoint,
  method: 'POST',
  ...extra,
});
const set = manifestSet(
  eventSource('all', {
    webhook: {
      plain: ctx('/plain'),
      hmac: { ...ctx('/hmac'), hmac: { secret: { name: 's', key: 'hmac' } } },
      bearer: { ...ctx('/bearer'), authSecret: { name: 's', key: 'bearer' } },
      tiny: { ...ctx('/tiny'), maxPayloadSize: 16 },
    },
    github: {
      gh: {
        webhook: ctx('/gh'),
        webhookSecret: { name: 's', key: 'gh' },
        repositories: [{ owner: 'o', names: ['r'] }],
      },
    },
    gitlab: { gl: { webhook: ctx('/gl'), secretToken: { name: 's', key: 'gl' } } },
    bitbucket: { bb: { webhook: ctx('/bb'), webhookSecret: { name: 's', key: 'bb' } } },
    bitbucketserver: { bbs: { webhook: ctx('/bbs'), webhookSecret: { name: 's', key: 'bb' } } },
    slack: { sl: { webhook: ctx('/slack'), signingSecret: { name: 's', key: 'slack' } } },
    stripe: { st: { webhook: ctx('/stripe'), webhookSecret: { name: 's', key: 'stripe' } } },
  }),
);

const now = () => Math.floor(Date.now() / 1000);
const gh = (body: string, headers: Record<string, string> = {}, signed = body) =>
  httpRequest({
    path: '/gh',
    headers: {
      'content-type': 'application/json',
      'x-hub-signature-256': sign('sha256', 'gh-secret', signed),
      ...headers,
    },
    body,
  });
const slack = (body: string, ts = now(), secret = 'slack-secret') =>
  httpRequest({
    path: '/slack',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`,
    },
    body,
  });
const stripe = (body: string, t = now(), signed = body) =>
  httpRequest({
    path: '/stripe',
    headers: {
      'stripe-signature': `t=${t},v1=${createHmac('sha256', 'whsec').update(`${t}.${signed}`).digest('hex')}`,
    },
    body,
  });
const ok = '{"ok":true}';

type Case = [name: string, request: HttpRequest, status: number, error: string];
const cases: Case[] = [
  // routing
  ['unknown path', httpRequest({ path: '/unknown', body: ok }), 404, 'RouteNotFound'],
  ['root path', httpRequest({ path: '/', body: ok }), 404, 'RouteNotFound'],
  ['path with query-like suffix', httpRequest({ path: '/plain?x=1', body: ok }), 404, 'RouteNotFound'],
  ['path in upper case', httpRequest({ path: '/PLAIN', body: ok }), 404, 'RouteNotFound'],
  ['path with trailing slash', httpRequest({ path: '/gh/', body: ok }), 404, 'RouteNotFound'],
  ['PUT on a POST route', httpRequest({ path: '/plain', method: 'PUT', body: ok }), 405, 'MethodNotAllowed'],
  ['DELETE on a POST route', httpRequest({ path: '/gh', method: 'DELETE' }), 405, 'MethodNotAllowed'],
  ['GET on a POST route', httpRequest({ path: '/slack', method: 'GET' }), 405, 'MethodNotAllowed'],
  [
    'lower-case method from a raw client',
    httpRequest({ path: '/plain', method: 'post', body: ok }),
    405,
    'MethodNotAllowed',
  ],
  // size
  [
    'body one byte over maxPayloadSize',
    httpRequest({ path: '/tiny', body: '"0123456789abcde"' }),
    413,
    'PayloadTooLarge',
  ],
  ['GitHub body over the default limit', gh(`"${'x'.repeat(1_048_576)}"`), 413, 'PayloadTooLarge'],
  // bearer
  ['missing bearer', httpRequest({ path: '/bearer', body: ok }), 401, 'AuthFailed'],
  [
    'wrong bearer',
    httpRequest({ path: '/bearer', headers: { authorization: 'Bearer tok2' }, body: ok }),
    401,
    'AuthFailed',
  ],
  [
    'bearer without space',
    httpRequest({ path: '/bearer', headers: { authorization: 'Bearertok' }, body: ok }),
    401,
    'AuthFailed',
  ],
  [
    'basic instead of bearer',
    httpRequest({ path: '/bearer', headers: { authorization: 'Basic dG9rOg==' }, body: ok }),
    401,
    'AuthFailed',
  ],
  // webhook body
  ['plain: truncated JSON', httpRequest({ path: '/plain', body: '{"a":1' }), 400, 'PayloadInvalid'],
  ['plain: empty body', httpRequest({ path: '/plain' }), 400, 'PayloadInvalid'],
  ['plain: text', httpRequest({ path: '/plain', body: 'hello' }), 400, 'PayloadInvalid'],
  [
    'plain: charset-suffixed form is read as JSON',
    httpRequest({
      path: '/plain',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: 'a=1',
    }),
    400,
    'PayloadInvalid',
  ],
  [
    'plain: malformed form',
    httpRequest({
      path: '/plain',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=%zz',
    }),
    400,
    'PayloadInvalid',
  ],
  [
    'plain: base64 text that was not decoded',
    httpRequest({ path: '/plain', body: Buffer.from(ok).toString('base64') }),
    400,
    'PayloadInvalid',
  ],
  [
    'plain: invalid UTF-8',
    httpRequest({ path: '/plain', body: Buffer.from([0x7b, 0xff, 0x7d]) }),
    400,
    'PayloadInvalid',
  ],
  // webhook hmac
  ['hmac: missing', httpRequest({ path: '/hmac', body: ok }), 401, 'AuthFailed'],
  [
    'hmac: over other bytes',
    httpRequest({
      path: '/hmac',
      headers: { 'x-hub-signature-256': sign('sha256', 'hmac-secret', '{}') },
      body: ok,
    }),
    401,
    'AuthFailed',
  ],
  [
    'hmac: wrong algorithm',
    httpRequest({
      path: '/hmac',
      headers: { 'x-hub-signature-256': sign('sha1', 'hmac-secret', ok) },
      body: ok,
    }),
    401,
    'AuthFailed',
  ],
  [
    'hmac: wrong header',
    httpRequest({
      path: '/hmac',
      headers: { 'x-hub-signature': sign('sha256', 'hmac-secret', ok) },
      body: ok,
    }),
    401,
    'AuthFailed',
  ],
  // github
  [
    'github: missing signature',
    httpRequest({ path: '/gh', headers: { 'content-type': 'application/json' }, body: ok }),
    401,
    'AuthFailed',
  ],
  ['github: signature over other bytes', gh(ok, {}, '{"ok":false}'), 401, 'AuthFailed'],
  ['github: wrong secret', gh(ok, { 'x-hub-signature-256': sign('sha256', 'nope', ok) }), 401, 'AuthFailed'],
  [
    'github: md5 prefix',
    gh(ok, { 'x-hub-signature-256': sign('sha256', 'gh-secret', ok).replace('sha256', 'md5') }),
    401,
    'AuthFailed',
  ],
  ['github: garbled hex', gh(ok, { 'x-hub-signature-256': 'sha256=not-hex' }), 401, 'AuthFailed'],
  ['github: no equals sign', gh(ok, { 'x-hub-signature-256': 'sha256' }), 401, 'AuthFailed'],
  [
    'github: upper-case header value prefix',
    gh(ok, { 'x-hub-signature-256': sign('sha256', 'gh-secret', ok).replace('sha256', 'SHA256') }),
    401,
    'AuthFailed',
  ],
  [
    'github: sha1 in the 256 header over other bytes',
    gh(ok, { 'x-hub-signature-256': sign('sha1', 'gh-secret', '{}') }),
    401,
    'AuthFailed',
  ],
  ['github: JSON array', gh('[1,2]'), 400, 'PayloadInvalid'],
  ['github: JSON number', gh('1'), 400, 'PayloadInvalid'],
  ['github: JSON null', gh('null'), 400, 'PayloadInvalid'],
  ['github: truncated JSON', gh('{"ref":'), 400, 'PayloadInvalid'],
  ['github: empty body', gh(''), 400, 'PayloadInvalid'],
  ['github: text/plain', gh(ok, { 'content-type': 'text/plain' }), 415, 'UnsupportedMediaType'],
  ['github: no content type', gh(ok, { 'content-type': '' }), 415, 'UnsupportedMediaType'],
  [
    'github: form without payload',
    gh('x=1', { 'content-type': 'application/x-www-form-urlencoded' }),
    400,
    'PayloadInvalid',
  ],
  [
    'github: form with a non-JSON payload',
    gh('payload=nope', { 'content-type': 'application/x-www-form-urlencoded' }),
    400,
    'PayloadInvalid',
  ],
  // gitlab
  ['gitlab: missing token', httpRequest({ path: '/gl', body: ok }), 401, 'AuthFailed'],
  [
    'gitlab: wrong token',
    httpRequest({ path: '/gl', headers: { 'x-gitlab-token': 'gl-tokeN' }, body: ok }),
    401,
    'AuthFailed',
  ],
  [
    'gitlab: token prefix only',
    httpRequest({ path: '/gl', headers: { 'x-gitlab-token': 'gl-' }, body: ok }),
    401,
    'AuthFailed',
  ],
  [
    'gitlab: non-JSON body',
    httpRequest({ path: '/gl', headers: { 'X-Gitlab-Token': 'gl-token' }, body: 'x' }),
    400,
    'PayloadInvalid',
  ],
  // bitbucket
  ['bitbucket: missing signature', httpRequest({ path: '/bb', body: ok }), 401, 'AuthFailed'],
  [
    'bitbucket: over other bytes',
    httpRequest({ path: '/bb', headers: { 'x-hub-signature': sign('sha256', 'bb-secret', '{}') }, body: ok }),
    401,
    'AuthFailed',
  ],
  [
    'bitbucket: sha1',
    httpRequest({ path: '/bb', headers: { 'x-hub-signature': sign('sha1', 'bb-secret', ok) }, body: ok }),
    401,
    'AuthFailed',
  ],
  [
    'bitbucketserver: short header',
    httpRequest({ path: '/bbs', headers: { 'x-hub-signature': 'sha' }, body: ok }),
    401,
    'AuthFailed',
  ],
  [
    'bitbucketserver: valid signature, truncated JSON',
    httpRequest({
      path: '/bbs',
      headers: { 'x-hub-signature': sign('sha256', 'bb-secret', '{"a"') },
      body: '{"a"',
    }),
    400,
    'PayloadInvalid',
  ],
  // slack
  ['slack: stale timestamp', slack(ok, now() - 600), 401, 'AuthFailed'],
  ['slack: wrong secret', slack(ok, now(), 'other'), 401, 'AuthFailed'],
  ['slack: over other bytes', { ...slack(ok), body: Buffer.from('{"ok":false}') }, 401, 'AuthFailed'],
  ['slack: missing headers', httpRequest({ path: '/slack', body: ok }), 401, 'AuthFailed'],
  ['slack: valid signature, truncated JSON', slack('{"type":'), 400, 'PayloadInvalid'],
  ['slack: valid signature, JSON array', slack('[]'), 400, 'PayloadInvalid'],
  // stripe
  ['stripe: missing signature', httpRequest({ path: '/stripe', body: ok }), 401, 'AuthFailed'],
  ['stripe: outside tolerance', stripe(ok, now() - 301), 401, 'AuthFailed'],
  ['stripe: over other bytes', stripe(ok, now(), '{}'), 401, 'AuthFailed'],
  ['stripe: valid signature, not JSON', stripe('nope'), 400, 'PayloadInvalid'],
];

describe('bad input is refused and nothing is published', () => {
  it('has at least 60 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases)('refuses %s', async (_name, request, status, error) => {
    // Prepare
    const bus = new MemoryBus();
    const ingest = createIngest(set, { bus, secrets });

    // Act
    const response = await ingest.handle(request);

    // Assess
    expect({ status: response.statusCode, body: JSON.parse(response.body) }).toEqual({
      status,
      body: { error, message: expect.any(String) },
    });
    expect(response.headers['content-type']).toBe('application/json');
    expect(bus.log).toEqual([]);
  });
});

describe('header case variants are accepted', () => {
  it.each(['X-Hub-Signature-256', 'x-hub-signature-256', 'X-HUB-SIGNATURE-256', 'x-Hub-signature-256'])(
    'verifies a GitHub signature sent as %s',
    async (name) => {
      // Prepare
      const bus = new MemoryBus();
      const ingest = createIngest(set, { bus, secrets });
      const request = httpRequest({
        path: '/gh',
        headers: { 'CONTENT-TYPE': 'application/json', [name]: sign('sha256', 'gh-secret', ok) },
        body: ok,
      });

      // Act
      const response = await ingest.handle(request);

      // Assess
      expect(response.statusCode).toBe(200);
      expect(bus.log).toHaveLength(1);
    },
  );
});

describe('slack url_verification through ingest', () => {
  it('answers the challenge as text and publishes nothing', async () => {
    // Prepare
    const bus = new MemoryBus();
    const ingest = createIngest(set, { bus, secrets });

    // Act
    const response = await ingest.handle(slack('{"type":"url_verification","challenge":"c-123"}'));

    // Assess
    expect(response).toEqual({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'c-123' });
    expect(bus.log).toEqual([]);
  });
});
