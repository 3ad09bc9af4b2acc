/**
 * The SQS Bus adapter over `@aws-sdk/client-sqs` (Outrigger's `sqs` EventBus extension, DESIGN §3 "Bus").
 *
 * One queue per sensor, `<prefix><sensor>`, with a redrive DLQ `<prefix><sensor>-dlq` whose
 * `maxReceiveCount` is the sensor's `maxDeliveries` (names in ./names.ts). Publishing sends the CloudEvent
 * JSON (the bytes Argo's JetStream bus carries) to the queue of every sensor that depends on the event's
 * (eventSourceName, eventName), with message attributes `ce-id`, `ce-source`, `ce-subject` and `ce-type`.
 * FIFO queues deduplicate on the event id (`MessageDeduplicationId`) within SQS's 5-minute window and keep
 * order per `<source>.<subject>` (`MessageGroupId`).
 *
 * Consuming: long-poll ReceiveMessage, hand the batch over, then settle per record (./settle.ts): delete
 * on ack, ChangeMessageVisibility(delay) on retry, and on dead-letter (or a retry on the last attempt)
 * send the message to the DLQ with the reason in an attribute, then delete it. A handler that crashes
 * leaves its records to the visibility timeout and, after `maxReceiveCount` receives, to the redrive policy.
 * The Lambda path (an SQS event source mapping) settles through `handleSqsLambdaBatch`.
 *
 * `@aws-sdk/client-sqs` is loaded with a dynamic import, so a function on another bus never loads it.
 */

import { createHash } from 'node:crypto';
import type {
  Message,
  MessageAttributeValue,
  SendMessageBatchRequestEntry,
  SQSClient,
  SQSClientConfig,
} from '@aws-sdk/client-sqs';
import { BusError, ErrorCode, OutriggerError, PayloadError } from '../../errors.ts';
import type { CloudEvent } from '../../events/envelope.ts';
import { decodeEvent, encodeEvent, subjectOf } from '../../events/envelope.ts';
import { redactUrl } from '../jetstream/index.ts';
import type { BatchHandler, Bus, BusRecord, ConsumerOptions, RecordOutcome, Subscription } from '../port.ts';
import { subjectMatches } from '../port.ts';
import type { SqsRoutes } from './names.ts';
import { routeKey, sensorQueueNames } from './names.ts';
import type { SettlementPlan, SqsDelivery } from './settle.ts';
import { planSettlement } from './settle.ts';

export type { SqsRoutes } from './names.ts';
export { routeKey, sensorQueueNames, sqsRoutes } from './names.ts';
export { planSettlement, visibilitySeconds } from './settle.ts';

type SqsModule = typeof import('@aws-sdk/client-sqs');

/** SQS's largest message: body plus attribute names, types and values (1 MiB since August 2025). */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/** Most entries SQS takes in one batch request. */
const MAX_BATCH = 10;

/** Message attributes set on every event, and on dead letters beside them. */
export const SqsAttributes = {
  id: 'ce-id',
  source: 'ce-source',
  subject: 'ce-subject',
  type: 'ce-type',
  reason: 'outrigger-dead-letter-reason',
  queue: 'outrigger-original-queue',
  deliveries: 'outrigger-deliveries',
} as const;

export interface SqsBusOptions {
  region: string;
  /** Emulators and tests only; AWS's regional endpoint otherwise. */
  endpoint?: string;
  /** FIFO queues (`.fifo`): deduplicated by event id, ordered per source and event name. */
  fifo?: boolean;
  /** Queue names are `<prefix><sensor>` (default `outrigger-`). */
  queueNamePrefix?: string;
  /** Which sensors receive which `<eventSourceName>.<eventName>` (`sqsRoutes(set)`). */
  routes: SqsRoutes;
  /** Name of the EventBus: the first token of record subjects (default `default`). */
  busName?: string;
  /** Create missing queues (local runner); on AWS the deployment creates them. */
  createIfMissing?: boolean;
  /** Explicit credentials (tests, emulators); the SDK's default chain otherwise. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Receives before a failing record is dead-lettered, and the redrive `maxReceiveCount` (default 5). */
  maxDeliveries?: number;
  /** Visibility timeout of created queues, and how far a heartbeat extends it (default 30 s). */
  visibilityTimeoutSec?: number;
  /** Long-poll time of one ReceiveMessage (default 20 s, SQS's maximum). */
  waitTimeSeconds?: number;
  /** Retry delay when a handler throws instead of answering (default 1 s). */
  defaultRetryMs?: number;
  /** SDK attempts per request, first included (default 3). */
  maxAttempts?: number;
  /** Connect timeout per request (default 3 s). */
  connectTimeoutMs?: number;
}

