/**
 * The Bus port (DESIGN §3 "Bus"): sources publish durably, sensors consume batches and answer per record.
 * Adapters live in memory/, jetstream/ and sqs/ and are loaded with dynamic import() (see ./index.ts), so a
 * function only loads the client its bus needs.
 */
import type { CloudEvent } from '../events/envelope.ts';

/** What a consumer decides for one record. */
export type RecordOutcome =
  | { readonly kind: 'ack' }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly reason?: string }
  | { readonly kind: 'dead-letter'; readonly reason: string };

export const ack: RecordOutcome = { kind: 'ack' };
export const retryAfter = (delayMs: number, reason?: string): RecordOutcome =>
  reason === undefined ? { kind: 'retry', delayMs } : { kind: 'retry', delayMs, reason };
export const deadLetter = (reason: string): RecordOutcome => ({ kind: 'dead-letter', reason });

/** One delivery of an event to a consumer. */
export interface BusRecord {
  readonly event: CloudEvent;
  /** `<bus>.<eventSourceName>.<eventName>`. */
  readonly subject: string;
  /** 1 on first delivery, then counting redeliveries. */
  readonly deliveryCount: number;
  /**
   * The message text the event was decoded from (JetStream, SQS; the embedded bus hands over the object):
   * sensors read the data as carried from it, as Argo's gjson reads the bytes.
   */
  readonly envelope?: string;
}

/** Handles a batch; returns one outcome per record, in order. */
export type BatchHandler = (records: readonly BusRecord[]) => Promise<RecordOutcome[]>;

export interface ConsumerOptions {
  /** Durable consumer name, e.g. the sensor name. */
  readonly name: string;
  /** Subjects to receive; `*` matches one token as in NATS. */
  readonly subjects: readonly string[];
  readonly batchSize?: number;
  /** Deliveries after which a record that keeps failing is dead-lettered. */
  readonly maxDeliveries?: number;
}

export interface Subscription {
  /** Stops delivering; resolves when no batch is in flight. */
  stop(): Promise<void>;
}

/** A message that was dead-lettered, with why. */
export interface DeadLetter {
  readonly record: BusRecord;
  readonly consumer: string;
  readonly reason: string;
}

/** Limits of one drain (a Lambda invocation that empties a pull consumer and returns). */
export interface DrainLimits {
  maxBatches?: number;
  /** Fetch no new batch after this many milliseconds. */
  deadlineMs?: number;
  /** How long a fetch waits when nothing is ready (0: stop when empty). */
  waitMs?: number;
}

export interface Bus {
  /**
   * True when consumers receive the published event object itself (the embedded bus): a request body they
   * will read is then parsed at ingest, instead of checked there and parsed again on first read.
   */
  readonly handsOverObjects?: boolean;
  /** Resolves only once the event is durable; rejects with BusError otherwise. */
  publish(event: CloudEvent): Promise<void>;
  /** Starts a consumer that receives batches until stopped. */
  consume(options: ConsumerOptions, handler: BatchHandler): Promise<Subscription>;
  /** Pull buses only (JetStream): process what is waiting, then return. Push buses (SQS) have none. */
  drain?(options: ConsumerOptions, handler: BatchHandler, limits?: DrainLimits): Promise<unknown>;
  close(): Promise<void>;
}

/** NATS-style subject match: `*` is one token, `>` the rest. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
