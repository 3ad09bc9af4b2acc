/**
 * The sensor function's body with real buses: an SQS-shaped batch, and a drain of a real nats-server
 * JetStream consumer.
 */
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JetStreamBus } from '../../lib/bus/jetstream/index.ts';
import { encodeEvent, newEvent } from '../../lib/events/envelope.ts';
import { resetRuntimeManifests } from '../../lib/manifests/runtime.ts';
import { handleSensorInvocation, resetSensorFunction } from '../../lib/sensors/lambda.ts';
import { pushPayload } from '../support/github-payloads.ts';
import type { NatsServer } from '../support/nats-server.ts';
import { requireNatsServer, startNatsServer } from '../support/nats-server.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

function pushEvent(ref: string, id: string) {
  return newEvent({
    id,
    source: 'github-webhook',
    subject: 'github-push',
    type: 'webhook',
    data: { header: {}, body: pushPayload({ ref, repo: 'myorg/backend-api' }) },
  });
}

async function manifestsDir(extra?: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'outrigger-sensor-fn-'));
  for (const file of ['github-eventsource.yaml', 'github-build-sensor.yaml']) {
    await copyFile(path.join(repoRoot, 'manifests', file), path.join(dir, file));
  }
  if (extra) await writeFile(path.join(dir, 'eventbus.yaml'), extra);
  return dir;
}

describe('the sensor function', () => {
  const saved = { ...process.env };
  const dirs: string[] = [];

  afterEach(() => {
    process.env = { ...saved };
    resetRuntimeManifests();
    resetSensorFunction();
  });

  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('reports only the records it could not process as batch item failures', async () => {
    const dir = await manifestsDir();
    const dryRun = path.join(dir, 'dry-run');
    dirs.push(dir);
    Object.assign(process.env, {
      OUTRIGGER_MANIFESTS: dir,
      OUTRIGGER_SENSOR: 'github-build-sensor',
      OUTRIGGER_DRY_RUN_DIR: dryRun,
      OUTRIGGER_LOG_LEVEL: 'error',
    });

    const response = await handleSensorInvocation({
      Records: [
        { messageId: 'm1', body: encodeEvent(pushEvent('refs/heads/main', 'e1')) },
        { messageId: 'm2', body: 'not a cloud event' },
        { messageId: 'm3', body: encodeEvent(pushEvent('refs/heads/feature-x', 'e3')) },
      ],
    });

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
    const written = await readdir(path.join(dryRun, 'github-build-sensor', 'build-trigger'));
    expect(written).toHaveLength(1);
  });

  describe.runIf(requireNatsServer())('on JetStream', () => {
    let server: NatsServer;

    beforeAll(async () => {
      server = await startNatsServer();
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('drains the events waiting for its consumer and fires once per matching push', async () => {
      const dir = await manifestsDir(
        `apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: default\nspec:\n  jetstreamExotic:\n    url: ${server.url}\n`,
      );
      const dryRun = path.join(dir, 'dry-run');
      dirs.push(dir);
      Object.assign(process.env, {
        OUTRIGGER_MANIFESTS: dir,
        OUTRIGGER_SENSOR: 'github-build-sensor',
        OUTRIGGER_DRY_RUN_DIR: dryRun,
        OUTRIGGER_LOG_LEVEL: 'error',
      });
      // The first drain creates the consumer (as an Argo sensor does on start); events come after it.
      await handleSensorInvocation({}, { getRemainingTimeInMillis: () => 8_000 });
      const source = await JetStreamBus.connect({ url: server.url, createIfMissing: true });
      await source.publish(pushEvent('refs/heads/main', 'j1'));
      await source.publish(pushEvent('refs/heads/release/v2', 'j2'));
      await source.publish(pushEvent('refs/heads/feature-x', 'j3'));
      await source.close();

      const summary = await handleSensorInvocation(
        { source: 'aws.scheduler' },
        { getRemainingTimeInMillis: () => 8_000 },
      );

      expect(summary).toMatchObject({ drained: { acked: 3 } });
      const written = await readdir(path.join(dryRun, 'github-build-sensor', 'build-trigger'));
      expect(written).toHaveLength(2);
    });
  });
});
