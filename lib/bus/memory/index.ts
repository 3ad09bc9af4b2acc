/**
 * The embedded bus for `npm start` and tests: events are "durable" once in this process's memory.
 * It keeps the contract of the real buses (at-least-once, per-record ack/retry/dead-letter, dedup by event id
 * within a window) so code that works here works on JetStream and SQS.
 */

import { BusError } from '../../errors.ts';
import type { CloudEvent } from '../../events/envelope.ts';
import { subjectOf } from '../../events/envelope.ts';
import { boundedMemo } from '../../memo.ts';
import type {
  BatchHandler,
  Bus,
  BusRecord,
  ConsumerOptions,
  DeadLetter,
  RecordOutcome,
  Subscription,
} from '../port.ts';
import { subjectMatches } from '../port.ts';

export interface MemoryBusOptions {
  busName?: string;
  /** How long a published id is remembered to drop duplicates (default 5 minutes, as JetStream). */
  duplicateWindowMs?: number;
  /** Retry delay used when a handler throws instead of answering. */
  defaultRetryMs?: number;
  /**
   * How many of the latest events `log` keeps (default 1,000; 0 keeps none). A long-running local runner
   * would otherwise hold every payload it ever received.
   */
  logLimit?: number;
}

/** Default number of events the replay log keeps. */
export const DEFAULT_LOG_LIMIT = 1_000;

/** What a handed-over slot of the ready queue holds until the queue is compacted. */
const TAKEN = undefined as unknown as BusRecord;

interface Pending {
  record: BusRecord;
  notBefore: number;
}

class MemoryConsumer implements Subscription {
  // Ready records in arrival order from `head` on: taking a batch is O(batch) however long the backlog.
  private ready: BusRecord[] = [];
  private head = 0;
  /** Retries waiting for their delay (few: only failed records). */
  private delayed: Pending[] = [];
  private running = true;
  private inFlight: Promise<void> | undefined;
  private starting: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly options: Required<Pick<ConsumerOptions, 'batchSize' | 'maxDeliveries'>> & ConsumerOptions,
    private readonly handler: BatchHandler,
    private readonly onDeadLetter: (letter: DeadLetter) => void,
    private readonly defaultRetryMs: number,
  ) {}

  offer(record: BusRecord): void {
    this.ready.push(record);
    this.start();
  }

  /** Starts draining on the next turn of the event loop (never inside the publisher's call). */
  private start(): void {
    if (!this.running || this.inFlight || this.starting) return;
    this.starting = setImmediate(() => {
      this.starting = undefined;
      this.inFlight = this.drain().finally(() => {
        this.inFlight = undefined;
        this.afterDrain();
      });
    });
  }

  private afterDrain(): void {
    if (!this.running) return;
    if (this.head < this.ready.length) {
      this.start();
      return;
    }
    if (this.delayed.length === 0) return;
    let soonest = Number.POSITIVE_INFINITY;
    for (const pending of this.delayed) soonest = Math.min(soonest, pending.notBefore);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.start();
      },
      Math.max(0, soonest - Date.now()),
    );
  }

  /** Hands batches to the handler until nothing is ready. */
  private async drain(): Promise<void> {
    while (this.running) {
      this.promoteDue(Date.now());
      const start = this.head;
      const end = Math.min(this.ready.length, start + this.options.batchSize);
      if (end === start) return;
      const batch = this.ready.slice(start, end);
      this.head = end;
      // Handed-over records leave the queue at once: kept until a compaction, their payloads outlived two
      // scavenges and were promoted, and old-space collections took 8% of the local runner's CPU.
      if (this.head === this.ready.length) {
        this.ready = [];
        this.head = 0;
      } else if (this.head > 1_024 && this.head * 2 > this.ready.length) {
        this.ready = this.ready.slice(this.head);
        this.head = 0;
      } else {
        this.ready.fill(TAKEN, start, end);
      }
      await this.handle(batch);
    }
  }

  private promoteDue(now: number): void {
    if (this.delayed.length === 0) return;
    const waiting: Pending[] = [];
    for (const pending of this.delayed) {
      if (pending.notBefore <= now) this.ready.push(pending.record);
      else waiting.push(pending);
    }
    this.delayed = waiting;
  }

  private async handle(batch: BusRecord[]): Promise<void> {
    let outcomes: RecordOutcome[];
    try {
      outcomes = await this.handler(batch);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      outcomes = batch.map(() => ({ kind: 'retry', delayMs: this.defaultRetryMs, reason }));
    }
    batch.forEach((record, i) => {
      this.settle(record, outcomes[i] ?? { kind: 'retry', delayMs: this.defaultRetryMs });
    });
  }

  private settle(record: BusRecord, outcome: RecordOutcome): void {
    if (outcome.kind === 'ack') return;
    if (outcome.kind === 'dead-letter' || record.deliveryCount >= this.options.maxDeliveries) {
      const reason =
        outcome.kind === 'dead-letter'
          ? outcome.reason
          : `gave up after ${record.deliveryCount} deliveries${outcome.reason ? `: ${outcome.reason}` : ''}`;
      this.onDeadLetter({ record, consumer: this.options.name, reason });
      return;
    }
    this.delayed.push({
      record: { ...record, deliveryCount: record.deliveryCount + 1 },
      notBefore: Date.now() + outcome.delayMs,
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.starting) clearImmediate(this.starting);
    this.starting = undefined;
    await this.inFlight;
  }

  /** Resolves when nothing is queued or in flight (tests and the local runner use it). */
  async idle(): Promise<void> {
    while (this.inFlight || this.starting || this.head < this.ready.length || this.delayed.length > 0) {
      await (this.inFlight ?? new Promise((r) => setTimeout(r, 5)));
    }
  }
}