/** The queues of one sensor, resolved. */
interface SensorQueues {
  readonly sensor: string;
  readonly queueName: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
}

/** A consumer as the adapter settles it. */
interface ConsumerSpec extends SensorQueues {
  readonly subjects: readonly string[];
  readonly batchSize: number;
  readonly maxDeliveries: number;
}

/** A received message on its way through a batch. */
interface Delivery extends SqsDelivery {
  readonly body: string;
  readonly event?: CloudEvent | undefined;
}

/** What one batch did. */
export interface BatchTally {
  acked: number;
  retried: number;
  deadLettered: number;
  /** Messages of subjects the consumer does not want, deleted without reaching the handler. */
  skipped: number;
}

/** The fields of a Lambda SQS event record the adapter reads. */
export interface SqsLambdaRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes?: { ApproximateReceiveCount?: string; MessageGroupId?: string };
}

/** Lambda's partial batch response (`ReportBatchItemFailures`). */
export interface SqsBatchItemFailures {
  batchItemFailures: { itemIdentifier: string }[];
}

const AUTH_ERRORS = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'AccessDenied',
  'AccessDeniedException',
  'ExpiredToken',
  'ExpiredTokenException',
  'CredentialsProviderError',
]);
const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  TimeoutError: 'timed out',
};
const MISSING_QUEUE = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']);

let sqsModule: Promise<SqsModule> | undefined;

function loadSqs(): Promise<SqsModule> {
  sqsModule ??= import('@aws-sdk/client-sqs');
  return sqsModule;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function errorName(err: unknown): string {
  const e = err as { name?: unknown; code?: unknown; Code?: unknown };
  for (const candidate of [e.code, e.Code, e.name]) {
    if (typeof candidate === 'string' && candidate !== 'Error') return candidate;
  }
  return 'Error';
}

/** The SQS attribute value of a string. */
const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/** Attributes every event message carries. */
export function eventAttributes(event: CloudEvent): Record<string, MessageAttributeValue> {
  return {
    [SqsAttributes.id]: text(event.id),
    [SqsAttributes.source]: text(event.source),
    [SqsAttributes.subject]: text(event.subject),
    [SqsAttributes.type]: text(event.type),
  };
}

/** Size as SQS counts it against the message limit: body plus attribute names, types and values. */
export function messageSize(body: string, attributes: Record<string, MessageAttributeValue>): number {
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value.DataType ?? '', 'utf8');
    size += Buffer.byteLength(value.StringValue ?? '', 'utf8') + (value.BinaryValue?.byteLength ?? 0);
  }
  return size;
}

/** A FIFO id (dedup or group): up to 128 printable ASCII characters, else a digest of it. */
function fifoId(value: string): string {
  return /^[!-~]{1,128}$/.test(value) ? value : createHash('sha256').update(value).digest('hex');
}

/** An attribute value without line breaks, short enough to leave room for the body. */
function attributeText(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').slice(0, 1024) || '-';
}

function tooLarge(size: number): PayloadError {
  return new PayloadError(
    `event of ${size} bytes is larger than the bus accepts (SQS message size limit ${SQS_MAX_MESSAGE_BYTES} bytes, attributes included)`,
    { code: ErrorCode.PayloadTooLarge, statusCode: 413 },
  );
}

