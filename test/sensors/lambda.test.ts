/**
 * The sensor function's body with real buses: an SQS-shaped batch, and a drain of a real nats-server
 * JetStream consumer.
 */
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Message } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { JetStreamBus } from '../../lib/bus/jetstream/index.ts';
import { encodeEvent, newEvent } from '../../lib/events/envelope.ts';
import { resetRuntimeManifests } from '../../lib/manifests/runtime.ts';
import { handleSensorInvocation, resetSensorFunction } from '../../lib/sensors/lambda.ts';
import { withJsonBody } from '../../lib/sources/body.ts';
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
  await writeFile(path.join(dir, 'ids-sensor.yaml'), IDS_SENSOR);
  if (extra) await writeFile(path.join(dir, 'eventbus.yaml'), extra);
  return dir;
}

// A sensor that copies an id past 2^53 and an object into a ConfigMap: Argo's gjson reads both from the
// bytes on the bus, as written.
const IDS_SENSOR = `apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata:
  name: ids-sensor
spec:
  dependencies:
    - name: push
      eventSourceName: github-webhook
      eventName: github-push
      filters:
        data:
          - path: body.id
            type: string
            value: ["^12345678901234567890$"]
  triggers:
    - template:
        name: record
        k8s:
          operation: create
          source:
            resource:
              apiVersion: v1
              kind: ConfigMap
              metadata:
                name: ids
                namespace: ci
              data:
                id: ""
                labels: ""
          parameters:
            - src: {dependencyName: push, dataKey: body.id}
              dest: data.id
            - src: {dependencyName: push, dataKey: body.labels}
              dest: data.labels
`;
const ID_BODY = '{"id":12345678901234567890,"labels":{"2":"b","1":"a","n":1.50}}';

/** A webhook event whose body the source function received as bytes (and publishes as such). */
function idsEvent(id: string) {
  const data = withJsonBody({ header: {} }, 'body' as never, Buffer.from(ID_BODY), false);
  return newEvent({ id, source: 'github-webhook', subject: 'github-push', type: 'webhook', data });
}

async function recordedIds(dryRun: string): Promise<unknown> {
  const dir = path.join(dryRun, 'ids-sensor', 'record');
  const [file] = await readdir(dir);
  return (parseYaml(await readFile(path.join(dir, file ?? ''), 'utf8')) as { data: unknown }).data;
}

/** An SQS message as Lambda's event source mapping hands it to the function. */
function asLambdaRecord(m: Message) {
  return {
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1' },
  };
}

const AS_WRITTEN = { id: '12345678901234567890', labels: '{"2":"b","1":"a","n":1.50}' };

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

    /** The sensor function's environment on an SQS bus, and a source publishing to its queue. */
    async function onSqs(sensor: string, prefix: string) {
      const dir = await manifestsDir(
        `apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: default\nspec:\n  sqs:\n    region: us-east-1\n    endpoint: ${fauxqs.endpoint}\n    queueNamePrefix: ${prefix}\n`,
      );
      dirs.push(dir);
      const dryRun = path.join(dir, 'dry-run');
      Object.assign(process.env, {
        OUTRIGGER_MANIFESTS: dir,
        OUTRIGGER_SENSOR: sensor,
        OUTRIGGER_DRY_RUN_DIR: dryRun,
        OUTRIGGER_LOG_LEVEL: 'error',
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      });
      const source = await openSqsBus(fauxqs.endpoint, {
        routes: { 'github-webhook.github-push': [sensor] },
        queueNamePrefix: prefix,
      });
      return { dryRun, source, raw: rawClient(fauxqs.endpoint) };
    }

    it('fires for the matching pushes of a batch and dead-letters what is not an event', async () => {
      const { dryRun, source, raw } = await onSqs('github-build-sensor', 'fn-');
      await source.publish(pushEvent('refs/heads/main', 's1'));
      await source.publish(pushEvent('refs/heads/feature-x', 's2'));
      const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
      await raw.client.send(
        new SendMessageCommand({ QueueUrl: await raw.url('fn-github-build-sensor'), MessageBody: 'garbage' }),
      );
      const received = await raw.receive('fn-github-build-sensor', 10, 30);
      await source.close();

      const response = await handleSensorInvocation({ Records: received.map(asLambdaRecord) });

      expect(received).toHaveLength(3);
      expect(response).toEqual({ batchItemFailures: [] });
      const written = await readdir(path.join(dryRun, 'github-build-sensor', 'build-trigger'));
      expect(written).toHaveLength(1);
      const dead = await raw.receive('fn-github-build-sensor-dlq', 10, 30);
      expect(dead.map((m) => m.Body)).toEqual(['garbage']);
      raw.close();
    });

    it('reads integers past 2^53 and objects from the message as written', async () => {
      const { dryRun, source, raw } = await onSqs('ids-sensor', 'ids-');
      await source.publish(idsEvent('big-1'));
      await source.close();
      const received = await raw.receive('ids-ids-sensor', 10, 30);
      raw.close();

      const response = await handleSensorInvocation({ Records: received.map(asLambdaRecord) });

      expect(response).toEqual({ batchItemFailures: [] });
      expect(await recordedIds(dryRun)).toEqual(AS_WRITTEN);
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

    /** The sensor function's environment on JetStream; returns where dry-run objects are written. */
    async function onJetStream(sensor: string): Promise<string> {
      const dir = await manifestsDir(
        `apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: default\nspec:\n  jetstreamExotic:\n    url: ${server.url}\n`,
      );
      dirs.push(dir);
      const dryRun = path.join(dir, 'dry-run');
      Object.assign(process.env, {
        OUTRIGGER_MANIFESTS: dir,
        OUTRIGGER_SENSOR: sensor,
        OUTRIGGER_DRY_RUN_DIR: dryRun,
        OUTRIGGER_LOG_LEVEL: 'error',
      });
      return dryRun;
    }

    it('drains the events waiting for its consumer and fires once per matching push', async () => {
      const dryRun = await onJetStream('github-build-sensor');
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

    it('reads integers past 2^53 and objects from the message as written', async () => {
      const dryRun = await onJetStream('ids-sensor');
      await handleSensorInvocation({}, { getRemainingTimeInMillis: () => 8_000 });
      const source = await JetStreamBus.connect({ url: server.url, createIfMissing: true });
      await source.publish(idsEvent('big-1'));
      await source.close();
      await pendingFor(server.url, 'default', 'ids-sensor', 1);

      const summary = await handleSensorInvocation({}, { getRemainingTimeInMillis: () => 8_000 });

      expect(summary).toMatchObject({ drained: { acked: 1 } });
      expect(await recordedIds(dryRun)).toEqual(AS_WRITTEN);
    });
  });
});
