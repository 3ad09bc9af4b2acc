/**
 * `outrigger replay --dlq <sensor>` on the SQS bus, against fauxqs: dead letters go back to the sensor's
 * queue and leave the dead-letter queue only once published.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEvent, newEvent } from '../../lib/events/envelope.ts';
import { keepRawJson } from '../../lib/events/raw-json.ts';
import { credentials, openSqsBus, rawClient } from '../bus/sqs/helpers.ts';
import type { Fauxqs } from '../support/fauxqs.ts';
import { startFauxqs } from '../support/fauxqs.ts';
import { repoRoot, run } from './helpers.ts';

const BIG_BODY = '{"id":12345678901234567890, "n":1.50}';

describe('outrigger replay --dlq on the SQS bus', () => {
  let fauxqs: Fauxqs;
  let dir: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    fauxqs = await startFauxqs();
    dir = await mkdtemp(path.join(tmpdir(), 'outrigger-replay-sqs-'));
    for (const file of ['github-eventsource.yaml', 'github-build-sensor.yaml']) {
      await copyFile(path.join(repoRoot, 'manifests', file), path.join(dir, file));
    }
    await writeFile(
      path.join(dir, 'bus.yaml'),
      `apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: default\nspec:\n  sqs:\n    region: us-east-1\n    endpoint: ${fauxqs.endpoint}\n    queueNamePrefix: rp-\n`,
    );
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    });
  });

  afterAll(async () => {
    process.env = { ...saved };
    await fauxqs?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes the dead letters again and removes them from the dead-letter queue; a dry run keeps them', async () => {
    const bus = await openSqsBus(fauxqs.endpoint, {
      routes: { 'github-webhook.github-push': ['github-build-sensor'] },
      queueNamePrefix: 'rp-',
    });
    await bus.close();
    const raw = rawClient(fauxqs.endpoint);
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    const event = newEvent({
      id: 'dead-1',
      source: 'github-webhook',
      subject: 'github-push',
      type: 'webhook',
      // A body as the source received it: the replayed message must carry it as written.
      data: keepRawJson({ body: JSON.parse(BIG_BODY) as unknown }, 'body', BIG_BODY),
    });
    await raw.client.send(
      new SendMessageCommand({
        QueueUrl: await raw.url('rp-github-build-sensor-dlq'),
        MessageBody: encodeEvent(event),
      }),
    );

    const dry = await run(['replay', dir, '--dlq', 'github-build-sensor', '--dry-run']);
    const stillDead = await raw.receive('rp-github-build-sensor-dlq', 10, 0);
    const replayed = await run(['replay', dir, '--dlq', 'github-build-sensor']);

    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run over 1 event(s)');
    expect(stillDead.map((m) => m.Body)).toEqual([encodeEvent(event)]);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain('published 1 of 1 event(s)');
    const requeued = await raw.receive('rp-github-build-sensor', 10, 30);
    expect(requeued.map((m) => JSON.parse(m.Body ?? '{}').id)).toEqual(['dead-1']);
    expect(requeued[0]?.Body).toContain('"data":{"body":{"id":12345678901234567890,"n":1.50}}');
    expect(await raw.receive('rp-github-build-sensor-dlq', 10, 30)).toEqual([]);
    raw.close();
  });
});
