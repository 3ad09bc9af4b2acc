/**
 * The JetStream Bus adapter over `nats.ws`, wire-compatible with Argo Events' JetStream bus
 * (argoproj/argo-events: pkg/eventbus/jetstream/eventsource/source_conn.go): stream `default` capturing
 * `default.*.*`, subject `default.<eventSourceName>.<eventName>`, body = the structured CloudEvent JSON,
 * header `Nats-Msg-Id` = event id, and nothing else. An in-cluster Argo sensor on the same stream consumes
 * Outrigger's events unchanged.
 *
 * Consumers are durable pull consumers with explicit ack (one per `ConsumerOptions.name`), settled per
 * record: ack, `nak(delay)` for a retry, or dead-letter = republish to `<prefix>.dlq.<consumer>` then `term()`.
 *
 * Dead letters stay in the main stream. `<prefix>.dlq.<consumer>` has three tokens, so Argo's `<prefix>.*.*`
 * already captures it, and nats-server refuses a second stream whose subjects overlap, so a separate
 * `<prefix>-dlq` stream is impossible without changing Argo's layout. Consequences: `dlq` is a reserved
 * EventSource name, and consumers drop `<prefix>.dlq.*` client-side unless a subject names `dlq` explicitly
 * (a sensor may depend on EventSource `dlq`, event `<sensor>`, to handle another sensor's dead letters).
 *
 * Filters: nats-server 2.9 allows one filter subject per consumer. A consumer with one subject filters on
 * it; with several it filters on `<prefix>.*.*` and drops the rest client-side (acked, never handed over).
 * One consumer per subject was the alternative: it would hand a message matched by two patterns twice and
 * needs one pull loop per subject in every drain; the wide filter costs reading unrelated events instead.
 *
 * `nats.ws` is loaded with a dynamic import, so a function on another bus never loads it.
 */
import type {
  ConsumerConfig,
  ConsumerInfo,
  JetStreamClient,
  JetStreamManager,
  MsgHdrs,
  NatsConnection,
} from 'nats.ws';
import { BusError, ErrorCode, OutriggerError, PayloadError } from '../../errors.ts';
import type { CloudEvent } from '../../events/envelope.ts';
import { decodeEnvelope, encodeEventBytes, subjectOf } from '../../events/envelope.ts';
import type { NatsModule } from '../nats-client.ts';
import { connectNats, loadNats, RECONNECT_FOREVER } from '../nats-client.ts';
import type { BatchHandler, Bus, BusRecord, ConsumerOptions, RecordOutcome, Subscription } from '../port.ts';
import { subjectMatches } from '../port.ts';
import { JetStreamPublisher } from './publisher.ts';
import { ACK, handBack, type PulledMessage, Puller } from './puller.ts';
import type { ArgoStreamConfig } from './stream-config.ts';
import { parseStreamConfig, streamSettings } from './stream-config.ts';

/** Credentials from the EventBus `accessSecret`: a token, a user and password, or a creds file's text. */
export type JetStreamAuth =
  | { readonly token: string }
  | { readonly user: string; readonly pass: string }
  | { readonly creds: string };

export interface JetStreamBusOptions {
  /** `ws://` or `wss://` URL of the server's websocket listener. */
  url: string;
  /** Stream name (default `default`, as Argo). */
  streamName?: string;
  /** First subject token (default: the stream name). */
  subjectPrefix?: string;
  /** Duplicate window for `Nats-Msg-Id` when the stream is created (default 5 minutes). */
  duplicateWindowMs?: number;
  /** Argo's EventBus `streamConfig`, as YAML text or parsed, merged over the defaults. */
  streamConfig?: string | ArgoStreamConfig;
  auth?: JetStreamAuth;
  /** Create the stream and consumers when missing (local runner); on AWS the deployment creates them. */
  createIfMissing?: boolean;
  /** How long a publish waits for the PubAck (default 5 s). */
  publishTimeoutMs?: number;
  /** How long the first connection may take (default 5 s). */
  connectTimeoutMs?: number;
  /** Consumer ack wait: an unsettled delivery comes back after it (default 30 s). */
  ackWaitMs?: number;
  /** Retry delay when a handler throws instead of answering (default 1 s). */
  defaultRetryMs?: number;
  /** How long one pull of a running consumer waits for messages (default 5 s). */
  pollMs?: number;
  /** Connection name shown by the server's monitoring. */
  name?: string;
}

