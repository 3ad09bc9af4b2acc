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
import { pendingFor } from '../bus/jetstream/helpers.ts';
import { credentials, openSqsBus, rawClient } from '../bus/sqs/helpers.ts';
import { startApiServer } from '../support/apiserver.ts';
import type { DynaliteServer } from '../support/dynalite.ts';
import { startDynalite } from '../support/dynalite.ts';
import type { Fauxqs } from '../support/fauxqs.ts';
import { startFauxqs } from '../support/fauxqs.ts';
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

  afterEach(async () => {
    process.env = { ...saved };
    resetRuntimeManifests();
    await resetSensorFunction();
  });

  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('creates the Job in the cluster its environment names, not in dry-run', async () => {
    const apiserver = await startApiServer();
    const dir = await manifestsDir();
    dirs.push(dir);
    Object.assign(process.env, {
      OUTRIGGER_MANIFESTS: dir,
      OUTRIGGER_SENSOR: 'github-build-sensor',
      OUTRIGGER_BUS: 'memory',
      OUTRIGGER_DRY_RUN_DIR: path.join(dir, 'dry-run'),
      OUTRIGGER_LOG_LEVEL: 'error',
      KUBECONFIG: apiserver.kubeconfigPath,
    });

    const response = await handleSensorInvocation({
      Records: [
        { messageId: 'm1', receiptHandle: 'r1', body: encodeEvent(pushEvent('refs/heads/main', 'k1')) },
      ],
    });

    expect(response).toEqual({ batchItemFailures: [] });
    expect(
      apiserver.objects('Job').map((job) => job.metadata.annotations?.['outrigger.io/event-ids']),
    ).toEqual(['k1']);
    await apiserver.close();
  });

  describe('on SQS', () => {
    let fauxqs: Fauxqs;
    let dynalite: DynaliteServer;

    beforeAll(async () => {
      [fauxqs, dynalite] = await Promise.all([startFauxqs(), startDynalite()]);
    });

    afterAll(async () => {
      await fauxqs?.stop();
      await dynalite?.stop();
    });

    it('fires for the matching pushes of a batch and dead-letters what is not an event', async () => {
      const dir = await manifestsDir(
        `apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: default\nspec:\n  sqs:\n    region: us-east-1\n    endpoint: ${fauxqs.endpoint}\n    queueNamePrefix: fn-\n`,
      );
      const dryRun = path.join(dir, 'dry-run');
      dirs.push(dir);
      Object.assign(process.env, {
        OUTRIGGER_MANIFESTS: dir,
        OUTRIGGER_SENSOR: 'github-build-sensor',
        OUTRIGGER_DRY_RUN_DIR: dryRun,
        OUTRIGGER_LOG_LEVEL: 'error',
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      });
      const source = await openSqsBus(fauxqs.endpoint, {
        routes: { 'github-webhook.github-push': ['github-build-sensor'] },
        queueNamePrefix: 'fn-',
      });
      await source.publish(pushEvent('refs/heads/main', 's1'));
      await source.publish(pushEvent('refs/heads/feature-x', 's2'));
      const raw = rawClient(fauxqs.endpoint);
      const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
      await raw.client.send(
        new SendMessageCommand({ QueueUrl: await raw.url('fn-github-build-sensor'), MessageBody: 'garbage' }),
      );
      const received = await raw.receive('fn-github-build-sensor', 10, 30);
      await source.close();

      const response = await handleSensorInvocation({
        Records: received.map((m) => ({
          messageId: m.MessageId ?? '',
          receiptHandle: m.ReceiptHandle ?? '',
          body: m.Body ?? '',
          attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1' },
        })),
      });

      expect(received).toHaveLength(3);
      expect(response).toEqual({ batchItemFailures: [] });
      const written = await readdir(path.join(dryRun, 'github-build-sensor', 'build-trigger'));
      expect(written).toHaveLength(1);
      const dead = await raw.receive('fn-github-build-sensor-dlq', 10, 30);
      expect(dead.map((m) => m.Body)).toEqual(['garbage']);
      raw.close();
    });
  });

  describe.runIf(requireNatsServer())('on JetStream', () => {
    let server: NatsServer;

    beforeAll(async () => {
      server = await startNatsServer();
    });

    // biome-ignore lint/suspicious/noDuplicateTestHooks: describe.runIf(…)(…) opens a scope of its own
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
      // On AWS the drain is the source's notification, which arrives after the server has handed the stored
      // events to the consumer; right after a publish ack it may not have yet.
      await pendingFor(server.url, 'default', 'github-build-sensor', 3);

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