/** Bus adapter for SQS: a queue per sensor, fed by the sources, drained by the sensors. */
export class SqsBus implements Bus {
  /** The endpoint requests go to, without user info or query: safe for messages and logs. */
  readonly endpoint: string;
  readonly fifo: boolean;
  readonly prefix: string;
  readonly busName: string;
  private closed = false;
  private readonly queues = new Map<string, Promise<SensorQueues>>();
  private readonly loops = new Set<ReceiveLoop>();
  private readonly settings: Required<
    Pick<
      SqsBusOptions,
      'createIfMissing' | 'maxDeliveries' | 'visibilityTimeoutSec' | 'waitTimeSeconds' | 'defaultRetryMs'
    >
  >;

  private constructor(
    private readonly sdk: SqsModule,
    private readonly client: SQSClient,
    private readonly routes: SqsRoutes,
    options: SqsBusOptions,
  ) {
    this.endpoint = options.endpoint
      ? redactUrl(options.endpoint)
      : `https://sqs.${options.region}.amazonaws.com`;
    this.fifo = options.fifo ?? false;
    this.prefix = options.queueNamePrefix ?? 'outrigger-';
    this.busName = options.busName ?? 'default';
    this.settings = {
      createIfMissing: options.createIfMissing ?? false,
      maxDeliveries: options.maxDeliveries ?? 5,
      visibilityTimeoutSec: options.visibilityTimeoutSec ?? 30,
      waitTimeSeconds: options.waitTimeSeconds ?? 20,
      defaultRetryMs: options.defaultRetryMs ?? 1_000,
    };
  }

  /**
   * Opens the bus and resolves (or creates) the queue of every routed sensor, so wrong credentials, an
   * unreachable endpoint or a missing queue fail here with a BusError naming the endpoint.
   */
  static async connect(options: SqsBusOptions): Promise<SqsBus> {
    const sdk = await loadSqs();
    const waitSec = options.waitTimeSeconds ?? 20;
    const config: SQSClientConfig = {
      region: options.region,
      maxAttempts: options.maxAttempts ?? 3,
      // A long poll holds the socket for waitTimeSeconds: the idle timeout must outlast it.
      requestHandler: {
        connectionTimeout: options.connectTimeoutMs ?? 3_000,
        requestTimeout: (waitSec + 10) * 1_000,
      },
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    };
    const bus = new SqsBus(sdk, new sdk.SQSClient(config), options.routes, options);
    try {
      const sensors = [...new Set(Object.values(options.routes).flat())].sort();
      if (sensors.length === 0) await bus.client.send(new sdk.ListQueuesCommand({ MaxResults: 1 }));
      for (const sensor of sensors) await bus.sensorQueues(sensor, bus.settings.maxDeliveries);
      return bus;
    } catch (err) {
      bus.client.destroy();
      throw bus.failure(err, 'connect');
    }
  }

  /** A BusError for a failed SDK call, naming the endpoint and never a credential. */
  private failure(err: unknown, action: string, queue?: string): OutriggerError {
    if (err instanceof OutriggerError) return err;
    const name = errorName(err);
    const at = `SQS at ${this.endpoint}`;
    if (AUTH_ERRORS.has(name)) {
      return new BusError(`${at} refused the credentials (${name}) on ${action}`, { retryable: false });
    }
    if (MISSING_QUEUE.has(name)) {
      return new BusError(`SQS queue "${queue ?? '?'}" not found at ${this.endpoint}`, { retryable: false });
    }
    const network =
      NETWORK_ERRORS[name] ?? NETWORK_ERRORS[String((err as { cause?: { code?: unknown } }).cause?.code)];
    if (network) return new BusError(`cannot reach ${at} (${action}): ${network}`);
    const message = err instanceof Error ? err.message.replace(/[\r\n]+/g, ' ').slice(0, 200) : String(err);
    const tooBig = /shorter than (\d+) bytes/.exec(message);
    if (tooBig) return tooLarge(Number(tooBig[1]) + 1);
    return new BusError(`${at} (${action}${queue ? ` ${queue}` : ''}): ${name}: ${message}`);
  }

