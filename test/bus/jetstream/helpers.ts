/** Shared pieces of the JetStream bus tests: events, handlers that record, polling. */
import type { JetStreamManager, NatsConnection } from 'nats.ws';
import type { JetStreamBusOptions } from '../../../lib/bus/jetstream/index.ts';
import { JetStreamBus } from '../../../lib/bus/jetstream/index.ts';
import type { BatchHandler, BusRecord, RecordOutcome } from '../../../lib/bus/port.ts';
import type { CloudEvent } from '../../../lib/events/envelope.ts';
import { newEvent } from '../../../lib/events/envelope.ts';

let counter = 0;

/** A webhook-like event with a unique id. */
export function event(source = 'src', subject = 'evt', data: unknown = { n: counter }): CloudEvent {
  counter++;
  return newEvent({
    source,
    subject,
    type: 'webhook',
    data,
    id: `ev${process.pid}x${counter}x${Date.now()}`,
  });
}

/** A bus with its own stream, created on the spot. */
export function openBus(url: string, streamName: string, options: Partial<JetStreamBusOptions> = {}) {
  return JetStreamBus.connect({ url, streamName, createIfMissing: true, ...options });
}

/** A handler that records every record it sees and answers with `decide` (ack by default). */
export function recorder(
  decide: (record: BusRecord, call: number) => RecordOutcome | Promise<RecordOutcome> = () => ({
    kind: 'ack',
  }),
) {
  const seen: { record: BusRecord; at: number; call: number }[] = [];
  let calls = 0;
  const handler: BatchHandler = async (records) => {
    const call = ++calls;
    const outcomes: RecordOutcome[] = [];
    for (const record of records) {
      seen.push({ record, at: Date.now(), call });
      outcomes.push(await decide(record, call));
    }
    return outcomes;
  };
  return { handler, seen, calls: () => calls };
}

/** Polls `check` until it is true or `timeoutMs` passes. */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A raw nats.ws connection for looking at the stream from outside the adapter. */
export async function inspector(
  url: string,
  auth: { token?: string } = {},
): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  const scope = globalThis as { WebSocket?: unknown };
  if (scope.WebSocket === undefined) scope.WebSocket = (await import('ws')).WebSocket;
  const { connect } = await import('nats.ws');
  const nc = await connect({ servers: url, ...auth });
  return { nc, jsm: await nc.jetstreamManager() };
}
