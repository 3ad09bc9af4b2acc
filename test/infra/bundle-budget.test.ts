/**
 * Bundle sizes against DESIGN §5, built with the deployed esbuild options (infra/esbuild.config.cjs).
 * Import times are measured by `npm run bundle:measure`, not here: they depend on the machine's load.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgets, bundleFunction, type Deployment } from '../../infra/measure-bundles.ts';

const sqs: Deployment = { bus: 'sqs', jq: false, lua: false };
let outdir = '';

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'outrigger-budget-'));
});

afterAll(async () => {
  await rm(outdir, { recursive: true, force: true });
});

describe('function bundles', { timeout: 60_000 }, () => {
  it('keeps the webhook function on the SQS bus within its size budget', async () => {
    // Prepare
    const budget = budgets.webhook.maxBytes;

    // Act
    const { bytes } = await bundleFunction('webhook', sqs, outdir);

    // Assess
    expect(bytes, `webhook bundle is ${bytes} bytes`).toBeLessThanOrEqual(budget);
  });

  it('keeps the webhook function on JetStream within its size budget, with no YAML parser, ws shim, RE2, SQS adapter or embedded bus in it', async () => {
    // Prepare: the article on a jetstreamExotic bus, no EventSource filter (what package-time records)
    const deployment: Deployment = { bus: 'jetstream', jq: false, lua: false, filter: false };

    // Act
    const { file, bytes } = await bundleFunction('webhook', deployment, outdir);
    const text = await readFile(file, 'utf8');

    // Assess
    expect(bytes, `webhook bundle is ${bytes} bytes`).toBeLessThanOrEqual(budgets.webhook.maxBytes);
    expect(text).not.toContain('yaml.org,2002');
    expect(text).not.toContain('SendMessageBatch');
    expect(text).toContain('this bundle was packaged for the JetStream bus');
    expect(text).not.toContain('RE2JS');
    expect(text).toContain('the ws shim is not bundled');
    expect(text).not.toContain('memory bus is closed');
    expect(text).toContain('the embedded bus is for npm start and tests');
  });

  it('keeps the sensor function within its size budget on either bus, Lua included', async () => {
    // Prepare
    const budget = budgets.sensor.maxBytes;

    // Act
    const plain = await bundleFunction('sensor', sqs, outdir);
    const lua = await bundleFunction('sensor', { ...sqs, lua: true }, outdir);
    const jetstream = await bundleFunction('sensor', { ...sqs, bus: 'jetstream' }, outdir);

    // Assess
    for (const [name, { bytes }] of Object.entries({ plain, lua, jetstream })) {
      expect(bytes, `sensor bundle (${name}) is ${bytes} bytes`).toBeLessThanOrEqual(budget);
    }
  });

  it('leaves the NATS client out of an SQS sensor unless one of its triggers publishes to NATS', async () => {
    // Act
    const { file: without } = await bundleFunction('sensor', { ...sqs, nats: false }, outdir);
    const { file: withNats } = await bundleFunction('sensor', { ...sqs, nats: true }, outdir);

    // Assess: `$JS.API` is nats.ws's JetStream API prefix
    expect(await readFile(without, 'utf8')).not.toContain('$JS.API');
    expect(await readFile(withNats, 'utf8')).toContain('$JS.API');
  });

  it('ships wasmoon glue.wasm beside a sensor bundle that runs Lua, and only then', async () => {
    // Act
    const lua = await bundleFunction('sensor', { ...sqs, lua: true }, join(outdir, 'glue-lua'));
    const plain = await bundleFunction('sensor', sqs, join(outdir, 'glue-plain'));

    // Assess
    expect(existsSync(join(dirname(lua.file), 'glue.wasm'))).toBe(true);
    expect(existsSync(join(dirname(plain.file), 'glue.wasm'))).toBe(false);
  });

  it('runs a Lua filter from an ES module bundle built with the deployed options', async () => {
    // Prepare
    const { build } = await import('esbuild');
    const { createRequire } = await import('node:module');
    const { pathToFileURL } = await import('node:url');
    const { esbuildOptions } = createRequire(import.meta.url)('../../infra/esbuild.config.cjs') as {
      esbuildOptions(
        d: Deployment,
      ): Record<string, unknown> & { exclude: string[]; outputFileExtension: string };
    };
    const { exclude, outputFileExtension: _ext, ...options } = esbuildOptions({ ...sqs, lua: true });
    const outfile = join(outdir, 'lua-probe', 'probe.mjs');
    const lua = join(import.meta.dirname, '../../lib/sensors/transform/lua.ts');
    await build({
      ...options,
      sourcemap: false,
      external: exclude,
      stdin: { contents: `export { runLuaFilter } from ${JSON.stringify(lua)};`, resolveDir: outdir },
      outfile,
      logLevel: 'silent',
    });

    // Act
    const probe = (await import(pathToFileURL(outfile).href)) as {
      runLuaFilter(script: string, data: unknown): Promise<boolean>;
    };
    const kept = await probe.runLuaFilter('return event.body.ref == "refs/heads/main"', {
      body: { ref: 'refs/heads/main' },
    });

    const dropped = await probe.runLuaFilter('return event.body.ref == "refs/heads/main"', {
      body: { ref: 'refs/heads/dev' },
    });

    // Assess
    expect([kept, dropped]).toEqual([true, false]);
  });

  it('leaves the YAML loader and the NATS client out of an SQS webhook bundle', async () => {
    // Act
    const webhook = await readFile((await bundleFunction('webhook', sqs, outdir)).file, 'utf8');

    // Assess
    // Booleans, not string matchers: a failure must not print the whole bundle.
    expect(webhook.includes('this bundle reads the compiled configuration only')).toBe(true);
    // (The sensor keeps nats.ws: the `nats` trigger type publishes with it.)
    expect(webhook.includes('$JS.API'), 'the nats.ws client is in the webhook bundle').toBe(false);
  });
});
