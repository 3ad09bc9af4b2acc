import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../lib/bus/memory/index.ts';
import { ManifestError } from '../../lib/errors.ts';
import { encodeEvent } from '../../lib/events/envelope.ts';
import { dataJson } from '../../lib/events/raw-json.ts';
import { createStaticSecretResolver } from '../../lib/secrets/local.ts';
import { cachingResolver, rememberSettled } from '../../lib/secrets/resolver.ts';
import type { HttpRequest } from '../../lib/sources/http.ts';
import type { IngestDeps } from '../../lib/sources/ingest.ts';
import { createIngest, DEFAULT_MAX_PAYLOAD_SIZE } from '../../lib/sources/ingest.ts';
import { eventSource, FailingBus, httpRequest, manifestSet, sign } from './helpers.ts';

const SECRET = 'gh-secret';
const TOKEN = 'bearer-token';
const secrets = createStaticSecretResolver({ gh: { secret: SECRET }, auth: { token: TOKEN } });

const set = manifestSet(
  eventSource('github-webhook', {
    webhook: {
      'github-push': { port: '12000', endpoint: '/push', method: 'POST' },
      query: { port: '12000', endpoint: '/query', method: 'GET' },
      small: { port: '12000', endpoint: '/small', method: 'POST', maxPayloadSize: 10 },
      guarded: {
        port: '12000',
        endpoint: '/guarded',
        method: 'POST',
        authSecret: { name: 'auth', key: 'token' },
      },
      filtered: {
        port: '12000',
        endpoint: '/filtered',
        method: 'POST',
        filter: { expression: 'body.keep == true' },
      },
    },
  }),
  eventSource('gh', {
    github: {
      repo: {
        webhook: { port: '13000', endpoint: '/github', method: 'POST' },
        webhookSecret: { name: 'gh', key: 'secret' },
        repositories: [{ owner: 'o', names: ['r'] }],
      },
    },
    calendar: { tick: { interval: '10s' } },
  }),
);

function setup(deps: Partial<IngestDeps> & { bus?: MemoryBus } = {}) {
  const bus = deps.bus ?? new MemoryBus();
  const logs: Record<string, unknown>[] = [];
  const ingest = createIngest(set, { bus, secrets, log: (e) => logs.push(e), ...deps });
  return { bus, logs, ingest };
}

const signedGithub = (body: string, extra: Record<string, string> = {}): HttpRequest =>
  httpRequest({
    path: '/github',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': 'd-1',
      'x-github-hook-id': '99',
      'x-hub-signature-256': sign('sha256', SECRET, body),
      ...extra,
    },
    body,
  });

