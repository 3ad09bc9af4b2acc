import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../lib/bus/memory/index.ts';
import { BusError } from '../../lib/errors.ts';
import { loadRuntimeManifests } from '../../lib/manifests/runtime.ts';
import { createStaticSecretResolver } from '../../lib/secrets/local.ts';
import { webhookLambda } from '../../lib/sources/lambda.ts';
import { eventSource, manifestSet, sign } from '../sources/helpers.ts';

const manifests = fileURLToPath(new URL('../fixtures/sources/manifests/', import.meta.url));

function v2Event(path: string, body: string, headers: Record<string, string> = {}, base64 = false) {
  return {
    version: '2.0',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    requestContext: { http: { method: 'POST', path }, stage: '$default' },
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
  };
}

describe('functions/webhook handler', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.OUTRIGGER_CONFIG = manifests;
    // No EventBus manifest means SQS in a deployment; this test runs the function on the embedded bus.
    process.env.OUTRIGGER_BUS = 'memory';
    process.env.OUTRIGGER_SECRET_GITHUB_HOOK_SECRET = 'hook-secret';
  });
  afterAll(() => {
    process.env = saved;
  });

  it('loads the manifests named by OUTRIGGER_CONFIG and answers an HTTP API event', async () => {
    // Prepare
    const { handler } = await import('../../functions/webhook.ts');
    const body = JSON.stringify({ ref: 'refs/heads/main' });

    // Act
    const ok = await handler(v2Event('/push', body, {}, true), {} as never);
    const missing = await handler(v2Event('/nope', body), {} as never);

    // Assess
    expect(ok).toMatchObject({ statusCode: 200, isBase64Encoded: false });
    expect(JSON.parse((ok as { body: string }).body)).toMatchObject({ ok: true, id: expect.any(String) });
    expect(missing).toMatchObject({ statusCode: 404 });
  });

  it('verifies GitHub signatures with the secret from the environment', async () => {
    // Prepare
    const { handler } = await import('../../functions/webhook.ts');
    const body = '{"zen":"Keep it logically awesome."}';
    const headers = { 'x-github-delivery': 'abc', 'x-github-event': 'ping' };

    // Act
    const good = await handler(
      v2Event('/github', body, { ...headers, 'x-hub-signature-256': sign('sha256', 'hook-secret', body) }),
      {} as never,
    );
    const bad = await handler(
      v2Event('/github', body, { ...headers, 'x-hub-signature-256': sign('sha256', 'wrong', body) }),
      {} as never,
    );

    // Assess
    expect(good).toMatchObject({ statusCode: 200 });
    expect(JSON.parse((good as { body: string }).body)).toEqual({ ok: true, id: 'github:abc' });
    expect(bad).toMatchObject({ statusCode: 401 });
  });
});

describe('webhookLambda', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'outrigger-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a compiled JSON configuration without the YAML loader', async () => {
    // Prepare
    const set = manifestSet(
      eventSource('es', { webhook: { e: { port: '1', endpoint: '/e', method: 'POST' } } }),
    );
    const file = join(dir, 'config.json');
    await writeFile(file, JSON.stringify(set));

    // Act
    const loaded = await loadRuntimeManifests({ OUTRIGGER_CONFIG: file });

    // Assess
    expect(loaded).toEqual(set);
  });

  it('publishes through the bus it opened once, across invocations', async () => {
    // Prepare
    const bus = new MemoryBus();
    let opened = 0;
    const set = manifestSet(
      eventSource('es', { webhook: { e: { port: '1', endpoint: '/e', method: 'POST' } } }),
    );
    const handle = webhookLambda({
      loadSet: async () => set,
      openBus: async () => {
        opened++;
        return bus;
      },
      secrets: createStaticSecretResolver({}),
    });

    // Act
    const results = [await handle(v2Event('/e', '{"n":1}')), await handle(v2Event('/e', '{"n":2}'))];

    // Assess
    expect(results.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(opened).toBe(1);
    expect(bus.log.map((e) => e.data)).toEqual([
      expect.objectContaining({ body: { n: 1 } }),
      expect.objectContaining({ body: { n: 2 } }),
    ]);
  });

  it('answers 503 while the bus cannot be opened, then recovers on a later invocation', async () => {
    // Prepare
    const bus = new MemoryBus();
    let attempts = 0;
    const set = manifestSet(
      eventSource('es', { webhook: { e: { port: '1', endpoint: '/e', method: 'POST' } } }),
    );
    const handle = webhookLambda({
      loadSet: async () => set,
      openBus: async () => {
        attempts++;
        if (attempts === 1) throw new BusError('cannot reach the bus');
        return bus;
      },
      secrets: createStaticSecretResolver({}),
    });

    // Act
    const first = await handle(v2Event('/e', '{}'));
    const second = await handle(v2Event('/e', '{}'));

    // Assess
    expect(first.statusCode).toBe(503);
    expect(first.headers['retry-after']).toBe('5');
    expect(second.statusCode).toBe(200);
    expect(bus.log).toHaveLength(1);
  });

  it('answers 400 for an event that is not an HTTP request', async () => {
    const handle = webhookLambda({
      loadSet: async () => manifestSet(),
      openBus: async () => new MemoryBus(),
      secrets: createStaticSecretResolver({}),
    });
    const result = await handle({ Records: [] });
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ error: 'PayloadInvalid' });
  });
});