/** Limits for one drain invocation. */
export interface DrainOptions {
  /** Stop after this many batches (default: unlimited). */
  maxBatches?: number;
  /** Fetch no new batch once this many milliseconds have passed since the call (default 60 s). */
  deadlineMs?: number;
  /** How long a fetch waits for messages when none are ready (default 0: stop as soon as it is empty). */
  waitMs?: number;
}

/** What one drain did. */
export interface DrainResult {
  batches: number;
  acked: number;
  retried: number;
  deadLettered: number;
  /** Messages of other subjects (or dead letters) acked without reaching the handler. */
  skipped: number;
}

/** A consumer as set up on the server, with the options the adapter settles by. */
export interface ConsumerSpec {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly batchSize: number;
  readonly maxDeliveries: number;
  readonly wantsDlq: boolean;
}

/** Headers set on a dead letter, beside the original CloudEvent body. */
export const DeadLetterHeaders = {
  reason: 'Outrigger-Dead-Letter-Reason',
  subject: 'Outrigger-Original-Subject',
  consumer: 'Outrigger-Consumer',
  deliveries: 'Outrigger-Deliveries',
  sequence: 'Outrigger-Original-Sequence',
} as const;

const OPTION_KEYS = new Set<string>([
  'url',
  'streamName',
  'subjectPrefix',
  'duplicateWindowMs',
  'streamConfig',
  'auth',
  'createIfMissing',
  'publishTimeoutMs',
  'connectTimeoutMs',
  'ackWaitMs',
  'defaultRetryMs',
  'pollMs',
  'name',
]);
const NAME = /^[A-Za-z0-9_-]+$/;

/** The URL without user info or query, safe for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<invalid url>';
  }
}

/** Why a nats.ws call failed, in words that name no secret. */
function describe(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'AUTHORIZATION_VIOLATION':
    case 'AUTHENTICATION_EXPIRED':
    case 'BAD_AUTHENTICATION':
    case 'BAD_CREDS':
      return 'authorization violation (check the EventBus accessSecret)';
    case 'TIMEOUT':
    case 'CONNECTION_TIMEOUT':
      return 'timed out';
    case 'CONNECTION_REFUSED':
      return 'connection refused';
    case '503':
      return 'no responders (JetStream disabled, or no stream captures the subject)';
    case 'CONNECTION_CLOSED':
      return 'connection closed';
    case 'DISCONNECT':
      return 'disconnected';
  }
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/[\r\n]+/g, ' ').slice(0, 300);
}

const AUTH_CODES = new Set([
  'AUTHORIZATION_VIOLATION',
  'AUTHENTICATION_EXPIRED',
  'BAD_AUTHENTICATION',
  'BAD_CREDS',
]);

/** A header value without line breaks, short enough for any server. */
function headerValue(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 1024);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface QueuedPublish {
  subject: string;
  body: Uint8Array;
  msgID: string;
  resolve: () => void;
  reject: (cause: unknown) => void;
}

/** Bus adapter for an existing (or locally created) JetStream, reached over websocket. */
export class JetStreamBus implements Bus {
  readonly url: string;
  readonly streamName: string;
  readonly subjectPrefix: string;
  private connected = true;
  private closed = false;
  private readonly consumers = new Map<string, Promise<ConsumerSpec>>();
  private readonly subscriptions = new Set<PullLoop>();
  /** Publishes waiting for the next turn of the event loop (see `publishSoon`). */
  private queued: QueuedPublish[] = [];
  private readonly publisher: JetStreamPublisher;

