import type { JetStreamClient, JetStreamManager, Msg, NatsConnection } from 'nats.ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulledMessage, Puller } from '../../../lib/bus/jetstream/puller.ts';
import { loadNats, type NatsModule } from '../../../lib/bus/nats-client.ts';
import { type NatsServer, requireNatsServer, startNatsServer } from '../../support/nats-server.ts';
import { event, inspector, openBus, pendingFor, until } from './helpers.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

describe('PulledMessage', () => {
  const published: [string, string][] = [];
  const nc = { publish: (subject: string, data: Uint8Array) => published.push([subject, text(data)]) };
  const message = (reply: string) =>
    new PulledMessage(nc as unknown as NatsConnection, { subject: 's.a', data: bytes('x'), reply } as Msg);

  it.each([
    ['a server without domains', '$JS.ACK.S.c1.3.41.40.1795771102441314221.2', 3, 41],
    ['a server naming domain and account', '$JS.ACK.hub.ACC.S.c1.2.7.6.1795771102441314221.0.tok', 2, 7],
    ['the same without the final token', '$JS.ACK.hub.ACC.S.c1.1.9.9.1795771102441314221.0', 1, 9],
  ])('reads delivery count and stream sequence from the ack subject of %s', (_, reply, deliveries, seq) => {
    // Act
    const sut = message(reply);

    // Assert
    expect([sut.deliveryCount, sut.seq]).toEqual([deliveries, seq]);
  });

  it('settles on its ack subject with the verbs nats-server reads', () => {
    // Prepare
    published.length = 0;
    const sut = message('$JS.ACK.S.c1.1.1.1.1.0');

    // Act
    sut.ack();
    sut.nak(1_500);
    sut.working();
    sut.term();

    // Assert
    expect(published.map(([subject, body]) => `${subject} ${body}`)).toEqual([
      '$JS.ACK.S.c1.1.1.1.1.0 +ACK',
      '$JS.ACK.S.c1.1.1.1.1.0 -NAK {"delay":1500000000}',
      '$JS.ACK.S.c1.1.1.1.1.0 +WPI',
      '$JS.ACK.S.c1.1.1.1.1.0 +TERM',
    ]);
  });
});

