import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterHeaders, JetStreamBus } from '../../../lib/bus/jetstream/index.ts';
import { deadLetter, retryAfter } from '../../../lib/bus/port.ts';
import { BusError, ErrorCode, PayloadError } from '../../../lib/errors.ts';
import { newEvent } from '../../../lib/events/envelope.ts';
import { type NatsServer, requireNatsServer, startNatsServer } from '../../support/nats-server.ts';
import { event, inspector, openBus, pendingFor, recorder, until } from './helpers.ts';

/** Reads one `HMSG` off a plain NATS connection subscribed to `subject`: what goes over the wire. */
async function rawSubscriber(natsUrl: string, subject: string) {
  const { hostname, port } = new URL(natsUrl);
  const socket = tcpConnect(Number(port), hostname);
  let buffer = Buffer.alloc(0);
  let waiter: (() => void) | undefined;
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    waiter?.();
  });
  const next = () => new Promise<void>((resolve) => (waiter = resolve));
  const until = async (test: () => boolean) => {
    while (!test()) await next();
  };
  await until(() => buffer.includes('\r\n'));
  buffer = Buffer.alloc(0);
  socket.write(
    `CONNECT {"verbose":false,"pedantic":false,"headers":true,"protocol":1}\r\nSUB ${subject} 1\r\nPING\r\n`,
  );
  await until(() => buffer.includes('PONG\r\n'));
  buffer = Buffer.alloc(0);
  return {
    async message(): Promise<{ subject: string; headers: string; body: string }> {
      let line = '';
      await until(() => {
        const text = buffer.toString('latin1');
        const start = text.indexOf('HMSG ');
        if (start < 0) return false;
        const end = text.indexOf('\r\n', start);
        if (end < 0) return false;
        line = text.slice(start, end);
        const total = Number(line.split(' ').at(-1));
        return buffer.length >= end + 2 + total + 2;
      });
      const text = buffer.toString('latin1');
      // HMSG <subject> <sid> [reply-to] <header bytes> <total bytes>
      const [, subj] = line.split(' ');
      const [headerLength, totalLength] = line.split(' ').slice(-2);
      const payload = buffer.subarray(text.indexOf(line) + line.length + 2);
      return {
        subject: subj ?? '',
        headers: payload.subarray(0, Number(headerLength)).toString('utf8'),
        body: payload.subarray(Number(headerLength), Number(totalLength)).toString('utf8'),
      };
    },
    close: () => socket.destroy(),
  };
}

