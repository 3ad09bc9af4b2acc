import type { NatsConnection } from 'nats.ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_KEY, encodeKeyPart, JetStreamKvStateStore } from '../../../lib/bus/jetstream/kv-state.ts';
import { BusError } from '../../../lib/errors.ts';
import { type NatsServer, requireNatsServer, startNatsServer } from '../../support/nats-server.ts';
import { contractOverStores, saved } from './contract.ts';

describe.runIf(requireNatsServer())('JetStreamKvStateStore against nats-server', () => {
  let server: NatsServer;

  beforeAll(async () => {
    server = await startNatsServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  const open = contractOverStores(
    (now, options: Partial<Parameters<typeof JetStreamKvStateStore.connect>[0]> | undefined) =>
      JetStreamKvStateStore.connect({ url: server.url, createIfMissing: true, now, ...options }),
  );

  it('keeps state in a bucket named after the sensor, under <trigger>/', async () => {
    // Given events saved for sensor "webhook-sensor", trigger "deploy"
    const store = await open();
    const event = saved();
    await store.compareAndSet('webhook-sensor', 'deploy', { push: event }, 0);

    // When the bucket is read with a plain nats.ws client
    const scope = globalThis as { WebSocket?: unknown };
    if (scope.WebSocket === undefined) scope.WebSocket = (await import('ws')).WebSocket;
    const { connect } = await import('nats.ws');
    const nc: NatsConnection = await connect({ servers: server.url });
    const kv = await nc.jetstream().views.kv('webhook-sensor', { bindOnly: true });
    const entry = await kv.get(`deploy/${EVENTS_KEY}`);
    await nc.close();

    // Then the key holds the saved events as JSON
    expect(entry?.json()).toEqual({ events: { push: event } });
  });

  it('asks a read once more when its answer does not come back in time', async () => {
    // Given saved state, and a server that freezes for longer than one request may wait
    const store = await open({ timeoutMs: 500 });
    const event = saved();
    await store.compareAndSet('frozen-sensor', 'deploy', { push: event }, 0);
    const frozen = server.pause(700);

    // When the sensor loads its state during the freeze
    const state = await store.load('frozen-sensor', 'deploy');
    await frozen;

    // Then the first get timed out after 500 ms, the second was answered once the server woke up
    expect(state.events).toEqual({ push: event });
  });

  it('lets two stores create the same new bucket at once', async () => {
    // Given two stores that may create buckets, and sensors whose buckets do not exist yet
    const [a, b] = [await open(), await open()];
    const sensors = Array.from({ length: 20 }, (_, i) => `racing-sensor-${i}`);

    // When both use each new bucket at the same moment (one create loses the race to the other)
    const states = await Promise.all(sensors.flatMap((s) => [a.load(s, 'deploy'), b.load(s, 'deploy')]));

    // Then both bind to the bucket the winner created
    expect(states).toHaveLength(40);
    for (const state of states) expect(state).toEqual({ events: {}, revision: 0 });
  });

  it('refuses to use a missing bucket unless it may create it', async () => {
    // When a store that may not create buckets loads a sensor that has none
    const store = await open({ createIfMissing: false });
    const error = await store.load('no-such-sensor', 'deploy').catch((err: unknown) => err);

    // Then it names the bucket
    expect(error).toBeInstanceOf(BusError);
    expect((error as Error).message).toContain('KV bucket "no-such-sensor" not found');
  });

  it('fails with a BusError naming the URL when the server is unreachable, never the token', async () => {
    // When a store connects to a port nobody listens on, with a token
    const error = await JetStreamKvStateStore.connect({
      url: 'ws://127.0.0.1:9',
      auth: { token: 's3cr3t-token' },
      timeoutMs: 1_000,
    }).catch((err: unknown) => err);

    // Then it names the URL and not the token
    expect(error).toBeInstanceOf(BusError);
    expect((error as Error).message).toContain('ws://127.0.0.1:9');
    expect((error as Error).message).not.toContain('s3cr3t-token');
  });

  it('encodes key parts so that only safe characters remain', () => {
    expect(encodeKeyPart('deploy-1_a')).toBe('deploy-1_a');
    expect(encodeKeyPart('a/b c.é')).toBe('a=2Fb=20c=2E=C3=A9');
  });
});
