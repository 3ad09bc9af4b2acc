/**
 * Ingest for events that are not HTTP requests: the aws-source function's SQS batches, SNS records and
 * EventBridge events (and, through `createPublisher`, calendar ticks). Each record is routed to its
 * (EventSource, event), turned into the data Argo Events would publish, filtered by `filter.expression`
 * and published durably; SQS failures are reported per record (`batchItemFailures`), any other failure
 * is thrown so Lambda's retry (SNS, EventBridge) delivers the event again.
 *
 * @example
 * const ingest = createAwsIngest(set, { bus });
 * const result = await ingest.handle(lambdaEvent); // { batchItemFailures: [...] } for SQS
 */
import type { Bus } from '../bus/port.ts';
import { BusError, PayloadError } from '../errors.ts';
import { newEvent } from '../events/envelope.ts';
import type { EventSourceFilter, ManifestSet } from '../manifests/types.ts';
import type { EventBridgeEvent, EventBridgeSpec } from './eventbridge/index.ts';
import {
  eventBridgeEventData,
  isEventBridgeEvent,
  isEventBridgeInvocation,
  matchesEventPattern,
} from './eventbridge/index.ts';
import { exprLangFilter } from './filter.ts';
import { safeEventId } from './headers.ts';
import type { FilterEvaluator } from './ingest.ts';
import type { SnsLambdaRecord, SnsSpec } from './sns/index.ts';
import { isSnsLambdaRecord, snsEventId, snsLambdaEventData } from './sns/index.ts';
import type { SqsRecord, SqsSpec } from './sqs/index.ts';
import { isSqsRecord, queueMatches, sqsEventData } from './sqs/index.ts';

/** What a publisher needs: the bus, and optionally a log and a filter evaluator (default expr-lang). */
export interface PublishDeps {
  bus: Bus;
  log?: (entry: Record<string, unknown>) => void;
  filter?: FilterEvaluator;
}

/** The (EventSource, event) an event is published as. */
export interface PublishTarget {
  eventSourceName: string;
  eventName: string;
  /** The source type: the CloudEvent `type`. */
  type: string;
  /** The event's spec; only its `filter` is read here. */
  spec: { filter?: EventSourceFilter | undefined };
}

/** What became of one event. */
export type PublishOutcome = { kind: 'published'; id: string } | { kind: 'filtered' };

/** Publishes one event; resolves once durable, rejects with BusError otherwise. */
export type Publish = (
  target: PublishTarget,
  data: unknown,
  id?: string,
  time?: Date,
) => Promise<PublishOutcome>;

/** A publisher that applies `filter.expression` (dropping on error, as upstream) and publishes durably. */
export function createPublisher(deps: PublishDeps): Publish {
  const log = deps.log ?? (() => {});
  const filter = deps.filter ?? exprLangFilter();

  async function keep(target: PublishTarget, data: unknown): Promise<boolean> {
    const expression = target.spec.filter?.expression;
    if (!expression) return true;
    try {
      return (await filter(expression, data)) === true;
    } catch (err) {
      // Upstream drops the event on an evaluation error (semantics §1.6).
      log({
        level: 'error',
        msg: 'filter.expression failed; event dropped',
        error: String(err),
        ...labels(target),
      });
      return false;
    }
  }

  return async function publish(target, data, id, time) {
    if (!(await keep(target, data))) {
      log({ level: 'info', msg: 'event filtered out', ...labels(target) });
      return { kind: 'filtered' };
    }
    const event = newEvent({
      source: target.eventSourceName,
      subject: target.eventName,
      type: target.type,
      data,
      id,
      ...(time ? { time } : {}),
    });
    try {
      await deps.bus.publish(event);
    } catch (cause) {
      throw cause instanceof BusError ? cause : new BusError('event could not be recorded', { cause });
    }
    log({ level: 'info', msg: 'event published', eventId: event.id, ...labels(target) });
    return { kind: 'published', id: event.id };
  };
}

function labels(target: PublishTarget): Record<string, unknown> {
  return { eventSource: target.eventSourceName, eventName: target.eventName };
}

/** The AWS source types the aws-source function serves. */
const AWS_TYPES = ['sqs', 'sns', 'eventbridge'] as const;

interface Binding<Spec> {
  target: PublishTarget;
  spec: Spec;
}

interface Bindings {
  sqs: Binding<SqsSpec>[];
  sns: Binding<SnsSpec>[];
  eventbridge: Binding<EventBridgeSpec>[];
}

function bindingsOf(set: ManifestSet): Bindings {
  const bindings: Bindings = { sqs: [], sns: [], eventbridge: [] };
  for (const eventSource of set.eventSources) {
    for (const type of AWS_TYPES) {
      const events = eventSource.spec[type] as Record<string, never> | undefined;
      for (const [eventName, spec] of Object.entries(events ?? {})) {
        const target = { eventSourceName: eventSource.metadata.name, eventName, type, spec };
        (bindings[type] as Binding<unknown>[]).push({ target, spec });
      }
    }
  }
  return bindings;
}

/** The answer to an SQS batch: the records to deliver again (`ReportBatchItemFailures`). */
export interface SqsBatchResult {
  batchItemFailures: { itemIdentifier: string }[];
}

/** The answer to an SNS or EventBridge invocation. */
export interface AwsEventResult {
  published: string[];
  filtered: number;
}

export type AwsSourceResult = SqsBatchResult | AwsEventResult;

export interface AwsIngest {
  handle(event: unknown): Promise<AwsSourceResult>;
}

/** A provider id for one of several events fed by the same message, so the bus keeps each of them. */
function idFor(id: string, target: PublishTarget, fanOut: number): string {
  return fanOut > 1 ? safeEventId(`${target.eventSourceName}.${target.eventName}`, id) : id;
}

