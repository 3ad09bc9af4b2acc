import type { NatsConnection } from 'nats.ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JetStreamPublisher, PublishError, pubAckFailure } from '../../../lib/bus/jetstream/publisher.ts';
import { loadNats, type NatsModule } from '../../../lib/bus/nats-client.ts';
import { type NatsServer, requireNatsServer, startNatsServer } from '../../support/nats-server.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('pubAckFailure', () => {
  const headers = (code: number, description = '') => ({ code, hasError: code >= 300, description });

  it.each([
    ['a stored message', { data: bytes('{"stream":"S","seq":7}') }, undefined],
    ['a duplicate', { data: bytes('{"stream":"S","seq":7,"duplicate":true}') }, undefined],
    [
      'an API error',
      {
        data: bytes('{"error":{"code":400,"err_code":10060,"description":"expected stream does not match"}}'),
      },
      ['400', 'expected stream does not match'],
    ],
    ['no responders', { headers: headers(503), data: new Uint8Array() }, ['503', 'status 503']],
    ['text that is not JSON', { data: bytes('+OK') }, ['JESTREAM_INVALID_ACK', 'the PubAck is not JSON']],
    [
      'an ack without a stream',
      { data: bytes('{"seq":1}') },
      ['JESTREAM_INVALID_ACK', 'the PubAck names no stream'],
    ],
  ])('reads %s', (_name, msg, expected) => {
    // Act
    const failure = pubAckFailure(msg as Parameters<typeof pubAckFailure>[0]);

    // Assess
    if (expected === undefined) expect(failure).toBeUndefined();
    else expect([failure?.code, failure?.message]).toEqual(expected);
  });
});

describe.runIf(requireNatsServer())('JetStreamPublisher against nats-server', () => {
  let server: NatsServer;
  let nats: NatsModule;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer();
    nats = await loadNats();
    nc = await nats.connect({ servers: server.url });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'PUB', subjects: ['pub.>'], duplicate_window: 60_000_000_000 });
  });

  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  const publisher = () => new JetStreamPublisher(nc, nats.createInbox, nats.headers);

  it('stores each message id once, and resolves both publishes', async () => {
    // Prepare
    const sut = publisher();
    const jsm = await nc.jetstreamManager();
    const before = (await jsm.streams.info('PUB')).state.messages;

    // Act
    await Promise.all([
      sut.publish('pub.a', bytes('{"n":1}'), 'id-1', 2_000),
      sut.publish('pub.a', bytes('{"n":2}'), 'id-2', 2_000),
    ]);
    await sut.publish('pub.a', bytes('{"n":1}'), 'id-1', 2_000);

    // Assess
    expect((await jsm.streams.info('PUB')).state.messages - before).toBe(2);
    const stored = await jsm.streams.getMessage('PUB', { last_by_subj: 'pub.a' });
    expect(stored.header.get('Nats-Msg-Id')).toBe('id-2');
    sut.close();
  });

  it('rejects with 503 when no stream captures the subject', async () => {
    // Act
    const failure = await publisher()
      .publish('nowhere.a', bytes('{}'), 'id-x', 2_000)
      .catch((err: unknown) => err);

    // Assess
    expect(failure).toBeInstanceOf(PublishError);
    expect((failure as PublishError).code).toBe('503');
  });

  it('rejects with TIMEOUT when nothing answers in time, and ignores an answer after that', async () => {
    // Prepare: a plain subscriber that answers late.
    const late: { reply: string }[] = [];
    const sub = nc.subscribe('slow.a', { callback: (_err, msg) => late.push({ reply: msg.reply ?? '' }) });
    const sut = publisher();

    // Act
    const started = Date.now();
    const failure = await sut.publish('slow.a', bytes('{}'), 'id-slow', 150).catch((err: unknown) => err);
    nc.publish(late[0]!.reply, bytes('{"stream":"PUB","seq":1}'));
    await nc.flush();

    // Assess
    expect((failure as PublishError).code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    sub.unsubscribe();
    sut.close();
  });

  it('rejects on a closed connection instead of throwing', async () => {
    // Prepare
    const closed = await nats.connect({ servers: server.url });
    await closed.close();
    const sut = new JetStreamPublisher(closed, nats.createInbox, nats.headers);

    // Act
    const failure = await sut.publish('pub.a', bytes('{}'), 'id-closed', 1_000).catch((err: unknown) => err);

    // Assess
    expect(failure).toBeInstanceOf(PublishError);
    expect((failure as PublishError).code).toBe('CONNECTION_CLOSED');
  });

  it('fails what is waiting when closed', async () => {
    // Prepare
    const sub = nc.subscribe('mute.a', { callback: () => {} });
    const sut = publisher();
    const waiting = sut.publish('mute.a', bytes('{}'), 'id-mute', 5_000).catch((err: unknown) => err);
    await nc.flush();

    // Act
    sut.close();

    // Assess
    expect(((await waiting) as PublishError).code).toBe('CONNECTION_CLOSED');
    sub.unsubscribe();
  });
});
