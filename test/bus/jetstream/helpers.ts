/** Shared pieces of the JetStream bus tests: events, handlers that record, polling. */
import type { JetStreamManager, NatsConnection } from 'nats.ws';
import type { JetStreamBusOptions } from '../../../lib/bus/jetstream/index.ts';
import { JetStreamBus } from '../../../lib/bus/jetstream/index.ts';
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

import { until } from '../../support/bus-consumer.ts';

export { recorder, until } from '../../support/bus-consumer.ts';

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

/**
 * Waits until `consumer` of `stream` counts `count` undelivered messages. The server acknowledges a publish
 * once stored and tells consumers a moment later, so a `no_wait` pull right after a publish may miss it.
 */
export async function pendingFor(
  url: string,
  stream: string,
  consumer: string,
  count: number,
): Promise<void> {
  const { nc, jsm } = await inspector(url);
  try {
    await until(
      async () => (await jsm.consumers.info(stream, consumer)).num_pending >= count,
      5_000,
      `${count} pending messages for ${consumer}`,
    );
  } finally {
    await nc.close();
  }
}