  private constructor(
    private readonly nats: NatsModule,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: Required<
      Pick<
        JetStreamBusOptions,
        'publishTimeoutMs' | 'ackWaitMs' | 'defaultRetryMs' | 'pollMs' | 'createIfMissing'
      >
    >,
    url: string,
    streamName: string,
    subjectPrefix: string,
  ) {
    this.url = url;
    this.streamName = streamName;
    this.subjectPrefix = subjectPrefix;
    this.publisher = new JetStreamPublisher(nc, nats.createInbox, nats.headers);
    void this.watchStatus();
  }

  /** Connects, checks (or creates) the stream, and fails fast with a BusError naming the URL. */
  static async connect(options: JetStreamBusOptions): Promise<JetStreamBus> {
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key))
        throw new BusError(`unknown JetStream bus option "${key}"`, { retryable: false });
    }
    const url = redactUrl(options.url);
    const streamName = options.streamName ?? 'default';
    const subjectPrefix = options.subjectPrefix ?? streamName;
    if (!NAME.test(streamName) || !NAME.test(subjectPrefix)) {
      throw new BusError(`JetStream stream name and subject prefix must match ${NAME}`, { retryable: false });
    }
    const settings = streamSettings(
      { streamName, subjectPrefix, duplicateWindowMs: options.duplicateWindowMs ?? 300_000 },
      await parseStreamConfig(options.streamConfig),
    );
    const nats = await loadNats();
    let nc: NatsConnection;
    try {
      nc = await connectNats(options.url, options.auth, {
        name: options.name ?? 'outrigger',
        timeout: options.connectTimeoutMs ?? 5_000,
        ...RECONNECT_FOREVER,
      });
    } catch (cause) {
      const code = (cause as { code?: unknown }).code;
      throw new BusError(`cannot connect to JetStream at ${url}: ${describe(cause)}`, {
        retryable: !AUTH_CODES.has(String(code)),
      });
    }
    try {
      const jsm = await nc.jetstreamManager();
      await JetStreamBus.ensureStream(jsm, settings, options.createIfMissing ?? false, url);
      return new JetStreamBus(
        nats,
        nc,
        nc.jetstream(),
        jsm,
        {
          publishTimeoutMs: options.publishTimeoutMs ?? 5_000,
          ackWaitMs: options.ackWaitMs ?? 30_000,
          defaultRetryMs: options.defaultRetryMs ?? 1_000,
          pollMs: options.pollMs ?? 5_000,
          createIfMissing: options.createIfMissing ?? false,
        },
        url,
        streamName,
        subjectPrefix,
      );
    } catch (err) {
      await nc.close();
      if (err instanceof OutriggerError) throw err;
      throw new BusError(`JetStream at ${url}: ${describe(err)}`);
    }
  }

  private static async ensureStream(
    jsm: JetStreamManager,
    settings: ReturnType<typeof streamSettings>,
    create: boolean,
    url: string,
  ): Promise<void> {
    try {
      await jsm.streams.info(settings.name);
      return;
    } catch (err) {
      if ((err as { api_error?: { err_code?: number } }).api_error?.err_code !== 10059) throw err;
    }
    if (!create) {
      throw new BusError(
        `JetStream stream "${settings.name}" not found at ${url}; create it (subjects ${settings.subjects[0]}) or run locally with createIfMissing`,
        { retryable: false },
      );
    }
    // The JSON API takes the same snake_case names; nats.ws's StreamConfig types them as enums.
    await jsm.streams.add(settings as unknown as Parameters<JetStreamManager['streams']['add']>[0]);
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === this.nats.Events.Disconnect) this.connected = false;
      if (status.type === this.nats.Events.Reconnect) {
        this.connected = true;
        // Pull requests died with the old connection's server; waiting on them would stall until the guard.
        for (const loop of this.subscriptions) loop.interrupt();
      }
    }
  }

  /** Largest message the server accepts (`max_payload`), in bytes. */
  get maxPayload(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  /** Subject dead letters of `consumer` are republished to. */
  dlqSubject(consumer: string): string {
    return `${this.subjectPrefix}.dlq.${consumer}`;
  }

  /** Resolves after the server's PubAck (a duplicate within the window counts as stored). */
  async publish(event: CloudEvent): Promise<void> {
    const subject = subjectOf(event, this.subjectPrefix);
    const body = encodeEventBytes(event);
    if (body.length > this.maxPayload) {
      throw new PayloadError(
        `event of ${body.length} bytes is larger than the bus accepts (JetStream max_payload ${this.maxPayload} bytes)`,
        { code: ErrorCode.PayloadTooLarge, statusCode: 413 },
      );
    }
    if (this.closed) throw new BusError(`JetStream bus for ${this.url} is closed`);
    // While disconnected nats.ws would buffer the request until its timeout: answer now instead.
    if (!this.connected) throw new BusError(`cannot publish to JetStream at ${this.url}: disconnected`);
    try {
      await this.publishSoon(subject, body, event.id);
    } catch (cause) {
      throw new BusError(
        `cannot publish to JetStream at ${this.url} (subject ${subject}): ${describe(cause)}`,
      );
    }
  }

  /**
   * Hands the publish to nats.ws at the next turn of the event loop, with every other publish of this turn.
   * nats.ws writes what was sent in one microtask flush as one websocket frame, and requests arrive in
   * separate I/O callbacks: sent at once, N concurrent webhooks cost N frames and N socket writes; sent
   * together, one. The wait is one turn (a few microseconds when idle).
   */
  private publishSoon(subject: string, body: Uint8Array, msgID: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ subject, body, msgID, resolve, reject });
      if (this.queued.length === 1) setImmediate(() => this.sendQueued());
    });
  }

  private sendQueued(): void {
    const batch = this.queued;
    this.queued = [];
    const timeout = this.options.publishTimeoutMs;
    for (const { subject, body, msgID, resolve, reject } of batch) {
      // Closed in the meantime: nats.ws would throw on the closed connection, outside any caller.
      if (this.closed) reject(new Error('bus closed before the publish was sent'));
      else this.publisher.publish(subject, body, msgID, timeout).then(resolve, reject);
    }
  }

  /** Creates or updates the durable pull consumer for `options` (cached per name). */
  ensureConsumer(options: ConsumerOptions): Promise<ConsumerSpec> {
    let spec = this.consumers.get(options.name);
    if (!spec) {
      spec = this.createConsumer(options);
      spec.catch(() => this.consumers.delete(options.name));
      this.consumers.set(options.name, spec);
    }
    return spec;
  }

  private async createConsumer(options: ConsumerOptions): Promise<ConsumerSpec> {
    if (!NAME.test(options.name)) {
      throw new BusError(`consumer name "${options.name}" must match ${NAME}`, { retryable: false });
    }
    if (options.subjects.length === 0)
      throw new BusError(`consumer "${options.name}" has no subjects`, { retryable: false });
    const maxDeliveries = options.maxDeliveries ?? 5;
    const spec: ConsumerSpec = {
      name: options.name,
      subjects: [...options.subjects],
      batchSize: options.batchSize ?? 10,
      maxDeliveries,
      wantsDlq: options.subjects.some((pattern) => pattern.split('.')[1] === 'dlq'),
    };
    const only = options.subjects.length === 1 ? options.subjects[0] : undefined;
    const wanted: Partial<ConsumerConfig> = {
      filter_subject: only ?? `${this.subjectPrefix}.*.*`,
      // One delivery beyond the last attempt: a record whose last attempt never settled (crash, timeout)
      // comes back once more and is dead-lettered instead of silently dropped by the server.
      max_deliver: maxDeliveries + 1,
      ack_wait: this.nats.nanos(this.options.ackWaitMs),
    };
    let info: ConsumerInfo | undefined;
    try {
      info = await this.jsm.consumers.info(this.streamName, options.name);
    } catch (err) {
      if ((err as { api_error?: { err_code?: number } }).api_error?.err_code !== 10014) {
        throw new BusError(`JetStream at ${this.url}: consumer "${options.name}": ${describe(err)}`);
      }
    }
    try {
      if (!info) {
        if (!this.options.createIfMissing) {
          throw new BusError(
            `JetStream consumer "${options.name}" not found in stream "${this.streamName}" at ${this.url}`,
            {
              retryable: false,
            },
          );
        }
        await this.jsm.consumers.add(this.streamName, {
          ...wanted,
          durable_name: options.name,
          ack_policy: this.nats.AckPolicy.Explicit,
          // As Argo: a new consumer starts at new messages rather than replaying the stream's history.
          deliver_policy: this.nats.DeliverPolicy.New,
        });
      } else if (
        info.config.filter_subject !== wanted.filter_subject ||
        info.config.max_deliver !== wanted.max_deliver ||
        info.config.ack_wait !== wanted.ack_wait
      ) {
        await this.jsm.consumers.update(this.streamName, options.name, wanted);
      }
    } catch (err) {
      if (err instanceof OutriggerError) throw err;
      throw new BusError(
        `JetStream at ${this.url}: cannot set up consumer "${options.name}": ${describe(err)}`,
      );
    }
    return spec;
  }

  /** Starts a pull loop that hands batches to `handler` until stopped. */
  async consume(options: ConsumerOptions, handler: BatchHandler): Promise<Subscription> {
    const spec = await this.ensureConsumer(options);
    const loop = new PullLoop(this, spec, handler, this.options.pollMs);
    this.subscriptions.add(loop);
    loop.start(() => this.subscriptions.delete(loop));
    return loop;
  }

  /** Fetches and handles batches until the consumer is empty, `maxBatches` or the deadline (Lambda drains). */
  async drain(
    options: ConsumerOptions,
    handler: BatchHandler,
    limits: DrainOptions = {},
  ): Promise<DrainResult> {
    const spec = await this.ensureConsumer(options);
    const deadline = Date.now() + (limits.deadlineMs ?? 60_000);
    const maxBatches = limits.maxBatches ?? Number.POSITIVE_INFINITY;
    const waitMs = limits.waitMs ?? 0;
    const result: DrainResult = { batches: 0, acked: 0, retried: 0, deadLettered: 0, skipped: 0 };
    const puller = this.puller(spec);
    try {
      while (result.batches < maxBatches && !this.closed) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        const messages = await this.nextBatch(spec, puller, Math.min(waitMs, left), left);
        if (messages.length === 0) break;
        const tally = await this.handleBatch(spec, messages, handler);
        result.batches++;
        result.acked += tally.acked;
        result.retried += tally.retried;
        result.deadLettered += tally.deadLettered;
        result.skipped += tally.skipped;
      }
    } finally {
      puller.close();
    }
    return result;
  }

  /** @internal A puller of `spec`'s consumer, with its own reply subscription. */
  puller(spec: ConsumerSpec): Puller {
    return new Puller(this.nc, this.nats.createInbox, this.streamName, spec.name);
  }

  /**
   * The next batch: what is ready now (a `no_wait` pull); when nothing is and `waitMs` allows, a pull of one
   * message with `expires` waits for the first arrival, then a `no_wait` pull takes what came with it.
   * Never a pull of many with `expires`: it would hold early arrivals until the batch fills or the pull
   * expires, long enough for their ack wait to run out, and an abandoned one keeps delivering to nobody.
   */
  async nextBatch(
    spec: ConsumerSpec,
    puller: Puller,
    waitMs: number,
    budgetMs: number,
  ): Promise<PulledMessage[]> {
    const ready = await this.pull(spec, puller, spec.batchSize, 0, budgetMs);
    if (ready.length > 0 || waitMs <= 0) return ready;
    // The first message after a quiet spell goes to the handler at once (no extra round trip for the rest):
    // latency matters more here, and whatever followed it is the next call's ready batch.
    return this.pull(spec, puller, 1, waitMs, budgetMs);
  }

  private async pull(
    spec: ConsumerSpec,
    puller: Puller,
    batch: number,
    waitMs: number,
    budgetMs: number,
  ): Promise<PulledMessage[]> {
    try {
      // A no_wait pull is answered at once; the guard covers a lost connection that answers nothing.
      return await puller.next({
        batch,
        ...(waitMs > 0 ? { expiresMs: Math.max(waitMs, 100) } : {}),
        guardMs: Math.max(budgetMs, waitMs + 1_000, 100),
      });
    } catch (err) {
      throw new BusError(
        `cannot fetch from JetStream at ${this.url} (consumer ${spec.name}): ${describe(err)}`,
      );
    }
  }

  /** @internal Hands a batch to the handler and settles every message. */
  async handleBatch(
    spec: ConsumerSpec,
    messages: PulledMessage[],
    handler: BatchHandler,
  ): Promise<Omit<DrainResult, 'batches'>> {
    const tally = { acked: 0, retried: 0, deadLettered: 0, skipped: 0 };
    const settlements: Promise<void>[] = [];
    const acks: PulledMessage[] = [];
    const handed: { message: PulledMessage; record: BusRecord }[] = [];
    for (const message of messages) {
      const deliveries = message.deliveryCount;
      if (!this.wanted(spec, message.subject)) {
        tally.skipped++;
        acks.push(message);
      } else if (deliveries > spec.maxDeliveries) {
        tally.deadLettered++;
        const reason = `not settled after ${spec.maxDeliveries} deliveries (handler crashed or timed out)`;
        settlements.push(this.deadLetter(spec, message, reason));
      } else {
        try {
          const { event, text } = decodeEnvelope(message.data);
          handed.push({
            message,
            record: { event, envelope: text, subject: message.subject, deliveryCount: deliveries },
          });
        } catch (err) {
          tally.deadLettered++;
          settlements.push(this.deadLetter(spec, message, `not a CloudEvent: ${describe(err)}`));
        }
      }
    }
    if (handed.length > 0) {
      const outcomes = await this.runHandler(handler, handed);
      if (this.closed) return tally;
      handed.forEach(({ message, record }, i) => {
        const outcome = outcomes[i] ?? { kind: 'retry', delayMs: this.options.defaultRetryMs };
        if (outcome.kind === 'ack') {
          tally.acked++;
          acks.push(message);
        } else if (outcome.kind === 'dead-letter' || record.deliveryCount >= spec.maxDeliveries) {
          tally.deadLettered++;
          const reason =
            outcome.kind === 'dead-letter'
              ? outcome.reason
              : `gave up after ${record.deliveryCount} deliveries${outcome.reason ? `: ${outcome.reason}` : ''}`;
          settlements.push(this.deadLetter(spec, message, reason));
        } else {
          tally.retried++;
          message.nak(Math.max(0, outcome.delayMs));
        }
      });
    }
    settlements.push(this.ackAll(acks));
    await Promise.all(settlements);
    // naks and terms are fire-and-forget: a flush makes sure the server has them before a Lambda freezes.
    const forgotten = tally.retried + tally.deadLettered > 0;
    if (forgotten && !this.closed) await this.nc.flush().catch(() => undefined);
    return tally;
  }

  private async runHandler(
    handler: BatchHandler,
    handed: { message: PulledMessage; record: BusRecord }[],
  ): Promise<RecordOutcome[]> {
    // Tell the server the batch is still being worked on, so a slow trigger is not redelivered
    // (Argo sends InProgress every 500 ms: pkg/eventbus/jetstream/sensor/trigger_conn.go).
    const every = Math.max(100, Math.floor(this.options.ackWaitMs / 3));
    const heartbeat = setInterval(() => {
      if (this.closed) return;
      for (const { message } of handed) message.working();
    }, every);
    try {
      return await handler(handed.map((h) => h.record));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return handed.map(() => ({ kind: 'retry', delayMs: this.options.defaultRetryMs, reason }));
    } finally {
      clearInterval(heartbeat);
    }
  }

  private wanted(spec: ConsumerSpec, subject: string): boolean {
    if (!spec.wantsDlq && subject.startsWith(`${this.subjectPrefix}.dlq.`)) return false;
    return spec.subjects.some((pattern) => subjectMatches(pattern, subject));
  }

  /**
   * Acks every message and confirms the last one: the drain returns only once the server has recorded them.
   * A consumer works through its acks in the order they arrive on the connection, so the last one's
   * confirmation covers the rest; one request a batch instead of one a message.
   */
  private async ackAll(messages: PulledMessage[]): Promise<void> {
    const last = messages.at(-1);
    if (!last) return;
    for (let i = 0; i < messages.length - 1; i++) messages[i]!.ack();
    await this.publisher.request(last.reply, ACK, this.options.publishTimeoutMs).catch(() => undefined);
  }

  /** Republishes to the dlq subject first, then terms: a failed republish naks instead, so nothing is lost. */
  private async deadLetter(spec: ConsumerSpec, message: PulledMessage, reason: string): Promise<void> {
    const headers: MsgHdrs = this.nats.headers();
    headers.set(DeadLetterHeaders.reason, headerValue(reason));
    headers.set(DeadLetterHeaders.subject, message.subject);
    headers.set(DeadLetterHeaders.consumer, spec.name);
    headers.set(DeadLetterHeaders.deliveries, String(message.deliveryCount));
    headers.set(DeadLetterHeaders.sequence, String(message.seq));
    const originalId = message.headers?.get('Nats-Msg-Id') || String(message.seq);
    try {
      await this.js.publish(this.dlqSubject(spec.name), message.data, {
        headers,
        msgID: `dlq.${spec.name}.${originalId}`,
        timeout: this.options.publishTimeoutMs,
      });
      message.term();
    } catch {
      message.nak(this.options.defaultRetryMs);
    }
  }

  /** @internal */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Stops every consumer and closes the connection at once. Records still inside a handler are not
   * settled: the server redelivers them after the ack wait (what a crash or a Lambda timeout does too).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const loop of this.subscriptions) loop.halt();
    this.publisher.close();
    await this.nc.close().catch(() => undefined);
  }
}

