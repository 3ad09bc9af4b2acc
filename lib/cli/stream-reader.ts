/**
 * Reads events back out of a JetStream stream for `outrigger replay`: an ephemeral pull consumer from
 * a start time on one subject filter, stopping at the end of the stream or the `until` time. Reading
 * creates no durable consumer and acknowledges nothing, so sensors' consumers are untouched.
 */

import type { JetStreamAuth } from '../bus/jetstream/index.ts';
import { redactUrl } from '../bus/jetstream/index.ts';
import { connectNats, loadNats } from '../bus/nats-client.ts';
import { BusError } from '../errors.ts';
import type { CloudEvent } from '../events/envelope.ts';
import { decodeForResend } from '../sensors/event-data.ts';

/** What to read. */
export interface StreamQuery {
  url: string;
  auth?: JetStreamAuth | undefined;
  stream: string;
  /** NATS subject filter, e.g. `default.*.*` or `default.dlq.my-sensor`. */
  subject: string;
  since?: Date | undefined;
  until?: Date | undefined;
  /** Stop after this many matching events. */
  limit?: number | undefined;
}

/** One stored message as an event, with where and when it was stored. */
export interface StoredEvent {
  event: CloudEvent;
  subject: string;
  sequence: number;
  storedAt: Date;
  /** Dead-letter headers (reason, original subject), when the message is one. */
  headers: Record<string, string>;
}

/** Reads the matching messages in stream order; messages that are not CloudEvents are skipped. */
export async function readStream(
  query: StreamQuery,
  onProgress?: (done: number, total: number) => void,
): Promise<{ events: StoredEvent[]; skipped: number }> {
  const nats = await loadNats();
  let nc: Awaited<ReturnType<typeof nats.connect>>;
  try {
    nc = await connectNats(query.url, query.auth, { name: 'outrigger-replay', timeout: 5_000 });
  } catch (err) {
    throw new BusError(`cannot connect to JetStream at ${redactUrl(query.url)}: ${(err as Error).message}`, {
      retryable: false,
    });
  }
  const events: StoredEvent[] = [];
  let skipped = 0;
  let cleanup: (() => Promise<unknown>) | undefined;
  try {
    const js = nc.jetstream();
    const jsm = await nc.jetstreamManager();
    // An ephemeral pull consumer without acks: the server deletes it after a minute of inactivity.
    const info = await jsm.consumers.add(query.stream, {
      ack_policy: nats.AckPolicy.None,
      filter_subject: query.subject,
      inactive_threshold: nats.nanos(60_000),
      ...(query.since
        ? { deliver_policy: nats.DeliverPolicy.StartTime, opt_start_time: query.since.toISOString() }
        : { deliver_policy: nats.DeliverPolicy.All }),
    });
    cleanup = () => jsm.consumers.delete(query.stream, info.name);
    const consumer = await js.consumers.get(query.stream, info.name);
    const total = info.num_pending;
    let seen = 0;
    while (seen < total) {
      const batch = await consumer.fetch({ max_messages: Math.min(256, total - seen), expires: 2_000 });
      let got = 0;
      for await (const message of batch) {
        got++;
        seen++;
        onProgress?.(seen, total);
        const storedAt = new Date(Math.floor(message.info.timestampNanos / 1e6));
        if (query.until && storedAt > query.until) {
          seen = total;
          break;
        }
        let event: CloudEvent;
        try {
          event = decodeForResend(message.data);
        } catch {
          skipped++;
          continue;
        }
        const headers: Record<string, string> = {};
        for (const key of message.headers?.keys() ?? []) headers[key] = message.headers?.get(key) ?? '';
        events.push({ event, subject: message.subject, sequence: message.seq, storedAt, headers });
        if (query.limit !== undefined && events.length >= query.limit) seen = total;
        if (seen >= total) break;
      }
      if (got === 0) break;
    }
  } catch (err) {
    if (err instanceof BusError) throw err;
    throw new BusError(
      `reading stream "${query.stream}" at ${redactUrl(query.url)}: ${(err as Error).message}`,
      {
        retryable: false,
      },
    );
  } finally {
    await cleanup?.().catch(() => undefined);
    await nc.close().catch(() => undefined);
  }
  return { events, skipped };
}
