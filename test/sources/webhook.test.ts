import { describe, expect, it } from 'vitest';
import { AuthError, PayloadError } from '../../lib/errors.ts';
import type { WebhookEventSpec } from '../../lib/manifests/types.ts';
import { createLocalSecretResolver, createStaticSecretResolver } from '../../lib/secrets/local.ts';
import { MASKED_AUTH, MASKED_TOKEN } from '../../lib/sources/headers.ts';
import { webhookSource } from '../../lib/sources/webhook/index.ts';
import { httpRequest, sign } from './helpers.ts';

const spec: WebhookEventSpec = { endpoint: '/push', port: '12000', method: 'POST' };
const secrets = createStaticSecretResolver({ hooks: { hmac: 'top-secret' } });

describe('webhook body rules (conformance section J)', () => {
  it('turns a GET query into an object of string arrays (WH-01)', () => {
    // Prepare
    const request = httpRequest({ method: 'GET', path: '/fake', rawQuery: 'aaa=b%20b&ccc=d%20d' });

    // Act
    const data = webhookSource.toEventData(request, { ...spec, method: 'GET' });

    // Assess
    expect(JSON.stringify(data)).toContain('"body":{"aaa":["b b"],"ccc":["d d"]}');
  });

  it('gives {} for a GET without query and ignores a GET body (WH-02)', () => {
    // Act
    const data = webhookSource.toEventData(httpRequest({ method: 'GET', body: 'not json' }), spec);

    // Assess
    expect(JSON.stringify(data)).toContain('"body":{}');
  });

  it('keeps repeated query keys in order and sorts keys as Go does', () => {
    // Act
    const data = webhookSource.toEventData(httpRequest({ method: 'GET', rawQuery: 'z=1&a=x+y&z=2' }), spec);

    // Assess
    expect(data).toMatchObject({ body: { a: ['x y'], z: ['1', '2'] } });
    expect(Object.keys((data as { body: object }).body)).toEqual(['a', 'z']);
  });

  it('turns an exact form post into an object of string arrays (WH-03)', () => {
    // Prepare
    const request = httpRequest({
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'aaa=b%20b&ccc=d%20d',
    });

    // Act
    const data = webhookSource.toEventData(request, spec);

    // Assess
    expect(JSON.stringify(data)).toContain('"body":{"aaa":["b b"],"ccc":["d d"]}');
  });

  it('reads a form with a charset suffix as JSON, as upstream (and refuses it when it is not JSON)', () => {
    // Prepare
    const request = httpRequest({
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: 'aaa=b',
    });

    // Act
    const act = () => webhookSource.toEventData(request, spec);

    // Assess
    expect(act).toThrow(PayloadError);
  });

  it('embeds a JSON body as is (WH-04)', () => {
    // Prepare
    const request = httpRequest({
      headers: { 'Content-Type': 'application/json' },
      body: '{"aaa":["b b"],"ccc":["d d"]}',
    });

    // Act
    const data = webhookSource.toEventData(request, spec);

    // Assess
    expect(JSON.stringify(data)).toContain('"body":{"aaa":["b b"],"ccc":["d d"]}');
  });

  it.each([
    ['Invalid JSON (WH-06)', 'Invalid JSON'],
    ['an empty body', ''],
    ['truncated JSON', '{"a":'],
  ])('refuses %s with a PayloadError', (_name, body) => {
    expect(() => webhookSource.toEventData(httpRequest({ body }), spec)).toThrow(PayloadError);
  });

  it('accepts JSON arrays and scalars as the plain webhook does', () => {
    expect(webhookSource.toEventData(httpRequest({ body: '[1,"a"]' }), spec)).toMatchObject({
      body: [1, 'a'],
    });
    expect(webhookSource.toEventData(httpRequest({ body: '42' }), spec)).toMatchObject({ body: 42 });
  });

  it('builds {header, body, metadata} with canonical keys, array values and masked secrets', () => {
    // Prepare
    const request = httpRequest({
      headers: {
        'x-github-event': 'push',
        authorization: 'Bearer hunter2',
        'X-GITLAB-TOKEN': 'glpat-secret',
        host: 'example.com',
        accept: ['a', 'b'],
      },
      body: '{}',
    });

    // Act
    const data = webhookSource.toEventData(request, { ...spec, metadata: { team: 'ci' } });

    // Assess
    expect(data).toEqual({
      header: {
        Accept: ['a', 'b'],
        Authorization: [MASKED_AUTH],
        'X-Github-Event': ['push'],
        'X-Gitlab-Token': [MASKED_TOKEN],
      },
      body: {},
      metadata: { team: 'ci' },
    });
    expect(Object.keys(data as object)).toEqual(['header', 'body', 'metadata']);
  });

  it('omits metadata when it is empty', () => {
    expect(
      Object.keys(
        webhookSource.toEventData(httpRequest({ body: '{}' }), { ...spec, metadata: {} }) as object,
      ),
    ).toEqual(['header', 'body']);
  });
});

