import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ack, deadLetter, retryAfter } from '../../../lib/bus/port.ts';
import type { SqsBus, SqsLambdaRecord } from '../../../lib/bus/sqs/index.ts';
import { handleSqsLambdaBatch, SqsAttributes } from '../../../lib/bus/sqs/index.ts';
import { BusError } from '../../../lib/errors.ts';
import { type Fauxqs, startFauxqs } from '../../support/fauxqs.ts';
import { credentials, event, openSqsBus, rawClient, uniquePrefix, until } from './helpers.ts';

/** What the Lambda service hands a sensor function for messages it received. */
function lambdaRecords(
  messages: Awaited<ReturnType<ReturnType<typeof rawClient>['receive']>>,
): SqsLambdaRecord[] {
  return messages.map((m) => ({
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1' },
  }));
}

describe('the SQS Lambda path against fauxqs', () => {
  let fauxqs: Fauxqs;
  const buses: SqsBus[] = [];

  beforeAll(async () => {
    fauxqs = await startFauxqs();
  });

  afterAll(async () => {
    for (const bus of buses) await bus.close();
    await fauxqs?.stop();
  });

  it('reports retries as batch item failures with their delay, and dead-letters with the reason', async () => {
    // Given four messages in a sensor queue, one of them not a CloudEvent, received as Lambda does
    const prefix = uniquePrefix();
    const bus = await openSqsBus(fauxqs.endpoint, { routes: { 'src.evt': ['s1'] }, queueNamePrefix: prefix });
    buses.push(bus);
    const [good, later, bad] = [event(), event(), event()];
    for (const e of [good, later, bad]) await bus.publish(e);
    const raw = rawClient(fauxqs.endpoint);
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    await raw.client.send(
      new SendMessageCommand({ QueueUrl: await bus.queueUrlOf('s1'), MessageBody: 'not json' }),
    );
    const received = await raw.receive(`${prefix}s1`, 10, 30);
    expect(received).toHaveLength(4);
    const records = lambdaRecords(received);

    // When the sensor acks one, retries one in two seconds and dead-letters one
    const decide = new Map([
      [good.id, ack],
      [later.id, retryAfter(2_000, 'apiserver 503')],
      [bad.id, deadLetter('no such workflow template')],
    ]);
    const handed: string[] = [];
    const response = await handleSqsLambdaBatch(bus, 's1', { Records: records }, async (batch) =>
      batch.map((record) => {
        handed.push(record.event.id);
        return decide.get(record.event.id) ?? ack;
      }),
    );

    // Then only the retried record is reported failed; the two dead letters are in the DLQ with reasons
    const idOf = (eventId: string) =>
      received.find((m) => JSON.parse(m.Body ?? '{}').id === eventId)?.MessageId;
    expect(handed.sort()).toEqual([good.id, later.id, bad.id].sort());
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: idOf(later.id) }] });
    const dead = await raw.receive(`${prefix}s1-dlq`);
    const reasons = Object.fromEntries(
      dead.map((m) => [m.Body, m.MessageAttributes?.[SqsAttributes.reason]?.StringValue]),
    );
    expect(reasons).toEqual({
      [dead.find((m) => m.Body !== 'not json')?.Body ?? '']: 'no such workflow template',
      'not json': 'not a CloudEvent',
    });
    // And the retried message becomes visible again after about two seconds, not the 30 s it was received with
    const start = Date.now();
    let back: Awaited<ReturnType<typeof raw.receive>> = [];
    await until(
      async () => {
        back = await raw.receive(`${prefix}s1`);
        return back.length > 0;
      },
      5_000,
      'retry',
    );
    raw.close();
    expect(Date.now() - start).toBeGreaterThan(1_000);
    expect(back.map((m) => JSON.parse(m.Body ?? '{}').id)).toEqual([later.id]);
  });

  it('dead-letters a retry on the last attempt instead of reporting it failed', async () => {
    // Given a message received for the third time on a bus allowing three deliveries
    const prefix = uniquePrefix();
    const bus = await openSqsBus(fauxqs.endpoint, {
      routes: { 'src.evt': ['s1'] },
      queueNamePrefix: prefix,
      maxDeliveries: 3,
    });
    buses.push(bus);
    await bus.publish(event());
    const raw = rawClient(fauxqs.endpoint);
    const [message] = await raw.receive(`${prefix}s1`);
    const record = {
      ...lambdaRecords(message ? [message] : [])[0],
      attributes: { ApproximateReceiveCount: '3' },
    };

    // When the sensor asks for a retry
    const response = await handleSqsLambdaBatch(
      bus,
      's1',
      { Records: [record as SqsLambdaRecord] },
      async (batch) => batch.map(() => retryAfter(1_000, 'still failing')),
    );

    // Then nothing is reported failed and the DLQ has it with the reason
    const [dead] = await raw.receive(`${prefix}s1-dlq`);
    raw.close();
    expect(response.batchItemFailures).toEqual([]);
    expect(dead?.MessageAttributes?.[SqsAttributes.reason]?.StringValue).toBe(
      'gave up after 3 deliveries: still failing',
    );
  });
});

describe('SQS credentials refused', () => {
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    // An endpoint that answers every call as SQS answers a bad access key.
    server = createServer((_req, res) => {
      res.writeHead(400, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-query-error': 'InvalidClientTokenId;Sender',
      });
      res.end(
        JSON.stringify({
          __type: 'com.amazonaws.sqs#InvalidClientTokenId',
          message: 'The security token included in the request is invalid.',
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails to connect with a BusError naming the endpoint and not the secret, not worth retrying', async () => {
    // When a bus connects with credentials the service refuses
    const error = await openSqsBus(endpoint, { routes: { 'src.evt': ['s1'] } }).catch((err: unknown) => err);

    // Then the error says so, names the endpoint, and shows no secret
    expect(error).toBeInstanceOf(BusError);
    expect((error as BusError).retryable).toBe(false);
    expect((error as Error).message).toContain(`SQS at ${endpoint} refused the credentials`);
    expect((error as Error).message).not.toContain(credentials.secretAccessKey);
  });
});