  private async call<T>(action: string, queue: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.failure(err, action, queue);
    }
  }

  /** Resolves (creating when allowed) the queue and DLQ of `sensor`; cached, retried after a failure. */
  private sensorQueues(sensor: string, maxDeliveries: number): Promise<SensorQueues> {
    let queues = this.queues.get(sensor);
    if (!queues) {
      queues = this.resolveQueues(sensor, maxDeliveries);
      queues.catch(() => this.queues.delete(sensor));
      this.queues.set(sensor, queues);
    }
    return queues;
  }

  private async resolveQueues(sensor: string, maxDeliveries: number): Promise<SensorQueues> {
    const names = sensorQueueNames(this.prefix, sensor, this.fifo);
    const dlqUrl = await this.queueUrl(names.dlq, () => this.createQueue(names.dlq, {}));
    const queueUrl = await this.queueUrl(names.queue, async () => {
      const arn = await this.call('GetQueueAttributes', names.dlq, () =>
        this.client.send(
          new this.sdk.GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
        ),
      );
      return this.createQueue(names.queue, {
        VisibilityTimeout: String(this.settings.visibilityTimeoutSec),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: arn.Attributes?.QueueArn,
          maxReceiveCount: maxDeliveries,
        }),
      });
    });
    return { sensor, queueName: names.queue, queueUrl, dlqUrl };
  }

  private async queueUrl(name: string, create: () => Promise<string>): Promise<string> {
    try {
      const found = await this.client.send(new this.sdk.GetQueueUrlCommand({ QueueName: name }));
      if (found.QueueUrl) return found.QueueUrl;
    } catch (err) {
      if (!MISSING_QUEUE.has(errorName(err))) throw this.failure(err, 'GetQueueUrl', name);
    }
    if (!this.settings.createIfMissing) {
      throw new BusError(
        `SQS queue "${name}" not found at ${this.endpoint}; the deployment creates it (locally, run with createIfMissing)`,
        { retryable: false },
      );
    }
    return create();
  }

  private async createQueue(name: string, attributes: Record<string, string>): Promise<string> {
    const created = await this.call('CreateQueue', name, () =>
      this.client.send(
        new this.sdk.CreateQueueCommand({
          QueueName: name,
          Attributes: {
            ...attributes,
            ...(this.fifo ? { FifoQueue: 'true' } : {}),
            MessageRetentionPeriod: '1209600',
          },
        }),
      ),
    );
    if (!created.QueueUrl) throw new BusError(`SQS at ${this.endpoint} created "${name}" without a URL`);
    return created.QueueUrl;
  }

  /** Sensors whose queues receive `event`. */
  sensorsFor(event: Pick<CloudEvent, 'source' | 'subject'>): readonly string[] {
    return this.routes[routeKey(event.source, event.subject)] ?? [];
  }

  /** The queue URL of `sensor` (resolved or created as on connect). */
  async queueUrlOf(sensor: string): Promise<string> {
    return (await this.sensorQueues(sensor, this.settings.maxDeliveries)).queueUrl;
  }

  /** The DLQ URL of `sensor`. */
  async dlqUrlOf(sensor: string): Promise<string> {
    return (await this.sensorQueues(sensor, this.settings.maxDeliveries)).dlqUrl;
  }

  private message(event: CloudEvent): { body: string; attributes: Record<string, MessageAttributeValue> } {
    const body = encodeEvent(event);
    const attributes = eventAttributes(event);
    const size = messageSize(body, attributes);
    if (size > SQS_MAX_MESSAGE_BYTES) throw tooLarge(size);
    return { body, attributes };
  }

  private fifoFields(event: CloudEvent): { MessageDeduplicationId?: string; MessageGroupId?: string } {
    if (!this.fifo) return {};
    return {
      MessageDeduplicationId: fifoId(event.id),
      MessageGroupId: fifoId(`${event.source}.${event.subject}`),
    };
  }

  /**
   * Sends the event to the queue of every sensor that depends on it; resolves once every queue has it.
   * An event no sensor depends on goes nowhere. When some queues fail the caller retries the whole event:
   * the queues that already had it receive it twice, and the sensor's firing record drops the duplicate.
   */
  async publish(event: CloudEvent): Promise<void> {
    const { body, attributes } = this.message(event);
    if (this.closed) throw new BusError(`SQS bus for ${this.endpoint} is closed`);
    const sensors = this.sensorsFor(event);
    const results = await Promise.allSettled(
      sensors.map(async (sensor) => {
        const queues = await this.sensorQueues(sensor, this.settings.maxDeliveries);
        await this.call('SendMessage', queues.queueName, () =>
          this.client.send(
            new this.sdk.SendMessageCommand({
              QueueUrl: queues.queueUrl,
              MessageBody: body,
              MessageAttributes: attributes,
              ...this.fifoFields(event),
            }),
          ),
        );
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw this.failure(failed.reason, 'SendMessage');
  }

  /**
   * Publishes several events with SendMessageBatch (up to 10 entries and 1 MiB a request per queue).
   * Every event is size-checked before anything is sent.
   */
  async publishBatch(events: readonly CloudEvent[]): Promise<void> {
    const messages = events.map((event) => ({ event, ...this.message(event) }));
    if (this.closed) throw new BusError(`SQS bus for ${this.endpoint} is closed`);
    const perSensor = new Map<string, typeof messages>();
    for (const message of messages) {
      for (const sensor of this.sensorsFor(message.event)) {
        perSensor.set(sensor, [...(perSensor.get(sensor) ?? []), message]);
      }
    }
    const sends: Promise<void>[] = [];
    for (const [sensor, list] of perSensor) {
      let chunk: SendMessageBatchRequestEntry[] = [];
      let bytes = 0;
      const flush = (entries: SendMessageBatchRequestEntry[]) => {
        if (entries.length > 0) sends.push(this.sendBatch(sensor, entries));
      };
      list.forEach((message, i) => {
        const size = messageSize(message.body, message.attributes);
        if (chunk.length === MAX_BATCH || bytes + size > SQS_MAX_MESSAGE_BYTES) {
          flush(chunk);
          chunk = [];
          bytes = 0;
        }
        chunk.push({
          Id: `m${i}`,
          MessageBody: message.body,
          MessageAttributes: message.attributes,
          ...this.fifoFields(message.event),
        });
        bytes += size;
      });
      flush(chunk);
    }
    const results = await Promise.allSettled(sends);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw this.failure(failed.reason, 'SendMessageBatch');
  }

  private async sendBatch(sensor: string, entries: SendMessageBatchRequestEntry[]): Promise<void> {
    const queues = await this.sensorQueues(sensor, this.settings.maxDeliveries);
    const result = await this.call('SendMessageBatch', queues.queueName, () =>
      this.client.send(new this.sdk.SendMessageBatchCommand({ QueueUrl: queues.queueUrl, Entries: entries })),
    );
    const failed = result.Failed ?? [];
    if (failed.length > 0) {
      const first = failed[0];
      throw new BusError(
        `SQS at ${this.endpoint} refused ${failed.length} of ${entries.length} messages for "${queues.queueName}": ${first?.Code ?? 'error'}`,
        { retryable: !(first?.SenderFault ?? false) },
      );
    }
  }

  /** Starts a long-polling consumer of the sensor queue `options.name`. */
  async consume(options: ConsumerOptions, handler: BatchHandler): Promise<Subscription> {
    if (this.closed) throw new BusError(`SQS bus for ${this.endpoint} is closed`);
    const maxDeliveries = options.maxDeliveries ?? this.settings.maxDeliveries;
    const queues = await this.sensorQueues(options.name, maxDeliveries);
    const spec: ConsumerSpec = {
      ...queues,
      subjects: [...options.subjects],
      batchSize: Math.min(MAX_BATCH, Math.max(1, options.batchSize ?? MAX_BATCH)),
      maxDeliveries,
    };
    const loop = new ReceiveLoop(this, spec, handler);
    this.loops.add(loop);
    loop.start(() => this.loops.delete(loop));
    return loop;
  }

  /** @internal One long poll of the consumer's queue. */
  async receive(spec: ConsumerSpec, signal: AbortSignal): Promise<Message[]> {
    const result = await this.call('ReceiveMessage', spec.queueName, () =>
      this.client.send(
        new this.sdk.ReceiveMessageCommand({
          QueueUrl: spec.queueUrl,
          MaxNumberOfMessages: spec.batchSize,
          WaitTimeSeconds: this.settings.waitTimeSeconds,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'MessageGroupId'],
        }),
        { abortSignal: signal },
      ),
    );
    return result.Messages ?? [];
  }

  /** @internal Makes messages received after a stop visible again at once. */
  async release(spec: ConsumerSpec, messages: Message[]): Promise<void> {
    const deliveries = messages.map((m) => toDelivery(m)).filter((d) => d !== undefined);
    await this.changeVisibility(
      spec,
      deliveries.map((delivery) => ({ delivery, timeoutSec: 0 })),
    ).catch(() => undefined);
  }

  /** @internal Hands a received batch to the handler and settles every message. */
  async handleBatch(spec: ConsumerSpec, messages: Message[], handler: BatchHandler): Promise<BatchTally> {
    const tally: BatchTally = { acked: 0, retried: 0, deadLettered: 0, skipped: 0 };
    const skipped: Delivery[] = [];
    const broken: { delivery: Delivery; reason: string }[] = [];
    const handed: { delivery: Delivery; record: BusRecord }[] = [];
    for (const message of messages) {
      const delivery = toDelivery(message);
      if (!delivery) continue;
      if (!delivery.event) {
        broken.push({ delivery, reason: 'not a CloudEvent' });
        continue;
      }
      const subject = subjectOf(delivery.event, this.busName);
      if (!spec.subjects.some((pattern) => subjectMatches(pattern, subject))) {
        skipped.push(delivery);
        continue;
      }
      handed.push({
        delivery,
        record: {
          event: delivery.event,
          envelope: delivery.body,
          subject,
          deliveryCount: delivery.receiveCount,
        },
      });
    }
    let outcomes: RecordOutcome[] = [];
    if (handed.length > 0) outcomes = await this.runHandler(spec, handler, handed);
    if (this.closed) return tally;
    const planned = planSettlement(
      handed.map((h) => h.delivery),
      outcomes,
      { maxDeliveries: spec.maxDeliveries, defaultRetryMs: this.settings.defaultRetryMs },
    );
    const plan: SettlementPlan<Delivery> = {
      ...planned,
      ack: [...planned.ack, ...skipped],
      deadLetter: [...planned.deadLetter, ...broken],
    };
    await this.execute(spec, plan, { deleteAcked: true });
    tally.acked = planned.ack.length;
    tally.skipped = skipped.length;
    tally.retried = plan.retry.length + plan.held.length;
    tally.deadLettered = plan.deadLetter.length;
    return tally;
  }

  private async runHandler(
    spec: ConsumerSpec,
    handler: BatchHandler,
    handed: { delivery: Delivery; record: BusRecord }[],
  ): Promise<RecordOutcome[]> {
    // Keep the batch invisible while the handler works, so a slow trigger is not delivered twice.
    const timeoutSec = this.settings.visibilityTimeoutSec;
    const heartbeat = setInterval(
      () => {
        if (this.closed) return;
        void this.changeVisibility(
          spec,
          handed.map(({ delivery }) => ({ delivery, timeoutSec })),
        ).catch(() => undefined);
      },
      Math.max(500, (timeoutSec * 1000) / 2),
    );
    try {
      return await handler(handed.map((h) => h.record));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return handed.map(() => ({ kind: 'retry', delayMs: this.settings.defaultRetryMs, reason }));
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Carries out a settlement plan. Returns the deliveries the caller must report failed: retries, held
   * FIFO records, and dead letters whose DLQ send failed (those come back after the default retry delay).
   */
  private async execute<D extends Delivery>(
    queues: SensorQueues,
    plan: SettlementPlan<D>,
    options: { deleteAcked: boolean },
  ): Promise<D[]> {
    const failed: D[] = [...plan.retry.map((r) => r.delivery), ...plan.held];
    const deleted: D[] = options.deleteAcked ? [...plan.ack] : [];
    const lost: D[] = [];
    await Promise.all(
      plan.deadLetter.map(async ({ delivery, reason }) => {
        try {
          await this.sendDeadLetter(queues, delivery, reason);
          deleted.push(delivery);
        } catch {
          lost.push(delivery);
        }
      }),
    );
    const retrySec = Math.ceil(this.settings.defaultRetryMs / 1000);
    await Promise.all([
      this.deleteMessages(queues, deleted),
      this.changeVisibility(queues, [
        ...plan.retry,
        ...lost.map((delivery) => ({ delivery, timeoutSec: retrySec })),
      ]),
    ]).catch(() => undefined);
    return [...failed, ...lost];
  }

  private async sendDeadLetter(queues: SensorQueues, delivery: Delivery, reason: string): Promise<void> {
    const attributes = {
      ...(delivery.event ? eventAttributes(delivery.event) : {}),
      [SqsAttributes.reason]: text(attributeText(reason)),
      [SqsAttributes.queue]: text(queues.queueName),
      [SqsAttributes.deliveries]: { DataType: 'Number', StringValue: String(delivery.receiveCount) },
    };
    await this.call('SendMessage', `${queues.queueName} DLQ`, () =>
      this.client.send(
        new this.sdk.SendMessageCommand({
          QueueUrl: queues.dlqUrl,
          MessageBody: delivery.body,
          MessageAttributes: attributes,
          ...(this.fifo
            ? {
                MessageDeduplicationId: fifoId(`dlq.${delivery.messageId}`),
                MessageGroupId: delivery.groupId ?? 'dlq',
              }
            : {}),
        }),
      ),
    );
  }

  private async deleteMessages(queues: SensorQueues, deliveries: readonly SqsDelivery[]): Promise<void> {
    for (let i = 0; i < deliveries.length; i += MAX_BATCH) {
      const chunk = deliveries.slice(i, i + MAX_BATCH);
      await this.call('DeleteMessageBatch', queues.queueName, () =>
        this.client.send(
          new this.sdk.DeleteMessageBatchCommand({
            QueueUrl: queues.queueUrl,
            Entries: chunk.map((d, n) => ({ Id: `d${n}`, ReceiptHandle: d.receiptHandle })),
          }),
        ),
      );
    }
  }

  private async changeVisibility(
    queues: SensorQueues,
    changes: readonly { delivery: SqsDelivery; timeoutSec: number }[],
  ): Promise<void> {
    for (let i = 0; i < changes.length; i += MAX_BATCH) {
      const chunk = changes.slice(i, i + MAX_BATCH);
      await this.call('ChangeMessageVisibilityBatch', queues.queueName, () =>
        this.client.send(
          new this.sdk.ChangeMessageVisibilityBatchCommand({
            QueueUrl: queues.queueUrl,
            Entries: chunk.map((c, n) => ({
              Id: `v${n}`,
              ReceiptHandle: c.delivery.receiptHandle,
              VisibilityTimeout: c.timeoutSec,
            })),
          }),
        ),
      );
    }
  }

  /**
   * The Lambda path: runs `handler` over an SQS event's records for `sensor` and settles them. Retries get
   * their visibility timeout from the retry delay and are reported in `batchItemFailures`; dead letters
   * (and retries on the last attempt) go to the DLQ with the reason and count as processed; records that
   * are not CloudEvents are dead-lettered. On FIFO queues a failure holds the rest of its group.
   */
  async handleLambdaBatch(
    sensor: string,
    records: readonly SqsLambdaRecord[],
    handler: BatchHandler,
  ): Promise<SqsBatchItemFailures> {
    const queues = await this.sensorQueues(sensor, this.settings.maxDeliveries);
    const deliveries = records.map((r) => lambdaDelivery(r));
    const decodable = deliveries.filter((d) => d.event !== undefined);
    let outcomes: RecordOutcome[];
    try {
      outcomes = await handler(
        decodable.map((d) => ({
          event: d.event as CloudEvent,
          envelope: d.body,
          subject: subjectOf(d.event as CloudEvent, this.busName),
          deliveryCount: d.receiveCount,
        })),
      );
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      outcomes = decodable.map(() => ({ kind: 'retry', delayMs: this.settings.defaultRetryMs, reason }));
    }
    const byId = new Map(decodable.map((d, i) => [d.messageId, outcomes[i]]));
    const all = deliveries.map((d): RecordOutcome | undefined =>
      d.event ? byId.get(d.messageId) : { kind: 'dead-letter', reason: 'not a CloudEvent' },
    );
    const plan = planSettlement(deliveries, all, {
      maxDeliveries: this.settings.maxDeliveries,
      defaultRetryMs: this.settings.defaultRetryMs,
      fifoOrder: this.fifo,
    });
    const failed = await this.execute(queues, plan, { deleteAcked: false });
    return { batchItemFailures: failed.map((d) => ({ itemIdentifier: d.messageId })) };
  }

  /** @internal */
  get isClosed(): boolean {
    return this.closed;
  }

  /** @internal */
  get waitSeconds(): number {
    return this.settings.waitTimeSeconds;
  }

  /**
   * Stops every consumer and closes the client. Records still inside a handler are not settled: they come
   * back after their visibility timeout (what a crash or a Lambda timeout does too).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const loop of this.loops) loop.halt();
    this.client.destroy();
  }
}

/** The delivery of a received message (undefined without a receipt handle, which SQS always sends). */
function toDelivery(message: Message): Delivery | undefined {
  if (!message.ReceiptHandle || !message.MessageId) return undefined;
  const body = message.Body ?? '';
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
    groupId: message.Attributes?.MessageGroupId,
    body,
    event: tryDecode(body),
  };
}

function lambdaDelivery(record: SqsLambdaRecord): Delivery {
  return {
    messageId: record.messageId,
    receiptHandle: record.receiptHandle,
    receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
    groupId: record.attributes?.MessageGroupId,
    body: record.body,
    event: tryDecode(record.body),
  };
}

function tryDecode(body: string): CloudEvent | undefined {
  try {
    return decodeEvent(body);
  } catch {
    return undefined;
  }
}

/**
 * Runs `handler` over a Lambda SQS batch of `sensor` and answers with the records to retry: what a sensor
 * function returns with `ReportBatchItemFailures` on.
 */
export function handleSqsLambdaBatch(
  bus: SqsBus,
  sensor: string,
  event: { Records: readonly SqsLambdaRecord[] },
  handler: BatchHandler,
): Promise<SqsBatchItemFailures> {
  return bus.handleLambdaBatch(sensor, event.Records, handler);
}

/** A running consumer: long-polls, hands the batch over, settles, repeats. */
class ReceiveLoop implements Subscription {
  private running = true;
  private abort = new AbortController();
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: SqsBus,
    private readonly spec: ConsumerSpec,
    private readonly handler: BatchHandler,
  ) {}

  start(onEnd: () => void): void {
    this.done = this.run().finally(onEnd);
  }

  private async run(): Promise<void> {
    while (this.running && !this.bus.isClosed) {
      try {
        const batch = await this.bus.receive(this.spec, this.abort.signal);
        if (batch.length === 0) continue;
        if (!this.running) {
          await this.bus.release(this.spec, batch);
          continue;
        }
        await this.bus.handleBatch(this.spec, batch, this.handler);
      } catch {
        // The endpoint is away or the poll was aborted: try again shortly (the SDK already retried).
        if (this.running) await sleep(250);
      }
    }
  }

  /** Stops polling without waiting for the batch in flight. */
  halt(): void {
    this.running = false;
    this.abort.abort();
  }

  /** Stops polling; resolves once the batch in flight is settled. */
  async stop(): Promise<void> {
    this.halt();
    await this.done;
  }
}