describe.runIf(requireNatsServer())('JetStreamBus against nats-server', () => {
  let server: NatsServer;
  const buses: JetStreamBus[] = [];
  const release: (() => void)[] = [];
  const open = async (stream: string, options: Parameters<typeof openBus>[2] = {}) => {
    const bus = await openBus(server.url, stream, options);
    buses.push(bus);
    return bus;
  };

  beforeAll(async () => {
    server = await startNatsServer();
  });

  afterAll(async () => {
    for (const free of release) free();
    for (const bus of buses) await bus.close();
    await server?.stop();
  });

  it('writes the subject, headers and body that Argo Events writes', async () => {
    // Given a plain NATS subscriber on Argo's subjects, and an event as a GitHub source builds it
    const bus = await open('default');
    const raw = await rawSubscriber(server.natsUrl, 'default.>');
    const published = newEvent({
      id: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
      source: 'github',
      subject: 'push',
      type: 'github',
      time: new Date('2024-05-01T10:00:00.123Z'),
      data: {
        headers: { 'X-Github-Event': ['push'] },
        body: { ref: 'refs/heads/main', title: 'fix <b> & \u2028' },
      },
    });
    // When it is published
    const [message] = await Promise.all([raw.message(), bus.publish(published)]);
    raw.close();
    // Then the wire carries what nats.go writes for js.Publish(subject, body, nats.MsgId(id)) and sdk-go's
    // structured JSON (cloudevents/sdk-go v2 event/event_marshal.go: context keys in this order, then data),
    // HTML-escaped as Go's json.Marshal(event) leaves it (argoproj/argo-events: pkg/eventsources/eventing.go)
    expect(message.subject).toBe('default.github.push');
    expect(message.headers).toBe('NATS/1.0\r\nNats-Msg-Id: f0e1d2c3b4a5968778695a4b3c2d1e0f\r\n\r\n');
    expect(message.body).toBe(
      '{"specversion":"1.0","id":"f0e1d2c3b4a5968778695a4b3c2d1e0f","source":"github","type":"github",' +
        '"subject":"push","datacontenttype":"application/json","time":"2024-05-01T10:00:00.123Z",' +
        '"data":{"headers":{"X-Github-Event":["push"]},"body":{"ref":"refs/heads/main","title":"fix \\u003cb\\u003e \\u0026 \\u2028"}}}',
    );
  });

  it('hands published events to a running consumer and acks them', async () => {
    // Given a consumer on one subject
    const bus = await open('roundtrip');
    const { handler, seen } = recorder();
    const sub = await bus.consume({ name: 'sensor-a', subjects: ['roundtrip.src.evt'] }, handler);
    const events = [event(), event(), event()];
    // When three events are published
    for (const e of events) await bus.publish(e);
    await until(() => seen.length === 3, 5_000, 'three records');
    await sub.stop();
    // Then each came once, first delivery, and nothing is left pending or unacked
    expect(seen.map((s) => s.record.event.id)).toEqual(events.map((e) => e.id));
    expect(seen.map((s) => [s.record.subject, s.record.deliveryCount])).toEqual(
      events.map(() => ['roundtrip.src.evt', 1]),
    );
    const { nc, jsm } = await inspector(server.url);
    const info = await jsm.consumers.info('roundtrip', 'sensor-a');
    await nc.close();
    expect([info.num_pending, info.num_ack_pending]).toEqual([0, 0]);
  });

  it('stores an event id once within the duplicate window, and both publishes succeed', async () => {
    // Given an event
    const bus = await open('dedup');
    const once = event();
    // When it is published twice, then another event once
    await bus.publish(once);
    await bus.publish({ ...once });
    await bus.publish(event());
    // Then the stream holds two messages
    const { nc, jsm } = await inspector(server.url);
    const info = await jsm.streams.info('dedup');
    await nc.close();
    expect(info.state.messages).toBe(2);
  });

  it('sends the publishes of one turn together, and fails one still queued at close with a BusError', async () => {
    // Given a bus and 20 events published at once
    const bus = await openBus(server.url, 'together');
    const all = await Promise.all(Array.from({ length: 20 }, () => bus.publish(event())));
    const { nc, jsm } = await inspector(server.url);
    expect((await jsm.streams.info('together')).state.messages).toBe(all.length);
    await nc.close();
    // When one more is published and the bus closes before the next turn
    const late = bus.publish(event()).catch((err: unknown) => err);
    await bus.close();
    // Then it is refused, not thrown out of the event loop
    const failure = await late;
    expect(failure).toBeInstanceOf(BusError);
    expect((failure as BusError).message).toContain('bus closed before the publish was sent');
  });

  it('redelivers a record after the delay its retry asked for', async () => {
    // Given a handler that asks for a retry in 400 ms on first delivery
    const bus = await open('nak');
    const { handler, seen } = recorder((record) =>
      record.deliveryCount === 1 ? retryAfter(400, 'later') : { kind: 'ack' },
    );
    const sub = await bus.consume({ name: 'sensor-a', subjects: ['nak.src.evt'], maxDeliveries: 3 }, handler);
    // When an event is published
    await bus.publish(event());
    await until(() => seen.length === 2, 5_000, 'redelivery');
    await sub.stop();
    // Then it came back once, no sooner than the delay
    const [first, second] = seen;
    expect(second?.record.deliveryCount).toBe(2);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(390);
  });

  it('dead-letters a record after maxDeliveries attempts onto the dlq subject with the reason', async () => {
    // Given a handler that always asks for a retry, and a consumer allowing three deliveries
    const bus = await open('dlq');
    const { handler, seen } = recorder(() => retryAfter(20, 'apiserver answered 503'));
    const sub = await bus.consume({ name: 'sensor-a', subjects: ['dlq.src.evt'], maxDeliveries: 3 }, handler);
    const failing = event();
    // When an event is published
    await bus.publish(failing);
    const { nc, jsm } = await inspector(server.url);
    await until(
      () =>
        jsm.streams
          .getMessage('dlq', { last_by_subj: 'dlq.dlq.sensor-a' })
          .then(() => true)
          .catch(() => false),
      5_000,
      'a dead letter',
    );
    await sub.stop();
    const letter = await jsm.streams.getMessage('dlq', { last_by_subj: 'dlq.dlq.sensor-a' });
    const consumer = await jsm.consumers.info('dlq', 'sensor-a');
    await nc.close();
    // Then the handler saw it three times, the dead letter carries the event and why, and it is settled
    expect(seen.map((s) => s.record.deliveryCount)).toEqual([1, 2, 3]);
    expect(JSON.parse(new TextDecoder().decode(letter.data)).id).toBe(failing.id);
    expect(letter.header.get(DeadLetterHeaders.reason)).toBe(
      'gave up after 3 deliveries: apiserver answered 503',
    );
    expect(letter.header.get(DeadLetterHeaders.subject)).toBe('dlq.src.evt');
    expect(letter.header.get(DeadLetterHeaders.consumer)).toBe('sensor-a');
    expect(consumer.num_ack_pending).toBe(0);
  });

  it('dead-letters at once when the handler says so, and keeps dead letters from wildcard consumers', async () => {
    // Given one consumer that dead-letters everything and one that takes every event of the stream
    const bus = await open('dlq2');
    const failing = recorder(() => deadLetter('template names a missing key'));
    const everything = recorder();
    await bus.ensureConsumer({ name: 'wide', subjects: ['dlq2.*.*'] });
    await bus.ensureConsumer({ name: 'strict', subjects: ['dlq2.src.evt'] });
    const poisoned = event();
    // When an event is published and drained by both
    await bus.publish(poisoned);
    await pendingFor(server.url, 'dlq2', 'strict', 1);
    await pendingFor(server.url, 'dlq2', 'wide', 1);
    const strict = await bus.drain({ name: 'strict', subjects: ['dlq2.src.evt'] }, failing.handler);
    const wide = await bus.drain({ name: 'wide', subjects: ['dlq2.*.*'] }, everything.handler);
    // Then the first dead-lettered it after one attempt, and the wildcard consumer got the event, not the letter
    expect(strict).toMatchObject({ deadLettered: 1, acked: 0 });
    expect(failing.seen.map((s) => s.record.deliveryCount)).toEqual([1]);
    expect(everything.seen.map((s) => s.record.subject)).toEqual(['dlq2.src.evt']);
    expect(wide.skipped).toBe(1);
  });

  it('acks events of other subjects without handing them over to a consumer of several subjects', async () => {
    // Given a consumer of two subjects (nats-server 2.9 filters one: the adapter filters the rest)
    const bus = await open('multi');
    const options = { name: 'sensor-m', subjects: ['multi.github.push', 'multi.hook.*'] };
    await bus.ensureConsumer(options);
    const { handler, seen } = recorder();
    // When events of three subjects are published
    const wantedA = event('github', 'push');
    const other = event('github', 'issues');
    const wantedB = event('hook', 'any');
    for (const e of [wantedA, other, wantedB]) await bus.publish(e);
    await pendingFor(server.url, 'multi', 'sensor-m', 3);
    const result = await bus.drain(options, handler);
    // Then only the two subscribed ones reach the handler, and all three are settled
    expect(seen.map((s) => s.record.event.id)).toEqual([wantedA.id, wantedB.id]);
    expect(result).toMatchObject({ acked: 2, skipped: 1 });
  });

  it('redelivers the unsettled records of a consumer killed mid-batch to the next consumer', async () => {
    // Given a consumer that acks its first batch and then hangs (a crash or a frozen Lambda)
    const options = { name: 'sensor-k', subjects: ['kill.src.evt'], batchSize: 4 };
    const first = await open('kill', { ackWaitMs: 1_000 });
    await first.ensureConsumer(options);
    const events = Array.from({ length: 10 }, () => event());
    for (const e of events) await first.publish(e);
    const hung: string[] = [];
    const acked: string[] = [];
    const sub = await first.consume(options, async (records) => {
      if (acked.length > 0) {
        hung.push(...records.map((r) => r.event.id));
        await new Promise<void>((resolve) => release.push(resolve));
      }
      acked.push(...records.map((r) => r.event.id));
      return records.map(() => ({ kind: 'ack' }));
    });
    await until(() => hung.length > 0, 5_000, 'the second batch');
    // When the process dies mid-batch and another consumer takes over
    await first.close();
    void sub;
    const second = await open('kill', { ackWaitMs: 1_000 });
    const { handler, seen } = recorder();
    const result = await second.drain(options, handler, { waitMs: 1_500, deadlineMs: 8_000 });
    // Then everything not acked comes, once: the hung batch as a redelivery; nothing acked comes back
    const redelivered = seen.map((s) => s.record.event.id);
    expect(acked.length).toBeGreaterThan(0);
    expect([...redelivered].sort()).toEqual(
      events
        .map((e) => e.id)
        .filter((id) => !acked.includes(id))
        .sort(),
    );
    expect(new Set(redelivered).size).toBe(redelivered.length);
    const counts = seen.map((s) => [s.record.event.id, s.record.deliveryCount]);
    // A redelivery counts at least 2; on a loaded machine an ack wait can lapse once more before the ack.
    expect(counts.filter(([id]) => hung.includes(String(id))).every(([, n]) => Number(n) >= 2)).toBe(true);
    expect(counts.filter(([id]) => hung.includes(String(id)))).toHaveLength(hung.length);
    expect(counts.filter(([id]) => !hung.includes(String(id))).every(([, n]) => n === 1)).toBe(true);
    expect(result.acked).toBe(redelivered.length);
  });

  it('never hands one message to two concurrent drains of one consumer', async () => {
    // Given twenty events waiting for a consumer, and two drains (two Lambda invocations) of it
    const options = { name: 'sensor-d', subjects: ['drain.src.evt'], batchSize: 3 };
    const a = await open('drain');
    const b = await open('drain');
    await a.ensureConsumer(options);
    const events = Array.from({ length: 20 }, () => event());
    for (const e of events) await a.publish(e);
    await pendingFor(server.url, 'drain', 'sensor-d', 20);
    const slow = () =>
      new Promise<{ kind: 'ack' }>((resolve) => setTimeout(() => resolve({ kind: 'ack' }), 30));
    const left = recorder(slow);
    const right = recorder(slow);
    // When both drain at once
    const [ra, rb] = await Promise.all([a.drain(options, left.handler), b.drain(options, right.handler)]);
    // Then each event went to exactly one of them, and both did part of the work
    const ids = [...left.seen, ...right.seen].map((s) => s.record.event.id);
    expect([...ids].sort()).toEqual(events.map((e) => e.id).sort());
    expect(left.seen.length).toBeGreaterThan(0);
    expect(right.seen.length).toBeGreaterThan(0);
    expect(ra.acked + rb.acked).toBe(20);
  });

  it('stops a drain at maxBatches and leaves the rest for the next one', async () => {
    // Given seven waiting events
    const options = { name: 'sensor-b', subjects: ['batches.src.evt'], batchSize: 2 };
    const bus = await open('batches');
    await bus.ensureConsumer(options);
    for (let i = 0; i < 7; i++) await bus.publish(event());
    await pendingFor(server.url, 'batches', 'sensor-b', 7);
    // When a drain may take two batches
    const first = await bus.drain(options, recorder().handler, { maxBatches: 2 });
    const rest = await bus.drain(options, recorder().handler);
    // Then it took four, and the next drain the other three
    expect([first.batches, first.acked]).toEqual([2, 4]);
    expect(rest.acked).toBe(3);
  });

  it('refuses an event larger than max_payload with a 413 naming the limit', async () => {
    // Given an event of about 1.1 MiB (the server default max_payload is 1 MiB)
    const bus = await open('large');
    const large = event('src', 'evt', { body: 'x'.repeat(1_150_000) });
    // When it is published
    const error = await bus.publish(large).catch((err: unknown) => err);
    // Then
    expect(error).toBeInstanceOf(PayloadError);
    expect(error).toMatchObject({ code: ErrorCode.PayloadTooLarge, statusCode: 413 });
    expect((error as Error).message).toContain(`max_payload ${bus.maxPayload} bytes`);
  });

  it('fails to start on a missing stream without createIfMissing, naming stream and URL', async () => {
    // When
    const error = await JetStreamBus.connect({ url: server.url, streamName: 'absent' }).catch(
      (err: unknown) => err,
    );
    // Then
    expect(error).toBeInstanceOf(BusError);
    expect((error as Error).message).toContain(`"absent" not found at ${server.url}`);
  });
});