describe.runIf(requireNatsServer())('Puller against nats-server', () => {
  let server: NatsServer;
  let nats: NatsModule;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let js: JetStreamClient;
  let consumers = 0;

  beforeAll(async () => {
    server = await startNatsServer();
    nats = await loadNats();
    nc = await nats.connect({ servers: server.url });
    jsm = await nc.jetstreamManager();
    js = nc.jetstream();
    await jsm.streams.add({ name: 'PULL', subjects: ['pull.>'] });
  });

  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  /** A fresh durable consumer on its own subject, with `count` messages waiting. */
  async function consumerWith(count: number, ackWaitMs = 30_000): Promise<{ name: string; subject: string }> {
    const name = `c${++consumers}`;
    const subject = `pull.${name}`;
    await jsm.consumers.add('PULL', {
      durable_name: name,
      filter_subject: subject,
      ack_policy: nats.AckPolicy.Explicit,
      ack_wait: nats.nanos(ackWaitMs),
    });
    for (let i = 0; i < count; i++) await js.publish(subject, bytes(`m${i}`));
    await pendingFor(server.url, 'PULL', name, count);
    return { name, subject };
  }

  const pullerOf = (name: string) => new Puller(nc, nats.createInbox, 'PULL', name);

  it('answers a no_wait pull with what is ready, ending at the server’s status when there is less', async () => {
    // Prepare
    const { name } = await consumerWith(3);
    const sut = pullerOf(name);

    // Act
    const first = await sut.next({ batch: 10, guardMs: 5_000 });
    const second = await sut.next({ batch: 10, guardMs: 5_000 });
    sut.close();

    // Assert
    expect(first.map((m) => [text(m.data), m.deliveryCount])).toEqual([
      ['m0', 1],
      ['m1', 1],
      ['m2', 1],
    ]);
    expect(second).toEqual([]);
  });

  it('stops a batch at its size and hands the rest to the next pull', async () => {
    // Prepare
    const { name } = await consumerWith(5);
    const sut = pullerOf(name);

    // Act
    const first = await sut.next({ batch: 2, guardMs: 5_000 });
    const second = await sut.next({ batch: 10, guardMs: 5_000 });
    sut.close();

    // Assert
    expect(first.map((m) => text(m.data))).toEqual(['m0', 'm1']);
    expect(second.map((m) => text(m.data))).toEqual(['m2', 'm3', 'm4']);
  });

  it('waits up to expires for the first message of a quiet consumer', async () => {
    // Prepare
    const { name, subject } = await consumerWith(0);
    const sut = pullerOf(name);
    const started = Date.now();

    // Act
    const waiting = sut.next({ batch: 1, expiresMs: 5_000, guardMs: 10_000 });
    setTimeout(() => void js.publish(subject, bytes('late')), 150);
    const got = await waiting;
    const empty = await sut.next({ batch: 1, expiresMs: 200, guardMs: 5_000 });
    sut.close();

    // Assert
    expect(got.map((m) => text(m.data))).toEqual(['late']);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(empty).toEqual([]);
  });

  it('keeps what an abandoned pull delivers later and hands it over next, without a second pull', async () => {
    // Prepare
    const { name, subject } = await consumerWith(0);
    const sut = pullerOf(name);
    const waiting = sut.next({ batch: 1, expiresMs: 5_000, guardMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    sut.abandon();
    const abandoned = await waiting;

    // Act
    await js.publish(subject, bytes('after'));
    await until(
      async () => (await jsm.consumers.info('PULL', name)).num_ack_pending === 1,
      5_000,
      'delivery',
    );
    const next = await sut.next({ batch: 10, guardMs: 5_000 });
    sut.close();

    // Assert
    expect(abandoned).toEqual([]);
    expect(next.map((m) => text(m.data))).toEqual(['after']);
  });

  it('redelivers a nak’d message with its delivery count raised, and never a termed one', async () => {
    // Prepare
    const { name } = await consumerWith(2);
    const sut = pullerOf(name);
    const [kept, dropped] = await sut.next({ batch: 2, guardMs: 5_000 });

    // Act
    kept!.nak(0);
    dropped!.term();
    const again = await (async () => {
      for (let i = 0; i < 50; i++) {
        const batch = await sut.next({ batch: 10, guardMs: 5_000 });
        if (batch.length > 0) return batch;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return [];
    })();
    for (const m of again) m.ack();
    const later = await sut.next({ batch: 10, expiresMs: 300, guardMs: 5_000 });
    sut.close();

    // Assert
    expect(again.map((m) => [text(m.data), m.deliveryCount, m.seq])).toEqual([['m0', 2, kept!.seq]]);
    expect(later).toEqual([]);
  });

  it('rejects a waiting pull with the server’s status when its consumer is deleted', async () => {
    // Prepare
    const { name } = await consumerWith(0);
    const sut = pullerOf(name);
    const waiting = sut.next({ batch: 1, expiresMs: 5_000, guardMs: 10_000 }).catch((err: Error) => err);
    await until(async () => (await jsm.consumers.info('PULL', name)).num_waiting === 1, 5_000, 'the pull');

    // Act
    await jsm.consumers.delete('PULL', name);
    const failure = await waiting;
    sut.close();

    // Assert
    expect(String(failure)).toBe('Error: 409 Consumer Deleted');
  });

  it('resolves with nothing once its guard runs out on a server that never answers', async () => {
    // Prepare: a subject nothing serves stands in for a lost server (no status ever comes back).
    const sut = new Puller(
      { ...nc, publish: () => undefined, subscribe: nc.subscribe.bind(nc) } as unknown as NatsConnection,
      nats.createInbox,
      'PULL',
      'nobody',
    );
    const started = Date.now();

    // Act
    const got = await sut.next({ batch: 1, guardMs: 150 });
    sut.close();

    // Assert
    expect(got).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe.runIf(requireNatsServer())('JetStreamBus drains through the puller', () => {
  let server: NatsServer;

  beforeAll(async () => {
    server = await startNatsServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('hands every message of a backlog over, leaving none delivered and unhandled', async () => {
    // Prepare: nats.ws's fetch ended a batch when one message reported nothing pending while others of the
    // same pull were still on their way; those waited out their ack wait (1–3 of 5,000 in batches of 100).
    const bus = await openBus(server.url, 'BACKLOG');
    const total = 3_000;
    await bus.ensureConsumer({ name: 'backlog', subjects: ['BACKLOG.src.evt'], batchSize: 100 });
    for (let i = 0; i < total; i += 100) {
      await Promise.all(Array.from({ length: 100 }, () => bus.publish(event('src', 'evt'))));
    }
    const seen = new Set<string>();

    // Act
    const result = await bus.drain(
      { name: 'backlog', subjects: ['BACKLOG.src.evt'], batchSize: 100 },
      async (records) => {
        for (const record of records) seen.add(record.event.id);
        return records.map(() => ({ kind: 'ack' as const }));
      },
    );
    const { nc, jsm } = await inspector(server.url);
    const info = await jsm.consumers.info('BACKLOG', 'backlog');
    await nc.close();
    await bus.close();

    // Assert
    expect([seen.size, result.acked]).toEqual([total, total]);
    expect([info.num_pending, info.num_ack_pending]).toEqual([0, 0]);
  });
});