describe('ingest routes', () => {
  it('has one route per webhook-style event and none for calendars', () => {
    // Act
    const { ingest } = setup();

    // Assess
    expect(ingest.routes).toEqual([
      {
        eventSourceName: 'github-webhook',
        eventName: 'github-push',
        type: 'webhook',
        method: 'POST',
        path: '/push',
        port: 12000,
      },
      {
        eventSourceName: 'github-webhook',
        eventName: 'query',
        type: 'webhook',
        method: 'GET',
        path: '/query',
        port: 12000,
      },
      {
        eventSourceName: 'github-webhook',
        eventName: 'small',
        type: 'webhook',
        method: 'POST',
        path: '/small',
        port: 12000,
      },
      {
        eventSourceName: 'github-webhook',
        eventName: 'guarded',
        type: 'webhook',
        method: 'POST',
        path: '/guarded',
        port: 12000,
      },
      {
        eventSourceName: 'github-webhook',
        eventName: 'filtered',
        type: 'webhook',
        method: 'POST',
        path: '/filtered',
        port: 12000,
      },
      {
        eventSourceName: 'gh',
        eventName: 'repo',
        type: 'github',
        method: 'POST',
        path: '/github',
        port: 13000,
      },
    ]);
  });

  it('refuses two events on the same method and path at load time behind API Gateway', () => {
    // Prepare
    const clash = manifestSet(
      eventSource('a', { webhook: { one: { port: '12000', endpoint: '/push', method: 'POST' } } }),
      eventSource('b', { webhook: { two: { port: '13000', endpoint: '/push', method: 'POST' } } }),
    );

    // Act
    const act = () => createIngest(clash, { bus: new MemoryBus(), secrets });

    // Assess
    expect(act).toThrow(ManifestError);
    expect(act).toThrow(
      /manifests\/es\.yaml:3:1: spec\.webhook\.two: POST \/push is already served by a\/one/,
    );
  });

  it('serves the same path on two ports when listening per port, routing by the request port', async () => {
    // Prepare
    const twoPorts = manifestSet(
      eventSource('a', { webhook: { one: { port: '12000', endpoint: '/push', method: 'POST' } } }),
      eventSource('b', { webhook: { two: { port: '13000', endpoint: '/push', method: 'POST' } } }),
    );
    const bus = new MemoryBus();
    const ingest = createIngest(twoPorts, { bus, secrets, perPort: true });

    // Act
    const response = await ingest.handle(httpRequest({ port: 13000, body: '{}' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bus.log.map((e) => [e.source, e.subject])).toEqual([['b', 'two']]);
  });

  it('answers GET /health with 200', async () => {
    const { ingest, bus } = setup();
    const response = await ingest.handle(httpRequest({ method: 'GET', path: '/health' }));
    expect(response.statusCode).toBe(200);
    expect(bus.log).toEqual([]);
  });
});

describe('ingest success', () => {
  it('publishes the webhook event and answers 200 with its id only after publish', async () => {
    // Prepare
    const { ingest, bus } = setup();
    const request = httpRequest({
      headers: { 'Content-Type': 'application/json' },
      body: '{"ref":"refs/heads/main"}',
    });

    // Act
    const response = await ingest.handle(request);

    // Assess
    expect(bus.log).toHaveLength(1);
    const event = bus.log[0]!;
    expect(response).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ok: true, id: event.id }),
    });
    expect(event).toMatchObject({
      specversion: '1.0',
      source: 'github-webhook',
      subject: 'github-push',
      type: 'webhook',
      datacontenttype: 'application/json',
      data: { header: { 'Content-Type': ['application/json'] }, body: { ref: 'refs/heads/main' } },
    });
    expect(event.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('answers only once the bus has made the event durable', async () => {
    // Prepare
    let release: () => void = () => {};
    const order: string[] = [];
    const bus = new MemoryBus();
    const slow = Object.assign(Object.create(bus) as MemoryBus, {
      publish: async (event: Parameters<MemoryBus['publish']>[0]) => {
        await new Promise<void>((r) => {
          release = r;
        });
        order.push('durable');
        return bus.publish(event);
      },
    });
    const ingest = createIngest(set, { bus: slow, secrets });

    // Act
    const pending = ingest.handle(httpRequest({ body: '{}' })).then((r) => {
      order.push('answered');
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    order.push('released');
    release();
    await pending;

    // Assess
    expect(order).toEqual(['released', 'durable', 'answered']);
  });

  it('publishes a verified GitHub delivery under its hook and delivery id, once for a redelivery', async () => {
    // Prepare
    const { ingest, bus } = setup();
    const body = '{"ref":"refs/heads/main","repository":{"full_name":"o/r"}}';

    // Act
    const first = await ingest.handle(signedGithub(body));
    const again = await ingest.handle(signedGithub(body));

    // Assess
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ ok: true, id: 'github:99:d-1' });
    expect(bus.log).toHaveLength(1);
    expect(bus.log[0]).toMatchObject({ type: 'github', source: 'gh', subject: 'repo' });
  });

  it('accepts the right bearer token and keeps it out of the event', async () => {
    // Prepare
    const { ingest, bus } = setup();

    // Act
    const response = await ingest.handle(
      httpRequest({ path: '/guarded', headers: { Authorization: `Bearer ${TOKEN}` }, body: '{}' }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.stringify(bus.log)).not.toContain(TOKEN);
  });

  it('accepts a body of exactly maxPayloadSize bytes', async () => {
    const { ingest, bus } = setup();
    const response = await ingest.handle(httpRequest({ path: '/small', body: '"12345678"' }));
    expect(response.statusCode).toBe(200);
    expect(bus.log).toHaveLength(1);
  });

  it('drops a filtered-out event with 200 and publishes a kept one', async () => {
    // Prepare
    const filter = (expression: string, data: unknown) =>
      expression === 'body.keep == true' && (data as { body: { keep?: boolean } }).body.keep === true;
    const { ingest, bus } = setup({ filter });

    // Act
    const dropped = await ingest.handle(httpRequest({ path: '/filtered', body: '{"keep":false}' }));
    const kept = await ingest.handle(httpRequest({ path: '/filtered', body: '{"keep":true}' }));

    // Assess
    expect([dropped.statusCode, kept.statusCode]).toEqual([200, 200]);
    expect(JSON.parse(dropped.body)).toEqual({ ok: true, filtered: true });
    expect(bus.log.map((e) => e.data)).toEqual([expect.objectContaining({ body: { keep: true } })]);
  });

  it('parses a JSON body at ingest for a bus that hands over objects, and on first read for one that carries bytes', async () => {
    // Prepare: the same memory bus, once told it carries bytes (as JetStream and SQS do).
    const carrying = () => Object.defineProperty(new MemoryBus(), 'handsOverObjects', { value: false });
    const objects = setup();
    const bytes = setup({ bus: carrying() });
    const body = '{ "keep": true, "n": 1.0 }';
    const filter = (_: string, data: unknown) => (data as { body: { keep?: boolean } }).body.keep === true;
    const withFilter = setup({ filter, bus: carrying() });

    // Act
    await objects.ingest.handle(httpRequest({ body }));
    await bytes.ingest.handle(httpRequest({ body }));
    const kept = await withFilter.ingest.handle(httpRequest({ path: '/filtered', body }));
    const dropped = await withFilter.ingest.handle(
      httpRequest({ path: '/filtered', body: '{"keep":false}' }),
    );

    // Assess: a value now, or a field that parses when read; the same event either way.
    const parsed = objects.bus.log[0]!.data as object;
    const lazy = bytes.bus.log[0]!.data as object;
    expect(Object.getOwnPropertyDescriptor(parsed, 'body')).toMatchObject({ value: { keep: true, n: 1 } });
    expect(Object.getOwnPropertyDescriptor(lazy, 'body')?.get).toBeTypeOf('function');
    expect(dataJson(lazy)).toBe(dataJson(parsed));
    expect(encodeEvent(bytes.bus.log[0]!)).toContain('"body":{"keep":true,"n":1.0}');
    expect(lazy).toEqual(parsed);
    expect([kept.statusCode, JSON.parse(dropped.body)]).toEqual([200, { ok: true, filtered: true }]);
    expect(withFilter.bus.log).toHaveLength(1);
  });

  it('drops the event when the filter fails, as upstream', async () => {
    const { ingest, bus } = setup({
      filter: () => {
        throw new Error('boom');
      },
    });
    const response = await ingest.handle(httpRequest({ path: '/filtered', body: '{}' }));
    expect(response.statusCode).toBe(200);
    expect(bus.log).toEqual([]);
  });
});

interface Rejection {
  name: string;
  request: HttpRequest;
  status: number;
  error: string;
  headers?: Record<string, string>;
}

const bigBody = '"'.padEnd(DEFAULT_MAX_PAYLOAD_SIZE, 'x').concat('"');
const rejections: Rejection[] = [
  {
    name: 'an unknown path',
    request: httpRequest({ path: '/nope', body: '{}' }),
    status: 404,
    error: 'RouteNotFound',
  },
  {
    name: 'a path with a trailing slash',
    request: httpRequest({ path: '/push/', body: '{}' }),
    status: 404,
    error: 'RouteNotFound',
  },
  {
    name: 'a path in another case',
    request: httpRequest({ path: '/PUSH', body: '{}' }),
    status: 404,
    error: 'RouteNotFound',
  },
  {
    name: 'POST /health',
    request: httpRequest({ path: '/health', body: '{}' }),
    status: 404,
    error: 'RouteNotFound',
  },
  {
    name: 'a wrong method',
    request: httpRequest({ method: 'PUT', body: '{}' }),
    status: 405,
    error: 'MethodNotAllowed',
    headers: { allow: 'POST' },
  },
  {
    name: 'GET on a POST route',
    request: httpRequest({ method: 'GET' }),
    status: 405,
    error: 'MethodNotAllowed',
    headers: { allow: 'POST' },
  },
  {
    name: 'POST on a GET route',
    request: httpRequest({ path: '/query', body: '{}' }),
    status: 405,
    error: 'MethodNotAllowed',
    headers: { allow: 'GET' },
  },
  {
    name: 'a body one byte over the default limit',
    request: httpRequest({ body: bigBody }),
    status: 413,
    error: 'PayloadTooLarge',
  },
  {
    name: 'a body one byte over maxPayloadSize',
    request: httpRequest({ path: '/small', body: '"123456789"' }),
    status: 413,
    error: 'PayloadTooLarge',
  },
  {
    name: 'no Authorization header',
    request: httpRequest({ path: '/guarded', body: '{}' }),
    status: 401,
    error: 'AuthFailed',
  },
  {
    name: 'a non-bearer Authorization header',
    request: httpRequest({ path: '/guarded', headers: { authorization: `Basic ${TOKEN}` }, body: '{}' }),
    status: 401,
    error: 'AuthFailed',
  },
  {
    name: 'a wrong bearer token',
    request: httpRequest({ path: '/guarded', headers: { authorization: `Bearer ${TOKEN}x` }, body: '{}' }),
    status: 401,
    error: 'AuthFailed',
  },
  {
    name: 'a lower-case bearer scheme',
    request: httpRequest({ path: '/guarded', headers: { authorization: `bearer ${TOKEN}` }, body: '{}' }),
    status: 401,
    error: 'AuthFailed',
  },
  {
    name: 'a non-JSON body',
    request: httpRequest({ body: 'Invalid JSON' }),
    status: 400,
    error: 'PayloadInvalid',
  },
  { name: 'an empty body', request: httpRequest({}), status: 400, error: 'PayloadInvalid' },
  {
    name: 'truncated JSON',
    request: httpRequest({ body: '{"ref": "refs/' }),
    status: 400,
    error: 'PayloadInvalid',
  },
  {
    name: 'a GitHub delivery without signature',
    request: httpRequest({ path: '/github', headers: { 'content-type': 'application/json' }, body: '{}' }),
    status: 401,
    error: 'AuthFailed',
  },
  {
    name: 'a GitHub signature over other bytes',
    request: { ...signedGithub('{"a":1}'), body: Buffer.from('{"a":2}') },
    status: 401,
    error: 'AuthFailed',
  },
  {
    name: 'a GitHub JSON array',
    request: signedGithub('[1]'),
    status: 400,
    error: 'PayloadInvalid',
  },
  {
    name: 'a GitHub text/plain delivery',
    request: signedGithub('{}', { 'content-type': 'text/plain' }),
    status: 415,
    error: 'UnsupportedMediaType',
  },
];

describe('ingest after a secret is rotated', () => {
  /**
   * Secrets cached as on Lambda (values used in the turn a request arrives once read), over a store the
   * test rotates, on a clock the test moves.
   */
  function rotating() {
    const values = { gh: { secret: SECRET }, auth: { token: TOKEN } };
    const clock = { now: 0 };
    let reads = 0;
    const store = createStaticSecretResolver(values);
    const cached = rememberSettled(
      cachingResolver(
        {
          get: (selector) => {
            reads++;
            return store.get(selector);
          },
        },
        () => clock.now,
      ),
    );
    return { values, clock, reads: () => reads, ...setup({ secrets: cached }) };
  }
  const githubSignedWith = (secret: string, delivery: string): HttpRequest => {
    const body = '{"ref":"refs/heads/main"}';
    return signedGithub(body, {
      'x-github-delivery': delivery,
      'x-hub-signature-256': sign('sha256', secret, body),
    });
  };

  it('reads the secret again when a signature is refused and the cached one is 30 s old', async () => {
    // Prepare
    const { ingest, bus, values, clock, reads, logs } = rotating();
    expect((await ingest.handle(githubSignedWith(SECRET, 'before'))).statusCode).toBe(200);
    values.gh.secret = 'rotated-secret';

    // Act
    clock.now = 29_999;
    const tooSoon = await ingest.handle(githubSignedWith('rotated-secret', 'too-soon'));
    clock.now = 30_000;
    const rotated = await ingest.handle(githubSignedWith('rotated-secret', 'rotated'));
    const old = await ingest.handle(githubSignedWith(SECRET, 'old'));

    // Assess
    expect([tooSoon.statusCode, rotated.statusCode, old.statusCode]).toEqual([401, 200, 401]);
    expect(bus.log.map((e) => e.id)).toEqual(['github:99:before', 'github:99:rotated']);
    expect(reads()).toBe(2);
    expect(logs.filter((l) => l.msg === 'request refused with cached secrets; read them again')).toHaveLength(
      1,
    );
  });

  it('reads the store at most once per 30 s however many bad signatures arrive', async () => {
    // Prepare
    const { ingest, bus, clock, reads } = rotating();
    await ingest.handle(githubSignedWith(SECRET, 'first'));
    clock.now = 60_000;

    // Act
    const answers = [];
    for (let i = 0; i < 20; i++)
      answers.push((await ingest.handle(githubSignedWith('forged', `f${i}`))).statusCode);

    // Assess
    expect(new Set(answers)).toEqual(new Set([401]));
    expect(reads()).toBe(2);
    expect(bus.log).toHaveLength(1);
  });

  it('reads a rotated bearer token (authSecret) again the same way', async () => {
    // Prepare
    const { ingest, bus, values, clock } = rotating();
    const guarded = (token: string) =>
      ingest.handle(
        httpRequest({ path: '/guarded', headers: { Authorization: `Bearer ${token}` }, body: '{}' }),
      );
    expect((await guarded(TOKEN)).statusCode).toBe(200);
    values.auth.token = 'rotated-token';
    clock.now = 45_000;

    // Act
    const answers = [(await guarded('rotated-token')).statusCode, (await guarded(TOKEN)).statusCode];

    // Assess
    expect(answers).toEqual([200, 401]);
    expect(bus.log).toHaveLength(2);
  });
});

describe('ingest rejections publish nothing', () => {
  it.each(rejections)('answers $status $error for $name', async ({ request, status, error, headers }) => {
    // Prepare
    const { ingest, bus } = setup();

    // Act
    const response = await ingest.handle(request);

    // Assess
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers).toMatchObject(headers ?? {});
    const body = JSON.parse(response.body) as { error: string; message: string };
    expect(body).toEqual({ error, message: expect.any(String) });
    expect(body.message).not.toContain(SECRET);
    expect(body.message).not.toContain(TOKEN);
    expect(bus.log).toEqual([]);
  });

  it('answers 503 with Retry-After when the bus fails, and does not acknowledge the event', async () => {
    // Prepare
    const bus = new FailingBus();
    const ingest = createIngest(set, { bus, secrets });

    // Act
    const response = await ingest.handle(httpRequest({ body: '{}' }));

    // Assess
    expect(bus.attempts).toBe(1);
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(JSON.parse(response.body)).toEqual({ error: 'BusUnavailable', message: 'stream unavailable' });
  });

  it('answers 503 for a bus that fails with a foreign error, without its text', async () => {
    const ingest = createIngest(set, { bus: new FailingBus(new Error('ECONNREFUSED 10.0.0.1')), secrets });
    const response = await ingest.handle(httpRequest({ body: '{}' }));
    expect(response.statusCode).toBe(503);
    expect(response.body).not.toContain('10.0.0.1');
  });

  it('answers 500 without detail when a secret is missing', async () => {
    // Prepare
    const bus = new MemoryBus();
    const ingest = createIngest(set, { bus, secrets: createStaticSecretResolver({}) });

    // Act
    const response = await ingest.handle(
      httpRequest({ path: '/guarded', headers: { authorization: 'Bearer x' }, body: '{}' }),
    );

    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ error: 'SecretNotFound', message: 'internal error' });
    expect(bus.log).toEqual([]);
  });

  it('never logs secret values or bodies', async () => {
    // Prepare
    const { ingest, logs } = setup();

    // Act
    await ingest.handle(
      httpRequest({ path: '/guarded', headers: { authorization: 'Bearer guess-1' }, body: '{}' }),
    );
    await ingest.handle(signedGithub('{"password":"p4ss"}'));

    // Assess
    const text = JSON.stringify(logs);
    expect(logs.length).toBeGreaterThan(0);
    for (const value of [SECRET, TOKEN, 'guess-1', 'p4ss']) expect(text).not.toContain(value);
  });
});
