/**
 * Bundle sizes against DESIGN §5, built with the deployed esbuild options (infra/esbuild.config.cjs).
 * Import times are measured by `npm run bundle:measure`, not here: they depend on the machine's load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgets, bundleFunction } from '../../infra/measure-bundles.ts';

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
    const { bytes } = await bundleFunction('webhook', 'sqs', outdir);

    // Assess
    expect(bytes, `webhook bundle is ${bytes} bytes`).toBeLessThanOrEqual(budget);
  });

  it('keeps the sensor function within its size budget on either bus', async () => {
    // Prepare
    const budget = budgets.sensor.maxBytes;

    // Act
    const sqs = await bundleFunction('sensor', 'sqs', outdir);
    const jetstream = await bundleFunction('sensor', 'jetstream', outdir);

    // Assess
    expect(sqs.bytes, `sensor bundle (sqs) is ${sqs.bytes} bytes`).toBeLessThanOrEqual(budget);
    expect(jetstream.bytes, `sensor bundle (jetstream) is ${jetstream.bytes} bytes`).toBeLessThanOrEqual(
      budget,
    );
  });

  it('leaves the YAML loader and the NATS client out of an SQS webhook bundle', async () => {
    // Prepare
    const { readFile } = await import('node:fs/promises');

    // Act
    const webhook = await readFile((await bundleFunction('webhook', 'sqs', outdir)).file, 'utf8');

    // Assess
    // Booleans, not string matchers: a failure must not print the whole bundle.
    expect(webhook.includes('this bundle reads the compiled configuration only')).toBe(true);
    // (The sensor keeps nats.ws: the `nats` trigger type publishes with it.)
    expect(webhook.includes('$JS.API'), 'the nats.ws client is in the webhook bundle').toBe(false);
  });
});
