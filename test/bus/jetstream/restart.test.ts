import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JetStreamBus } from '../../../lib/bus/jetstream/index.ts';
import { BusError } from '../../../lib/errors.ts';
import type { CloudEvent } from '../../../lib/events/envelope.ts';
import { type NatsServer, requireNatsServer, startNatsServer } from '../../support/nats-server.ts';
import { event, openBus, recorder, until } from './helpers.ts';

describe.runIf(requireNatsServer())('JetStreamBus across a nats-server restart', () => {
  let server: NatsServer;
  let bus: JetStreamBus | undefined;

  beforeAll(async () => {
    server = await startNatsServer();
  });

  afterAll(async () => {
    await bus?.close();
    await server?.stop();
  });

  it('fails publishes while the server is down, then resumes without losing an acknowledged event', async () => {
    // Given a file-backed stream with a consumer, and events published before the restart
    // A short ack wait: a message the server handed out just before it died reaches the client only when
    // the server redelivers it, which it does after the ack wait (30 s by default).
    bus = await openBus(server.url, 'restart', { publishTimeoutMs: 1_000, pollMs: 500, ackWaitMs: 2_000 });
    const options = { name: 'sensor-r', subjects: ['restart.src.evt'] };
    const { handler, seen } = recorder();
    const subscription = await bus.consume(options, handler);
    const stored: CloudEvent[] = [];
    for (let i = 0; i < 5; i++) {
      const e = event();
      await bus.publish(e);
      stored.push(e);
    }

    // When the server goes away
    await server.kill();
    const started = Date.now();
    const down = await bus.publish(event()).catch((err: unknown) => err);
    const failedIn = Date.now() - started;

    // Then the publish fails as a retryable BusError naming the URL, within the publish timeout
    expect(down).toBeInstanceOf(BusError);
    expect(down).toMatchObject({ retryable: true, statusCode: 503 });
    expect((down as Error).message).toContain(server.url);
    expect(failedIn).toBeLessThan(1_500);

    // When it comes back on the same store, and the bus reconnects on its own
    await server.start();
    const after = event();
    await until(
      () =>
        bus!
          .publish(after)
          .then(() => true)
          .catch(() => false),
      10_000,
      'publishing again',
    );
    stored.push(after);
    for (let i = 0; i < 4; i++) {
      const e = event();
      await bus.publish(e);
      stored.push(e);
    }

    // Then the running consumer receives every acknowledged event (at least once)
    const ids = () => new Set(seen.map((s) => s.record.event.id));
    await until(() => ids().size === stored.length, 10_000, 'every stored event');
    await subscription.stop();
    expect([...ids()].sort()).toEqual(stored.map((e) => e.id).sort());
  });
});