describe('webhook hmac extension', () => {
  const hmacSpec: WebhookEventSpec = { ...spec, hmac: { secret: { name: 'hooks', key: 'hmac' } } };
  const body = '{"ref":"refs/heads/main"}';

  it('accepts a GitHub-style sha256 signature by default', async () => {
    // Prepare
    const request = httpRequest({
      headers: { 'x-hub-signature-256': sign('sha256', 'top-secret', body) },
      body,
    });

    // Act
    const result = webhookSource.verify(request, hmacSpec, secrets);

    // Assess
    await expect(result).resolves.toBeUndefined();
  });

  it('refuses a missing signature, a signature over other bytes, and a wrong prefix', async () => {
    const cases = [
      {},
      { 'X-Hub-Signature-256': sign('sha256', 'top-secret', `${body}\n`) },
      { 'X-Hub-Signature-256': sign('sha256', 'other-secret', body) },
      { 'X-Hub-Signature-256': sign('sha256', 'top-secret', body).replace('sha256=', 'sha1=') },
      { 'X-Hub-Signature-256': sign('sha256', 'top-secret', body).replace('sha256=', '') },
      { 'X-Hub-Signature-256': 'sha256=zz' },
    ];
    for (const headers of cases) {
      await expect(
        webhookSource.verify(httpRequest({ headers, body }), hmacSpec, secrets),
      ).rejects.toBeInstanceOf(AuthError);
    }
  });

  it('honours header, algorithm, prefix and base64 encoding', async () => {
    // Prepare
    const custom: WebhookEventSpec = {
      ...spec,
      hmac: {
        secret: { name: 'hooks', key: 'hmac' },
        header: 'X-Signature',
        algorithm: 'sha512',
        prefix: '',
        encoding: 'base64',
      },
    };
    const { createHmac } = await import('node:crypto');
    const signature = createHmac('sha512', 'top-secret').update(body).digest('base64');

    // Act
    const good = webhookSource.verify(
      httpRequest({ headers: { 'x-signature': signature }, body }),
      custom,
      secrets,
    );
    const bad = webhookSource.verify(
      httpRequest({ headers: { 'x-signature': signature }, body: `${body} ` }),
      custom,
      secrets,
    );

    // Assess
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toBeInstanceOf(AuthError);
  });

  it('checks nothing without hmac', () => {
    expect(webhookSource.verify(httpRequest({ body }), spec, secrets)).toBeUndefined();
  });

  it('checks in the turn a request arrives once the secret is read, and still rejects instead of throwing', async () => {
    // Prepare: a resolver that has read the secret
    const local = createLocalSecretResolver({ env: { OUTRIGGER_SECRET_HOOKS_HMAC: 'top-secret' } });
    const good = () =>
      httpRequest({ headers: { 'x-hub-signature-256': sign('sha256', 'top-secret', body) }, body });
    const first = webhookSource.verify(good(), hmacSpec, local);
    await first;

    // Act
    const again = webhookSource.verify(good(), hmacSpec, local);
    const forged = webhookSource.verify(
      httpRequest({ headers: { 'x-hub-signature-256': sign('sha256', 'forged', body) }, body }),
      hmacSpec,
      local,
    );

    // Assess
    expect(first).toBeInstanceOf(Promise);
    expect(again).toBeUndefined();
    expect(forged).toBeInstanceOf(Promise);
    await expect(forged).rejects.toBeInstanceOf(AuthError);
  });
});

describe('webhook delivery ids', () => {
  it.each([
    [{ 'X-GitHub-Hook-ID': '7', 'X-GitHub-Delivery': 'g-1' }, 'github:7:g-1'],
    [{ 'Idempotency-Key': 'k-1' }, 'gitlab:k-1'],
    [{ 'X-Request-UUID': 'u-1' }, 'bitbucket:u-1'],
    [{}, undefined],
  ])('recognises provider delivery headers %j', (headers, expected) => {
    expect(webhookSource.deliveryId(httpRequest({ headers }), undefined)).toBe(expected);
  });
});

describe('webhook headers', () => {
  it('keeps a header named __proto__ as data and merges case variants of one header', () => {
    // Prepare
    const request = httpRequest({
      headers: { ['__proto__']: 'x', 'X-Custom': 'a', 'x-custom': ['b', 'c'] } as never,
      body: '{}',
    });

    // Act
    const data = webhookSource.toEventData(request, spec) as { header: Record<string, string[]> };

    // Assess
    expect(Object.keys(data.header)).toEqual(['X-Custom', '__proto__']);
    expect(data.header['X-Custom']).toEqual(['a', 'b', 'c']);
  });
});
