/**
 * The sensor StateStore in JetStream KV, with real compare-and-set.
 *
 * As Argo Events (argoproj/argo-events: pkg/eventbus/jetstream/sensor/sensor_jetstream.go) one bucket per
 * sensor, named after the sensor, with keys under `<trigger>/`. Argo saves each dependency's event under
 * `<trigger>/<dependency>`; a conditions update here must replace every saved event of a trigger at once,
 * which KV can only do atomically on one key, so the whole map lives under `<trigger>/Outrigger-Events`
 * and is written with `kv.create` (revision 0) or `kv.update(key, value, revision)`: of two concurrent
 * writers exactly one wins, the other gets "wrong last sequence" and reloads.
 *
 * Done markers (`<sensor>/<trigger>/<event ids>`, as the engine builds them) live in a second bucket
 * `<sensor>_done` whose max age bounds its growth; each marker also stores its own expiry, so a TTL
 * shorter than the bucket's is honoured, and an expired marker is replaced with a compare-and-set too.
 * Keys and bucket names keep `A-Z a-z 0-9 - _`; other characters are written `=XX` (UTF-8 hex).
 */

import { createHash } from 'node:crypto';
import type { JetStreamClient, KV, NatsConnection } from 'nats.ws';
import { BusError, OutriggerError } from '../../errors.ts';
import type { SensorEvent } from '../../events/envelope.ts';
import type { StateStore, TriggerState } from '../../sensors/state.ts';
import { connectNats, RECONNECT_FOREVER } from '../nats-client.ts';
import type { JetStreamAuth } from './index.ts';
import { redactUrl } from './index.ts';

