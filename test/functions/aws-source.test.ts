import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../lib/bus/memory/index.ts';
import { BusError, PayloadError } from '../../lib/errors.ts';
import type { CloudEvent } from '../../lib/events/envelope.ts';
import type { SqsBatchResult } from '../../lib/sources/aws-events.ts';
import { awsSourceLambda, createAwsIngest } from '../../lib/sources/aws-events.ts';
import { S3_OBJECT_CREATED } from '../sources/eventbridge/fixtures.ts';
import { eventSource, FailingBus, manifestSet } from '../sources/helpers.ts';

/** The real memory bus, refusing the events whose id is listed (a partial outage). */
class FlakyBus extends MemoryBus {
  constructor(private readonly refused: ReadonlySet<string>) {
    super();
  }
  override async publish(event: CloudEvent): Promise<void> {
    if (this.refused.has(event.id)) throw new BusError('stream unavailable');
    return super.publish(event);
  }
}

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:orders';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:uploads';

const set = manifestSet(
  eventSource('aws', {
    sqs: {
      orders: { queue: 'orders', region: 'us-east-1', jsonBody: true, metadata: { from: 'sqs' } },
      raw: { queue: 'raw', region: 'us-east-1' },
      strict: { queue: 'strict', region: 'us-east-1', jsonBody: true, dlq: true },
    },
    sns: { uploads: { webhook: { endpoint: '/sns', port: '12000' }, topicArn: TOPIC, region: 'us-east-1' } },
    eventbridge: {
      upload: { eventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'] } },
      ec2: { eventPattern: { source: ['aws.ec2'] } },
    },
  }),
);

function sqsRecord(messageId: string, body: string, queue = QUEUE_ARN) {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: { ApproximateReceiveCount: '1' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: queue,
    awsRegion: 'us-east-1',
  };
}

describe('aws-source function: SQS', () => {
  it('reports exactly the record whose publish failed in batchItemFailures', async () => {
    // Prepare
    const bus = new FlakyBus(new Set(['m-2']));
    const ingest = createAwsIngest(set, { bus });
    const event = { Records: ['m-1', 'm-2', 'm-3'].map((id, i) => sqsRecord(id, `{"n":${i}}`)) };

    // Act
    const result = (await ingest.handle(event)) as SqsBatchResult;

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
    expect(bus.log.map((e) => e.id)).toEqual(['m-1', 'm-3']);
    expect(bus.log[0]).toMatchObject({
      source: 'aws',
      subject: 'orders',
      type: 'sqs',
      data: { messageId: 'm-1', messageAttributes: null, body: { n: 0 }, metadata: { from: 'sqs' } },
    });
  });

  it('publishes a body as base64 without jsonBody', async () => {
    // Prepare
    const bus = new MemoryBus();
    const record = sqsRecord('m-raw', 'hello', 'arn:aws:sqs:us-east-1:123456789012:raw');

    // Act
    const result = await createAwsIngest(set, { bus }).handle({ Records: [record] });

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect((bus.log[0]!.data as { body: unknown }).body).toBe('aGVsbG8=');
  });

  it('drops a body that is not JSON, unless dlq keeps it for the dead-letter queue', async () => {
    // Prepare
    const bus = new MemoryBus();
    const ingest = createAwsIngest(set, { bus });
    const dropped = sqsRecord('m-bad', '{oops');
    const kept = sqsRecord('m-dlq', '{oops', 'arn:aws:sqs:us-east-1:123456789012:strict');

    // Act
    const result = await ingest.handle({ Records: [dropped, kept] });

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-dlq' }] });
    expect(bus.log).toHaveLength(0);
  });

  it('fails a record from a queue no event source reads', async () => {
    // Prepare
    const bus = new MemoryBus();

    // Act
    const result = await createAwsIngest(set, { bus }).handle({
      Records: [sqsRecord('m-x', '{}', 'arn:aws:sqs:us-east-1:123456789012:unknown')],
    });

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-x' }] });
    expect(bus.log).toHaveLength(0);
  });

  it('keeps both events when two event sources read the same queue', async () => {
    // Prepare
    const twice = manifestSet(
      eventSource('a', { sqs: { q: { queue: 'orders', region: 'us-east-1' } } }),
      eventSource('b', { sqs: { q: { queue: 'orders', region: 'us-east-1' } } }),
    );
    const bus = new MemoryBus();

    // Act
    await createAwsIngest(twice, { bus }).handle({ Records: [sqsRecord('m-1', '{}')] });

    // Assess
    expect(bus.log.map((e) => e.source)).toEqual(['a', 'b']);
    expect(new Set(bus.log.map((e) => e.id)).size).toBe(2);
  });
});

describe('aws-source function: EventBridge', () => {
  it('publishes the S3 Object Created event the rule names, with its id, once', async () => {
    // Prepare
    const bus = new MemoryBus();
    const ingest = createAwsIngest(set, { bus });
    const invocation = { eventSourceName: 'aws', eventName: 'upload', event: S3_OBJECT_CREATED };

    // Act
    const first = await ingest.handle(invocation);
    await ingest.handle(invocation);

    // Assess
    expect(first).toEqual({ published: [S3_OBJECT_CREATED.id], filtered: 0 });
    expect(bus.log).toHaveLength(1);
    expect(bus.log[0]).toMatchObject({ id: S3_OBJECT_CREATED.id, type: 'eventbridge', subject: 'upload' });
    expect(bus.log[0]!.data).toEqual(S3_OBJECT_CREATED);
  });

  it('routes a bare EventBridge event by the specs’ event patterns', async () => {
    // Prepare
    const bus = new MemoryBus();

    // Act
    await createAwsIngest(set, { bus }).handle(S3_OBJECT_CREATED);

    // Assess
    expect(bus.log.map((e) => e.subject)).toEqual(['upload']);
  });

  it.each([
    [{ eventSourceName: 'aws', eventName: 'missing', event: S3_OBJECT_CREATED }],
    [{ ...S3_OBJECT_CREATED, source: 'aws.lambda' }],
    [{ hello: 'world' }],
    [{ Records: [] }],
  ])('refuses %j', async (event) => {
    // Prepare
    const bus = new MemoryBus();

    // Act
    const act = createAwsIngest(set, { bus }).handle(event);

    // Assess
    await expect(act).rejects.toThrow(PayloadError);
    expect(bus.log).toHaveLength(0);
  });

  it('throws when the bus is unavailable so EventBridge retries', async () => {
    // Act
    const act = createAwsIngest(set, { bus: new FailingBus() }).handle(S3_OBJECT_CREATED);

    // Assess
    await expect(act).rejects.toMatchObject({ code: 'BusUnavailable' });
  });
});

describe('aws-source function: SNS', () => {
  const record = {
    EventSource: 'aws:sns',
    EventVersion: '1.0',
    EventSubscriptionArn: `${TOPIC}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
    Sns: {
      Type: 'Notification',
      MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
      TopicArn: TOPIC,
      Subject: null,
      Message: 'Hello from SNS!',
      Timestamp: '2024-05-01T10:00:00.000Z',
      SignatureVersion: '1',
      Signature: 'tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...65r==',
      SigningCertUrl:
        'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-ac565b8b1a6c5d002d285f9598aa1d9b.pem',
      UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
      MessageAttributes: { Test: { Type: 'String', Value: 'TestString' } },
    },
  };

  it('publishes a Lambda-delivered notification as the HTTP delivery Argo publishes, keyed by MessageId', async () => {
    // Prepare
    const bus = new MemoryBus();

    // Act
    const result = await createAwsIngest(set, { bus }).handle({ Records: [record] });

    // Assess
    expect(result).toEqual({ published: ['sns:95df01b4-ee98-5cb9-9903-4c221d41eb5e'], filtered: 0 });
    expect(bus.log[0]!.data).toEqual({
      header: {
        'X-Amz-Sns-Message-Id': ['95df01b4-ee98-5cb9-9903-4c221d41eb5e'],
        'X-Amz-Sns-Message-Type': ['Notification'],
        'X-Amz-Sns-Subscription-Arn': [record.EventSubscriptionArn],
        'X-Amz-Sns-Topic-Arn': [TOPIC],
      },
      body: {
        Type: 'Notification',
        MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
        TopicArn: TOPIC,
        Message: 'Hello from SNS!',
        Timestamp: '2024-05-01T10:00:00.000Z',
        SignatureVersion: '1',
        Signature: record.Sns.Signature,
        SigningCertURL: record.Sns.SigningCertUrl,
        UnsubscribeURL: record.Sns.UnsubscribeUrl,
        MessageAttributes: { Test: { Type: 'String', Value: 'TestString' } },
      },
    });
  });

  it('refuses a record of a topic no event source subscribes to', async () => {
    // Prepare
    const other = { ...record, Sns: { ...record.Sns, TopicArn: 'arn:aws:sns:us-east-1:123456789012:other' } };

    // Act
    const act = createAwsIngest(set, { bus: new MemoryBus() }).handle({ Records: [other] });

    // Assess
    await expect(act).rejects.toThrow(PayloadError);
  });
});

describe('awsSourceLambda', () => {
  it('loads the configuration and opens the bus once per container', async () => {
    // Prepare
    const bus = new MemoryBus();
    let loads = 0;
    const handler = awsSourceLambda({
      loadSet: async () => {
        loads++;
        return set;
      },
      openBus: async () => bus,
    });

    // Act
    await handler(S3_OBJECT_CREATED);
    await handler({
      eventSourceName: 'aws',
      eventName: 'upload',
      event: { ...S3_OBJECT_CREATED, id: 'second' },
    });

    // Assess
    expect(loads).toBe(1);
    expect(bus.log.map((e) => e.id)).toEqual([S3_OBJECT_CREATED.id, 'second']);
  });

  it('fails the invocation when the cold start fails, and starts again on the next one', async () => {
    // Prepare
    const bus = new MemoryBus();
    let attempt = 0;
    const handler = awsSourceLambda({
      loadSet: async () => set,
      openBus: async () => {
        attempt++;
        if (attempt === 1) throw new BusError('nats unreachable');
        return bus;
      },
    });

    // Act
    const first = handler(S3_OBJECT_CREATED);
    await expect(first).rejects.toThrow('nats unreachable');
    await handler(S3_OBJECT_CREATED);

    // Assess
    expect(bus.log).toHaveLength(1);
  });
});
