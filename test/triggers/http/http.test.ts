import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isRetryable, TriggerError } from '../../../lib/errors.ts';
import type { KubeClient, KubeObject } from '../../../lib/kube/client.ts';
import type { Trigger } from '../../../lib/manifests/types.ts';
import { type HttpTriggerSpec, httpTrigger } from '../../../lib/triggers/http/index.ts';
import { checkTarget, isLinkLocal, redactUrl } from '../../../lib/triggers/http/request.ts';
import { runTrigger } from '../../../lib/triggers/run.ts';
import type { FiredEvents } from '../../../lib/triggers/types.ts';
import { event, type HttpSink, memorySecrets, renderContext, startHttpSink } from '../fixtures.ts';

const events: FiredEvents = {
  push: event('e1', { body: { repo: 'backend', size: 3 }, header: { 'X-Request-Id': ['r-1'] } }),
};
const context = renderContext();
const noSleep = async () => {};

let sink: HttpSink;
beforeAll(async () => {
  sink = await startHttpSink();
});
afterAll(() => sink.close());
beforeEach(() => {
  sink.requests.length = 0;
  sink.answer({ status: 200, body: 'ok' });
});

function spec(overrides: Partial<HttpTriggerSpec> = {}): HttpTriggerSpec {
  return {
    url: `${sink.url}/hook`,
    payload: [
      { src: { dependencyName: 'push', dataKey: 'body.repo' }, dest: 'repo' },
      { src: { dependencyName: 'push', dataKey: 'body.size', useRawData: true }, dest: 'size' },
    ],
    headers: { 'Content-Type': 'application/json' },
    ...overrides,
  };
}

function trigger(http: HttpTriggerSpec, extra: Partial<Trigger> = {}): Trigger {
  return { template: { name: 'notify', http: http as unknown as Record<string, unknown> }, ...extra };
}

describe('http trigger render', () => {
  it('defaults to POST and builds the body from the payload entries', () => {
    // Act
    const request = httpTrigger.render(spec(), events, context);

    // Assess
    expect(request).toEqual({
      url: `${sink.url}/hook`,
      method: 'POST',
      headers: [['Content-Type', 'application/json']],
      body: '{"repo":"backend","size":3}',
      secureHeaders: [],
      basicAuth: undefined,
      tls: undefined,
      timeoutMs: 60_000,
      namespace: 'argo-events',
    });
  });

  it('applies http.parameters to the spec and drops a dest that names no field (vector PL-06)', () => {
    // Prepare
    const firing: FiredEvents = { dep: event('e2', { url: 'http://another-fake.com', method: 'GET' }) };
    const http: HttpTriggerSpec = {
      url: 'http://fake.com:12000',
      method: 'POST',
      parameters: [
        { src: { dependencyName: 'dep', dataKey: 'url', value: 'http://default.com' }, dest: 'serverURL' },
        { src: { dependencyName: 'dep', dataKey: 'method', value: 'http://default.com' }, dest: 'method' },
      ],
    };

    // Act
    const request = httpTrigger.render(http, firing, context);

    // Assess
    expect(request.url).toBe('http://fake.com:12000');
    expect(request.method).toBe('GET');
    expect(request).not.toHaveProperty('serverURL');
  });

  it('adds dynamic headers after the static ones and a Host override', () => {
    // Act
    const request = httpTrigger.render(
      spec({
        host: 'hooks.example.com',
        dynamicHeaders: [
          {
            src: { dependencyName: 'push', dataTemplate: '{{ index .Input.header "X-Request-Id" 0 }}' },
            dest: 'X-Trace',
          },
        ],
      }),
      events,
      context,
    );

    // Assess
    expect(request.headers).toEqual([
      ['Content-Type', 'application/json'],
      ['Host', 'hooks.example.com'],
      ['X-Trace', 'r-1'],
    ]);
  });

  it('sends no body when there is no payload, and the whole event for an empty dest', () => {
    // Act
    const none = httpTrigger.render(spec({ payload: [] }), events, context);
    const whole = httpTrigger.render(
      spec({ payload: [{ src: { dependencyName: 'push' }, dest: '' }] }),
      events,
      context,
    );

    // Assess
    expect(none.body).toBeUndefined();
    expect(JSON.parse(whole.body ?? '')).toEqual({
      context: events.push?.context,
      data: Buffer.from(JSON.stringify(events.push?.data)).toString('base64'),
    });
  });

  it('refuses a method upstream does not allow, without retrying', () => {
    // Act
    const act = () => httpTrigger.render(spec({ method: 'HEAD' }), events, context);

    // Assess
    expect(act).toThrow(TriggerError);
    expect(act).toThrow(/method HEAD is not one of GET, DELETE, PATCH, POST, PUT/);
  });
});