/** In-process Bus adapter. */
export class MemoryBus implements Bus {
  readonly handsOverObjects = true;
  readonly busName: string;
  readonly deadLetters: DeadLetter[] = [];
  private readonly consumers: MemoryConsumer[] = [];
  /** The consumers whose subjects match a subject, worked out once per subject (a publish is the hot path). */
  private consumersOf = this.matcher();
  /** Ids inside the duplicate window, oldest first (re-inserted when seen again), so pruning stops early. */
  private readonly seen = new Map<string, number>();
  /** When the oldest remembered id was published: nothing to prune before it leaves the window. */
  private oldestAt = Number.POSITIVE_INFINITY;
  private readonly duplicateWindowMs: number;
  private readonly logLimit: number;
  /** The latest events; trimmed to `logLimit` once it holds twice that, so a publish stays O(1). */
  private readonly recent: CloudEvent[] = [];
  private readonly defaultRetryMs: number;
  private closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.busName = options.busName ?? 'default';
    this.duplicateWindowMs = options.duplicateWindowMs ?? 5 * 60_000;
    this.defaultRetryMs = options.defaultRetryMs ?? 1_000;
    this.logLimit = Math.max(0, options.logLimit ?? DEFAULT_LOG_LIMIT);
  }

  /** The latest `logLimit` events made durable, in publish order (the local runner's replay log). */
  get log(): CloudEvent[] {
    return this.logLimit === 0 ? [] : this.recent.slice(-this.logLimit);
  }

  private remember(event: CloudEvent): void {
    if (this.logLimit === 0) return;
    this.recent.push(event);
    if (this.recent.length >= 2 * this.logLimit) this.recent.splice(0, this.recent.length - this.logLimit);
  }

  /** How many event ids the duplicate window currently remembers. */
  get rememberedIds(): number {
    return this.seen.size;
  }

  /** Forgets ids older than the duplicate window (the oldest come first). */
  private prune(now: number): void {
    if (now - this.oldestAt < this.duplicateWindowMs) return;
    for (const [id, at] of this.seen) {
      if (now - at < this.duplicateWindowMs) {
        this.oldestAt = at;
        return;
      }
      this.seen.delete(id);
    }
    this.oldestAt = Number.POSITIVE_INFINITY;
  }

  async publish(event: CloudEvent): Promise<void> {
    if (this.closed) throw new BusError('memory bus is closed');
    const now = Date.now();
    this.prune(now);
    const seenAt = this.seen.get(event.id);
    if (seenAt !== undefined && now - seenAt < this.duplicateWindowMs) return;
    // Re-inserted, not updated, so the map stays in time order.
    if (seenAt !== undefined) this.seen.delete(event.id);
    this.seen.set(event.id, now);
    if (this.seen.size === 1) this.oldestAt = now;
    this.remember(event);
    if (this.consumers.length === 0) return;
    const subject = subjectOf(event, this.busName);
    const consumers = this.consumersOf(subject);
    if (consumers.length === 0) return;
    const record: BusRecord = { event, subject, deliveryCount: 1 };
    for (const consumer of consumers) consumer.offer(record);
  }

  private matcher(): (subject: string) => MemoryConsumer[] {
    return boundedMemo(1_024, (subject) =>
      this.consumers.filter((c) => c.options.subjects.some((pattern) => subjectMatches(pattern, subject))),
    );
  }

  async consume(options: ConsumerOptions, handler: BatchHandler): Promise<Subscription> {
    const consumer = new MemoryConsumer(
      { batchSize: 10, maxDeliveries: 5, ...options },
      handler,
      (letter) => this.deadLetters.push(letter),
      this.defaultRetryMs,
    );
    this.consumers.push(consumer);
    this.consumersOf = this.matcher();
    return consumer;
  }

  /** Resolves once every consumer has nothing queued or in flight. */
  async idle(): Promise<void> {
    for (const consumer of this.consumers) await consumer.idle();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.consumers.map((c) => c.stop()));
  }
}