function recordsOf(event: unknown): unknown[] | undefined {
  const records = (event as { Records?: unknown } | null)?.Records;
  return Array.isArray(records) ? records : undefined;
}

/** Builds the aws-source handler body for every sqs, sns and eventbridge event in `set`. */
export function createAwsIngest(set: ManifestSet, deps: PublishDeps): AwsIngest {
  const bindings = bindingsOf(set);
  const publish = createPublisher(deps);
  const log = deps.log ?? (() => {});

  async function sqsRecord(record: SqsRecord): Promise<boolean> {
    const targets = bindings.sqs.filter((b) => queueMatches(b.spec, record.eventSourceARN));
    if (targets.length === 0) {
      // Delivered again, and to the queue's DLQ in the end: a message is never dropped for a config slip.
      log({ level: 'error', msg: 'no sqs event source reads this queue', queue: record.eventSourceARN });
      return false;
    }
    let ok = true;
    for (const { target, spec } of targets) {
      let data: unknown;
      try {
        data = sqsEventData(record, spec);
      } catch (err) {
        // Upstream deletes a message it cannot marshal unless `dlq` keeps it for the dead-letter queue.
        log({
          level: 'error',
          msg: 'sqs message dropped',
          error: String(err),
          dlq: spec.dlq === true,
          ...labels(target),
        });
        if (spec.dlq) ok = false;
        continue;
      }
      try {
        await publish(target, data, idFor(record.messageId, target, targets.length));
      } catch (err) {
        log({ level: 'error', msg: 'sqs message not published', error: String(err), ...labels(target) });
        ok = false;
      }
    }
    return ok;
  }

  async function sqsBatch(records: SqsRecord[]): Promise<SqsBatchResult> {
    const failures: { itemIdentifier: string }[] = [];
    for (const record of records) {
      if (!(await sqsRecord(record))) failures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures: failures };
  }

  async function publishAll<Spec>(
    targets: Binding<Spec>[],
    data: (spec: Spec) => unknown,
    id: string,
  ): Promise<AwsEventResult> {
    const result: AwsEventResult = { published: [], filtered: 0 };
    for (const { target, spec } of targets) {
      const outcome = await publish(target, data(spec), idFor(id, target, targets.length));
      if (outcome.kind === 'published') result.published.push(outcome.id);
      else result.filtered++;
    }
    return result;
  }

  async function snsRecords(records: SnsLambdaRecord[]): Promise<AwsEventResult> {
    const result: AwsEventResult = { published: [], filtered: 0 };
    for (const record of records) {
      const targets = bindings.sns.filter((b) => b.spec.topicArn === record.Sns.TopicArn);
      if (targets.length === 0) {
        throw new PayloadError(`no sns event source subscribes to ${record.Sns.TopicArn.slice(0, 256)}`);
      }
      if (record.Sns.Type !== 'Notification') continue;
      const one = await publishAll(
        targets,
        (spec) => snsLambdaEventData(record, spec),
        snsEventId(record.Sns.MessageId),
      );
      result.published.push(...one.published);
      result.filtered += one.filtered;
    }
    return result;
  }

  async function eventBridge(
    event: EventBridgeEvent,
    named?: { eventSourceName: string; eventName: string },
  ) {
    const targets = named
      ? bindings.eventbridge.filter(
          (b) => b.target.eventSourceName === named.eventSourceName && b.target.eventName === named.eventName,
        )
      : bindings.eventbridge.filter((b) => matchesEventPattern(b.spec.eventPattern, event));
    if (targets.length === 0) {
      const what = named
        ? `${named.eventSourceName}/${named.eventName}`
        : `${event.source} ${event['detail-type']}`;
      throw new PayloadError(`no eventbridge event source for ${what.slice(0, 256)}`);
    }
    return publishAll(targets, (spec) => eventBridgeEventData(event, spec), event.id);
  }

  return {
    async handle(event) {
      const records = recordsOf(event);
      if (records && records.length > 0 && records.every(isSqsRecord)) return sqsBatch(records);
      if (records && records.length > 0 && records.every(isSnsLambdaRecord)) return snsRecords(records);
      if (isEventBridgeInvocation(event)) return eventBridge(event.event, event);
      if (isEventBridgeEvent(event)) return eventBridge(event);
      throw new PayloadError('not an SQS batch, SNS records or an EventBridge event');
    },
  };
}

export interface AwsSourceLambdaDeps {
  /** Produces the manifest set (the compiled JSON in a bundle). */
  loadSet: () => Promise<ManifestSet>;
  openBus: (set: ManifestSet) => Promise<Bus>;
  log?: (entry: Record<string, unknown>) => void;
  filter?: FilterEvaluator;
}

/** The aws-source Lambda body: configuration and bus opened once per container, then one ingest per event. */
export function awsSourceLambda(deps: AwsSourceLambdaDeps): (event: unknown) => Promise<AwsSourceResult> {
  let ready: Promise<AwsIngest> | undefined;
  return async function awsSourceHandler(event) {
    ready ??= (async () => {
      const set = await deps.loadSet();
      const bus = await deps.openBus(set);
      return createAwsIngest(set, {
        bus,
        ...(deps.log ? { log: deps.log } : {}),
        ...(deps.filter ? { filter: deps.filter } : {}),
      });
    })();
    let ingest: AwsIngest;
    try {
      ingest = await ready;
    } catch (err) {
      // A failed cold start is retried on the next invocation; this one fails so the event comes back.
      ready = undefined;
      throw err;
    }
    return ingest.handle(event);
  };
}