describe('http trigger execute', () => {
  it('sends method, headers and body to the target and reports its status', async () => {
    // Prepare
    sink.answer({ status: 201, body: 'created' });
    const request = httpTrigger.render(spec({ method: 'PUT' }), events, context);

    // Act
    const outcome = await httpTrigger.execute(request, {});

    // Assess
    expect(outcome).toMatchObject({ status: 201, result: { status: 201, body: 'created' } });
    expect(outcome.summary).toBe(`PUT ${sink.url}/hook answered 201`);
    expect(sink.requests).toHaveLength(1);
    expect(sink.requests[0]).toMatchObject({
      method: 'PUT',
      url: '/hook',
      body: '{"repo":"backend","size":3}',
    });
    expect(sink.requests[0]?.headers['content-type']).toBe('application/json');
  });

  it('resolves secure headers and basic auth from the secret store', async () => {
    // Prepare
    const request = httpTrigger.render(
      spec({
        secureHeaders: [{ name: 'X-Api-Key', valueFrom: { secretKeyRef: { name: 'hook', key: 'apiKey' } } }],
        basicAuth: { username: { name: 'hook', key: 'user' }, password: { name: 'hook', key: 'pass' } },
      }),
      events,
      context,
    );
    const secrets = memorySecrets({ 'hook/apiKey': 'k-123', 'hook/user': 'ci', 'hook/pass': 's3cret' });

    // Act
    await httpTrigger.execute(request, { secrets });

    // Assess
    const headers = sink.requests[0]?.headers ?? {};
    expect(headers['x-api-key']).toBe('k-123');
    expect(headers.authorization).toBe(`Basic ${Buffer.from('ci:s3cret').toString('base64')}`);
  });

  it('reads a secure header from a ConfigMap through the Kubernetes API in the sensor namespace', async () => {
    // Prepare
    const reads: string[] = [];
    const kube = {
      async get(apiVersion: string, kind: string, namespace: string | undefined, name: string) {
        reads.push(`${apiVersion} ${kind} ${namespace}/${name}`);
        return { apiVersion, kind, metadata: { name }, data: { team: 'platform' } } as KubeObject;
      },
    } as unknown as KubeClient;
    const request = httpTrigger.render(
      spec({
        secureHeaders: [{ name: 'X-Team', valueFrom: { configMapKeyRef: { name: 'meta', key: 'team' } } }],
      }),
      events,
      context,
    );

    // Act
    await httpTrigger.execute(request, { kube });

    // Assess
    expect(reads).toEqual(['v1 ConfigMap argo-events/meta']);
    expect(sink.requests[0]?.headers['x-team']).toBe('platform');
  });

  it('fails without retrying when a secret is needed and no store is configured, naming the field only', async () => {
    // Prepare
    const request = httpTrigger.render(
      spec({ basicAuth: { password: { name: 'hook', key: 'pass' } } }),
      events,
      context,
    );

    // Act
    const error = await httpTrigger.execute(request, {}).catch((err: unknown) => err);

    // Assess
    expect(error).toBeInstanceOf(TriggerError);
    expect(isRetryable(error)).toBe(false);
    expect((error as Error).message).toBe(
      'http basicAuth.password needs secret hook/pass, but no secret store is configured',
    );
    expect(sink.requests).toHaveLength(0);
  });

  it('times out with a retryable error', async () => {
    // Prepare
    sink.answer({ status: 200, delayMs: 500 });
    const request = { ...httpTrigger.render(spec(), events, context), timeoutMs: 50 };

    // Act
    const error = await httpTrigger.execute(request, {}).catch((err: unknown) => err);

    // Assess
    expect(error).toBeInstanceOf(TriggerError);
    expect(isRetryable(error)).toBe(true);
    expect((error as Error).message).toBe(`POST ${sink.url}/hook timed out after 50 ms`);
  });

  it('reports a refused connection as retryable', async () => {
    // Prepare
    const closed = await startHttpSink();
    await closed.close();
    const request = httpTrigger.render(spec({ url: `${closed.url}/x` }), events, context);

    // Act
    const error = await httpTrigger.execute(request, {}).catch((err: unknown) => err);

    // Assess
    expect(isRetryable(error)).toBe(true);
    expect((error as Error).message).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/x failed: .*ECONNREFUSED/);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://169.254.170.2/v2/credentials',
    'http://[::ffff:169.254.169.254]/latest',
    'http://[fe80::1]/',
    'http://[fd00:ec2::254]/latest',
  ])('refuses the link-local or metadata target %s without retrying', async (url) => {
    // Prepare
    const request = httpTrigger.render(spec({ url }), events, context);

    // Act
    const error = await httpTrigger.execute(request, {}).catch((err: unknown) => err);

    // Assess
    expect(error).toBeInstanceOf(TriggerError);
    expect(isRetryable(error)).toBe(false);
    expect((error as Error).message).toMatch(/link-local\/metadata address/);
  });

  it('lets a link-local target through only when allowed explicitly', () => {
    // Prepare: no request is sent, since a real metadata service may answer on this machine.
    const url = 'http://169.254.169.254/latest';

    // Act
    const allowed = () => checkTarget(url, true);
    const refused = () => checkTarget(url, false);

    // Assess
    expect(allowed).not.toThrow();
    expect(refused).toThrow(/link-local\/metadata address 169\.254\.169\.254/);
  });

  it('keeps credentials in the URL out of summaries', async () => {
    // Prepare
    const request = httpTrigger.render(
      spec({ url: `${sink.url.replace('http://', 'http://user:pw@')}/hook?token=abc` }),
      events,
      context,
    );

    // Act
    const outcome = await httpTrigger.execute(request, {});

    // Assess
    expect(outcome.summary).toBe(`POST ${sink.url}/hook answered 200`);
    expect(sink.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('user:pw').toString('base64')}`,
    );
    expect(redactUrl('http://a:b@h:1/p?q=1#f')).toBe('http://h:1/p');
  });
});

describe('http trigger status handling in the runner', () => {
  it('retries a 503 and succeeds when the target recovers', async () => {
    // Prepare
    sink.answer({ status: 503 }, { status: 200 });

    // Act
    const outcome = await runTrigger(
      trigger(spec(), { retryStrategy: { steps: 2 } }),
      events,
      context,
      {},
      {
        sleep: noSleep,
      },
    );

    // Assess
    expect(outcome).toMatchObject({ status: 200 });
    expect(sink.requests).toHaveLength(2);
  });

  it.each([500, 502, 429])('fails a %i answer as retryable without policy.status', async (status) => {
    // Prepare
    sink.answer({ status });

    // Act
    const error = await runTrigger(trigger(spec()), events, context, {}).catch((err: unknown) => err);

    // Assess
    expect(error).toBeInstanceOf(TriggerError);
    expect(isRetryable(error)).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`^http response status ${status}:`));
  });

  it('accepts a 404 without policy.status, as upstream does for any answer but 5xx and 429', async () => {
    // Prepare
    sink.answer({ status: 404 });

    // Act
    const outcome = await runTrigger(trigger(spec()), events, context, {});

    // Assess
    expect(outcome.status).toBe(404);
  });

  it('accepts a 503 that policy.status.allow lists', async () => {
    // Prepare
    sink.answer({ status: 503 });

    // Act
    const outcome = await runTrigger(
      trigger(spec(), { policy: { status: { allow: [200, 503] } } }),
      events,
      context,
      {},
    );

    // Assess
    expect(outcome.status).toBe(503);
  });

  it('fails a status outside policy.status.allow without retrying, with upstream message', async () => {
    // Prepare
    sink.answer({ status: 200 });

    // Act
    const error = await runTrigger(
      trigger(spec(), { policy: { status: { allow: [300] } }, retryStrategy: { steps: 3 } }),
      events,
      context,
      {},
      { sleep: noSleep },
    ).catch((err: unknown) => err);

    // Assess
    expect(isRetryable(error)).toBe(false);
    expect((error as Error).message).toBe(
      'policy application resulted in failure. http response status 200 is not allowed',
    );
    expect(sink.requests).toHaveLength(1);
  });
});

describe('link-local detection', () => {
  it.each([
    ['169.254.169.254', true],
    ['169.254.0.1', true],
    ['169.255.0.1', false],
    ['10.0.0.1', false],
    ['127.0.0.1', false],
    ['::ffff:169.254.169.254', true],
    ['[::ffff:a9fe:a9fe]', true],
    ['fe80::1', true],
    ['febf::1', true],
    ['fec0::1', false],
    ['fd00:ec2::254', true],
    ['fd00:ec2:0:0:0:0:0:254', true],
    ['::1', false],
    ['example.com', false],
  ])('classifies %s as link-local: %s', (address, expected) => {
    // Act
    const result = isLinkLocal(address);

    // Assess
    expect(result).toBe(expected);
  });
});