export interface KvStateStoreOptions {
  /** Create buckets when missing (local runner); on AWS the deployment creates them. */
  createIfMissing?: boolean;
  /** Max age of the done-marker buckets when created (default 7 days): markers never outlive it. */
  doneMaxAgeMs?: number;
  /** Bucket for done keys that name no sensor (default `outrigger_done`). */
  fallbackDoneBucket?: string;
  /** KV request timeout (default 5 s). */
  timeoutMs?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

export interface KvStateStoreConnectOptions extends KvStateStoreOptions {
  /** `ws://` or `wss://` URL of the server's websocket listener. */
  url: string;
  auth?: JetStreamAuth;
}

/** Key under `<trigger>/` holding the trigger's saved events. */
export const EVENTS_KEY = 'Outrigger-Events';
/** The server's answer to a write whose expected revision is stale. */
const WRONG_LAST_SEQUENCE = 10071;
/** Longest key part kept readable; longer ones are hashed. */
const MAX_READABLE = 200;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A name part with every character outside `A-Z a-z 0-9 - _` written `=XX`. */
export function encodeKeyPart(part: string): string {
  const encoded = [...encoder.encode(part)]
    .map((byte) => {
      const c = String.fromCharCode(byte);
      return /[A-Za-z0-9_-]/.test(c) ? c : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  if (encoded.length <= MAX_READABLE) return encoded || '=';
  return `sha256-${createHash('sha256').update(part).digest('hex')}`;
}

/** The KV bucket of a sensor: its name, with characters a bucket name may not hold replaced by `_`. */
export function sensorBucket(sensor: string): string {
  return sensor.replace(/[^A-Za-z0-9_-]/g, '_');
}

function isWrongSequence(err: unknown): boolean {
  return (err as { api_error?: { err_code?: number } }).api_error?.err_code === WRONG_LAST_SEQUENCE;
}

/** StateStore on JetStream KV buckets, one per sensor. */
export class JetStreamKvStateStore implements StateStore {
  private readonly buckets = new Map<string, Promise<KV>>();
  private readonly now: () => number;
  private connection: NatsConnection | undefined;

  /** A store on an existing JetStream client (e.g. the bus's connection). */
  constructor(
    private readonly js: JetStreamClient,
    private readonly options: KvStateStoreOptions = {},
    private readonly where = 'JetStream',
  ) {
    this.now = options.now ?? Date.now;
  }

  /** A store with its own connection; fails with a BusError naming the URL (never the secret). */
  static async connect(options: KvStateStoreConnectOptions): Promise<JetStreamKvStateStore> {
    const url = redactUrl(options.url);
    let nc: NatsConnection;
    try {
      nc = await connectNats(options.url, options.auth, {
        name: 'outrigger-state',
        timeout: options.timeoutMs ?? 5_000,
        ...RECONNECT_FOREVER,
      });
    } catch (cause) {
      const code = String((cause as { code?: unknown }).code ?? 'error');
      throw new BusError(`cannot connect to JetStream KV at ${url}: ${code}`, {
        retryable: !/AUTH|CREDS/.test(code),
      });
    }
    const jetstream = nc.jetstream({ timeout: options.timeoutMs ?? 5_000 });
    const store = new JetStreamKvStateStore(jetstream, options, `JetStream KV at ${url}`);
    store.connection = nc;
    return store;
  }

  private bucket(name: string, done: boolean): Promise<KV> {
    let kv = this.buckets.get(name);
    if (!kv) {
      kv = this.openBucket(name, done);
      kv.catch(() => this.buckets.delete(name));
      this.buckets.set(name, kv);
    }
    return kv;
  }

  private async openBucket(name: string, done: boolean): Promise<KV> {
    const create = this.options.createIfMissing ?? false;
    try {
      const kv = await this.js.views.kv(name, {
        bindOnly: !create,
        history: 1,
        timeout: this.options.timeoutMs ?? 5_000,
        ...(done && create ? { ttl: this.options.doneMaxAgeMs ?? 7 * 24 * 3_600_000 } : {}),
      });
      // Binding does not look at the server: ask for the bucket's status so a missing one fails here.
      if (!create) await kv.status();
      return kv;
    } catch (err) {
      // Another process (or connection) created the same bucket a moment ago: it exists now, so bind to it.
      if (create && /subjects overlap|already in use/i.test(String((err as Error).message))) {
        return this.js.views.kv(name, { bindOnly: true, timeout: this.options.timeoutMs ?? 5_000 });
      }
      const missing = /not found|stream not found/i.test(String((err as Error).message));
      throw new BusError(
        missing && !create
          ? `KV bucket "${name}" not found in ${this.where}; the deployment creates it (locally, run with createIfMissing)`
          : `${this.where}: KV bucket "${name}": ${String((err as Error).message).slice(0, 200)}`,
        { retryable: !missing },
      );
    }
  }

  /** Runs a read; one whose answer did not come back in time is asked once more (a read is safe to repeat). */
  private async read<T>(bucket: string, run: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        if (err instanceof OutriggerError) throw err;
        if (attempt === 0 && (err as { code?: unknown }).code === 'TIMEOUT') continue;
        throw new BusError(
          `${this.where}: KV bucket "${bucket}": ${String((err as Error).message).slice(0, 200)}`,
        );
      }
    }
  }

  async load(sensor: string, trigger: string): Promise<TriggerState> {
    const name = sensorBucket(sensor);
    const kv = await this.bucket(name, false);
    const entry = await this.read(name, () => kv.get(`${encodeKeyPart(trigger)}/${EVENTS_KEY}`));
    if (entry?.operation !== 'PUT') return { events: {}, revision: 0 };
    const value = entry.json<{ events?: Record<string, SensorEvent> }>();
    return { events: value.events ?? {}, revision: entry.revision };
  }

  async compareAndSet(
    sensor: string,
    trigger: string,
    events: Record<string, SensorEvent>,
    revision: number,
  ): Promise<boolean> {
    const name = sensorBucket(sensor);
    const kv = await this.bucket(name, false);
    const key = `${encodeKeyPart(trigger)}/${EVENTS_KEY}`;
    const value = encoder.encode(JSON.stringify({ events }));
    try {
      if (revision === 0) await kv.create(key, value);
      else await kv.update(key, value, revision);
      return true;
    } catch (err) {
      if (isWrongSequence(err)) return false;
      throw new BusError(
        `${this.where}: KV bucket "${name}": ${String((err as Error).message).slice(0, 200)}`,
      );
    }
  }

  /** Bucket and key of a done marker: the sensor's done bucket when the key starts with `<sensor>/`. */
  private doneLocation(key: string): { bucket: string; key: string } {
    const slash = key.indexOf('/');
    if (slash <= 0)
      return { bucket: this.options.fallbackDoneBucket ?? 'outrigger_done', key: encodeKeyPart(key) };
    return { bucket: `${sensorBucket(key.slice(0, slash))}_done`, key: encodeKeyPart(key.slice(slash + 1)) };
  }

  async markDone(key: string, ttlMs: number): Promise<boolean> {
    const where = this.doneLocation(key);
    const kv = await this.bucket(where.bucket, true);
    const now = this.now();
    const value = encoder.encode(JSON.stringify({ expiresAtMs: now + Math.max(0, ttlMs) }));
    try {
      await kv.create(where.key, value);
      return true;
    } catch (err) {
      if (!isWrongSequence(err)) {
        throw new BusError(
          `${this.where}: KV bucket "${where.bucket}": ${String((err as Error).message).slice(0, 200)}`,
        );
      }
    }
    // Present: replace it only if it has expired, and only if nobody replaced it meanwhile.
    const entry = await this.read(where.bucket, () => kv.get(where.key));
    if (entry?.operation !== 'PUT') return this.markDone(key, ttlMs);
    if (expiryOf(entry.value) > now) return false;
    try {
      await kv.update(where.key, value, entry.revision);
      return true;
    } catch (err) {
      if (isWrongSequence(err)) return false;
      throw new BusError(
        `${this.where}: KV bucket "${where.bucket}": ${String((err as Error).message).slice(0, 200)}`,
      );
    }
  }

  async isDone(key: string): Promise<boolean> {
    const where = this.doneLocation(key);
    const kv = await this.bucket(where.bucket, true);
    const entry = await this.read(where.bucket, () => kv.get(where.key));
    return entry !== null && entry.operation === 'PUT' && expiryOf(entry.value) > this.now();
  }

  /** Closes the connection when the store opened its own. */
  async close(): Promise<void> {
    await this.connection?.close().catch(() => undefined);
  }
}

function expiryOf(value: Uint8Array): number {
  try {
    return Number((JSON.parse(decoder.decode(value)) as { expiresAtMs?: unknown }).expiresAtMs ?? 0);
  } catch {
    return 0;
  }
}