/** A running consumer: waits for a batch, hands it over, settles, repeats. */
class PullLoop implements Subscription {
  private running = true;
  private readonly puller: Puller;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: JetStreamBus,
    private readonly spec: ConsumerSpec,
    private readonly handler: BatchHandler,
    private readonly pollMs: number,
  ) {
    this.puller = bus.puller(spec);
  }

  start(onEnd: () => void): void {
    this.done = this.run().finally(() => {
      this.puller.close();
      onEnd();
    });
  }

  private async run(): Promise<void> {
    while (this.running && !this.bus.isClosed) {
      try {
        const batch = await this.bus.nextBatch(this.spec, this.puller, this.pollMs, this.pollMs + 5_000);
        // Messages that arrive after a stop are not handled: handed back, the server redelivers them.
        if (!this.running) handBack(batch);
        else if (batch.length > 0) await this.bus.handleBatch(this.spec, batch, this.handler);
      } catch {
        // A pull fails while the server is away; nats.ws reconnects on its own, so try again shortly.
        if (this.running) await sleep(250);
      }
    }
  }

  /** Abandons the pull being waited on (the loop opens a new one). */
  interrupt(): void {
    this.puller.abandon();
  }

  /** Stops pulling without waiting for the batch in flight. */
  halt(): void {
    this.running = false;
    this.puller.abandon();
  }

  /** Stops pulling; resolves once the batch in flight is settled. */
  async stop(): Promise<void> {
    this.halt();
    await this.done;
  }
}
