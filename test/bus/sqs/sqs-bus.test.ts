import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ack, deadLetter, retryAfter } from '../../../lib/bus/port.ts';
import type { SqsBus } from '../../../lib/bus/sqs/index.ts';
import { SqsAttributes, sensorQueueNames } from '../../../lib/bus/sqs/index.ts';
import { BusError, ErrorCode, PayloadError } from '../../../lib/errors.ts';
import { encodeEvent } from '../../../lib/events/envelope.ts';
import { type Fauxqs, startFauxqs } from '../../support/fauxqs.ts';
import { event, openSqsBus, rawClient, recorder, uniquePrefix, until } from './helpers.ts';

describe('SqsBus against fauxqs', () => {
  let fauxqs: Fauxqs;
  const buses: SqsBus[] = [];
  const open = async (options: Parameters<typeof openSqsBus>[1]) => {
    const bus = await openSqsBus(fauxqs.endpoint, options);
    buses.push(bus);
    return bus;
  };

  beforeAll(async () => {
    fauxqs = await startFauxqs();
  });

  afterAll(async () => {
    for (const bus of buses) await bus.close();
    await fauxqs?.stop();
  });

  it('delivers a published event to the sensor queue, with id, source and subject attributes', async () => {
    // Given a bus routing src.evt to sensor "s1", and a raw client to look at the queue
    const prefix = uniquePrefix();
    const bus = await open({ routes: { 'src.evt': ['s1'] }, queueNamePrefix: prefix });
    const raw = rawClient(fauxqs.endpoint);
    const sent = event('src', 'evt', { hello: '<world>' });

    // When the event is published and the queue is read from outside
    await bus.publish(sent);
    const [message] = await raw.receive(`${prefix}s1`);
    raw.close();

    // Then the body is the CloudEvent JSON as on every bus, and the attributes name the event
    expect(message?.Body).toBe(encodeEvent(sent));
    expect(message?.MessageAttributes?.[SqsAttributes.id]?.StringValue).toBe(sent.id);
    expect(message?.MessageAttributes?.[SqsAttributes.source]?.StringValue).toBe('src');
    expect(message?.MessageAttributes?.[SqsAttributes.subject]?.StringValue).toBe('evt');
  });

  it('hands the event to a consumer and deletes it once acknowledged', async () => {
    // Given a consumer of sensor "s1"
    const prefix = uniquePrefix();
    const bus = await open({ routes: { 'src.evt': ['s1'] }, queueNamePrefix: prefix });
    const seen = recorder();
    const sub = await bus.consume({ name: 's1', subjects: ['default.src.evt'] }, seen.handler);
    const sent = event();

    // When an event is published
    await bus.publish(sent);
    await until(() => seen.seen.length === 1, 5_000, 'delivery');
    await sub.stop();

    // Then the record carries the event, the bus subject and the first delivery, and the queue is empty
    const [first] = seen.seen;
    expect(first?.record.event).toEqual(sent);
    expect(first?.record.subject).toBe('default.src.evt');
    expect(first?.record.deliveryCount).toBe(1);
    await until(() => fauxqs.inspect(`${prefix}s1`)?.inflight === 0, 3_000, 'delete');
    expect(fauxqs.inspect(`${prefix}s1`)).toMatchObject({ ready: 0, inflight: 0, delayed: 0 });
  });

  it('fans an event out to the queue of every sensor that depends on it, and only those', async () => {
    // Given src.evt routed to sensors a and b, and src.other to a only
    const prefix = uniquePrefix();
    const bus = await open({
      routes: { 'src.evt': ['a', 'b'], 'src.other': ['a'] },
      queueNamePrefix: prefix,
    });
    const both = event('src', 'evt');
    const onlyA = event('src', 'other');
    const nobody = event('src', 'unrouted');

    // When the three events are published
    await bus.publish(both);
    await bus.publish(onlyA);
    await bus.publish(nobody);

    // Then a's queue has two messages, b's one, and the unrouted event went nowhere
    const ids = (name: string) =>
      (fauxqs.inspect(`${prefix}${name}`)?.bodies ?? []).map((b) => JSON.parse(b).id).sort();
    expect(ids('a')).toEqual([both.id, onlyA.id].sort());
    expect(ids('b')).toEqual([both.id]);
  });

  it('sends several events with SendMessageBatch, ten to a request', async () => {
    // Given twelve events for one sensor
    const prefix = uniquePrefix();
    const bus = await open({ routes: { 'src.evt': ['s1'] }, queueNamePrefix: prefix });
    const events = Array.from({ length: 12 }, () => event());

    // When they are published as a batch
    await bus.publishBatch(events);

    // Then all twelve are in the queue
    const bodies = fauxqs.inspect(`${prefix}s1`)?.bodies ?? [];
    expect(bodies.map((b) => JSON.parse(b).id).sort()).toEqual(events.map((e) => e.id).sort());
  });

  it('keeps one message per event id on FIFO queues', async () => {
    // Given a FIFO bus
    const prefix = uniquePrefix();
    const bus = await open({ routes: { 'src.evt': ['s1'] }, queueNamePrefix: prefix, fifo: true });
    const sent = event();
    const other = event();

    // When the same event is published three times, and another once
    await bus.publish(sent);
    await bus.publish({ ...sent, data: { resent: true } });
    await bus.publish(sent);
    await bus.publish(other);

    // Then the FIFO queue holds each id once, the first copy kept
    const name = sensorQueueNames(prefix, 's1', true).queue;
    expect(name.endsWith('.fifo')).toBe(true);
    const bodies = (fauxqs.inspect(name)?.bodies ?? []).map((b) => JSON.parse(b));
    expect(bodies.map((b) => b.id)).toEqual([sent.id, other.id]);
    expect(bodies[0].data).toEqual(sent.data);
  });

  it('redelivers a retried record after its delay, through the visibility timeout', async () => {
    // Given a consumer that asks for a retry in one second on the first delivery
    const prefix = uniquePrefix();
    const bus = await open({ routes: { 'src.evt': ['s1'] }, queueNamePrefix: prefix });
    const seen = recorder((record) => (record.deliveryCount === 1 ? retryAfter(1_000, 'not yet') : ack));
    const sub = await bus.consume({ name: 's1', subjects: ['default.src.*'] }, seen.handler);

    // When an event is published
    await bus.publish(event());
    await until(() => seen.seen.length === 2, 8_000, 'redelivery');
    await sub.stop();

    // Then it came back as delivery 2, no sooner than the delay
    const [first, second] = seen.seen;
    expect(second?.record.deliveryCount).toBe(2);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('dead-letters a record that keeps failing after maxDeliveries, with the reason', async () => {
    // Given a consumer allowing two deliveries that always retries at once
    const prefix = uniquePrefix();
    const bus = await open({ routes: { 'src.evt': ['s1'] }, queueNamePrefix: prefix, maxDeliveries: 2 });
    const seen = recorder(() => retryAfter(0, 'apiserver said 503'));
    const sub = await bus.consume(
      { name: 's1', subjects: ['default.src.evt'], maxDeliveries: 2 },
      seen.handler,
    );
    const sent = event();

    // When an event is published
    await bus.publish(sent);
    const raw = rawClient(fauxqs.endpoint);
    let dead: Awaited<ReturnType<typeof raw.receive>> = [];
    await until(
      async () => {
        dead = await raw.receive(`${prefix}s1-dlq`);
        return dead.length > 0;
      },
      8_000,
      'dead letter',
    );
    await sub.stop();
    raw.close();

    // Then it was handed over twice, then landed in the DLQ with the reason and the delivery count
    expect(seen.seen.map((s) => s.record.deliveryCount)).toEqual([1, 2]);
    const [message] = dead;
    expect(JSON.parse(message?.Body ?? '{}').id).toBe(sent.id);
    const attributes = message?.MessageAttributes ?? {};
    expect(attributes[SqsAttributes.reason]?.StringValue).toBe(
      'gave up after 2 deliveries: apiserver said 503',
    );
    expect(attributes[SqsAttributes.deliveries]?.StringValue).toBe('2');
    expect(attributes[SqsAttributes.queue]?.StringValue).toBe(`${prefix}s1`);
    expect(attributes[SqsAttributes.id]?.StringValue).toBe(sent.id);
    expect(fauxqs.inspect(`${prefix}s1`)).toMatchObject({ ready: 0, inflight: 0 });
  });

  it('dead-letters at once when the handler says so', async () => {
    // Given a consumer that dead-letters everything
    const prefix = uniquePrefix();
    const bus = await open({ routes: { 'src.evt': ['s1'] }, queueNamePrefix: prefix });
    const seen = recorder(() => deadLetter('template renders no object'));
    const sub = await bus.consume({ name: 's1', subjects: ['default.src.evt'] }, seen.handler);

    // When an event is published
    await bus.publish(event());
    await until(() => (fauxqs.inspect(`${prefix}s1-dlq`)?.ready ?? 0) === 1, 5_000, 'dead letter');
    await sub.stop();

    // Then it was handed over once and the DLQ has it with the handler's reason
    const raw = rawClient(fauxqs.endpoint);
    const [message] = await raw.receive(`${prefix}s1-dlq`);
    raw.close();
    expect(seen.seen).toHaveLength(1);
    expect(message?.MessageAttributes?.[SqsAttributes.reason]?.StringValue).toBe(
      'template renders no object',
    );
  });

  it('lets the redrive policy dead-letter a record whose consumer keeps dying', async () => {
    // Given a queue with a one-second visibility timeout and two deliveries, and a consumer that never settles
    const prefix = uniquePrefix();
    const options = {
      routes: { 'src.evt': ['s1'] },
      queueNamePrefix: prefix,
      maxDeliveries: 2,
      visibilityTimeoutSec: 1,
    };
    const bus = await open(options);
    await bus.publish(event());
    for (let attempt = 1; attempt <= 2; attempt++) {
      const dying = await open(options);
      const seen = recorder(() => new Promise<never>(() => undefined));
      await dying.consume({ name: 's1', subjects: ['default.src.evt'], maxDeliveries: 2 }, seen.handler);
      await until(() => seen.seen.length === 1, 5_000, `delivery ${attempt}`);
      // When the consumer dies mid-batch (its process is gone: nothing settles)
      expect(seen.seen[0]?.record.deliveryCount).toBe(attempt);
      await dying.close();
    }

    // Then after the last visibility timeout the next receive moves it to the DLQ
    const survivor = await open(options);
    const late = recorder();
    const sub = await survivor.consume(
      { name: 's1', subjects: ['default.src.evt'], maxDeliveries: 2 },
      late.handler,
    );
    await until(() => (fauxqs.inspect(`${prefix}s1-dlq`)?.ready ?? 0) === 1, 8_000, 'redrive');
    await sub.stop();
    expect(late.seen).toHaveLength(0);
  });

  it('refuses an event over 1 MiB with 413 naming the limit, before sending anything', async () => {
    // Given two sensors subscribed to the event
    const prefix = uniquePrefix();
    const bus = await open({ routes: { 'src.evt': ['a', 'b'] }, queueNamePrefix: prefix });
    const big = event('src', 'evt', { blob: 'x'.repeat(1_048_576) });

    // When it is published
    const error = await bus.publish(big).catch((err: unknown) => err);

    // Then it is a 413 PayloadError naming SQS's limit, and neither queue got anything
    expect(error).toBeInstanceOf(PayloadError);
    expect(error).toMatchObject({ code: ErrorCode.PayloadTooLarge, statusCode: 413 });
    expect(String((error as Error).message)).toContain('1048576 bytes');
    expect(fauxqs.inspect(`${prefix}a`)?.ready).toBe(0);
    expect(fauxqs.inspect(`${prefix}b`)?.ready).toBe(0);
    // And an event just under the limit goes through
    const fits = event('src', 'evt', { blob: '' });
    const room = 1_048_576 - Buffer.byteLength(encodeEvent(fits)) - 200;
    await bus.publish({ ...fits, data: { blob: 'y'.repeat(room) } });
    expect(fauxqs.inspect(`${prefix}a`)?.ready).toBe(1);
  });

  it('never hands a message to two concurrent consumers within its visibility timeout', async () => {
    // Given two buses consuming the same sensor queue with a slow handler
    const prefix = uniquePrefix();
    const options = { routes: { 'src.evt': ['s1'] }, queueNamePrefix: prefix, visibilityTimeoutSec: 10 };
    const one = await open(options);
    const two = await open(options);
    const slow = () => new Promise<typeof ack>((resolve) => setTimeout(() => resolve(ack), 30));
    const first = recorder(slow);
    const second = recorder(slow);
    const subs = [
      await one.consume({ name: 's1', subjects: ['default.src.evt'], batchSize: 3 }, first.handler),
      await two.consume({ name: 's1', subjects: ['default.src.evt'], batchSize: 3 }, second.handler),
    ];

    // When twenty events are published
    const events = Array.from({ length: 20 }, () => event());
    await one.publishBatch(events);
    await until(() => first.seen.length + second.seen.length >= 20, 15_000, 'all deliveries');
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const sub of subs) await sub.stop();

    // Then every event was handled exactly once overall
    const ids = [...first.seen, ...second.seen].map((s) => s.record.event.id).sort();
    expect(ids).toEqual(events.map((e) => e.id).sort());
    expect(first.seen.length).toBeGreaterThan(0);
    expect(second.seen.length).toBeGreaterThan(0);
  });

  it('fails publishes with a BusError naming the endpoint while SQS is down, and loses nothing acknowledged', async () => {
    // Given a consumer running and events flowing
    const prefix = uniquePrefix();
    const options = { routes: { 'src.evt': ['s1'] }, queueNamePrefix: prefix, maxAttempts: 1 };
    const bus = await open(options);
    const seen = recorder();
    const sub = await bus.consume({ name: 's1', subjects: ['default.src.evt'] }, seen.handler);
    const acknowledged: string[] = [];
    for (let i = 0; i < 3; i++) {
      const e = event();
      await bus.publish(e);
      acknowledged.push(e.id);
    }

    // When the service goes away, a publish fails
    await fauxqs.kill();
    const error = await bus.publish(event()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BusError);
    expect((error as BusError).statusCode).toBe(503);
    expect((error as Error).message).toContain(fauxqs.endpoint);
    expect((error as Error).message).not.toContain('test-secret-never-shown');

    // And when it comes back, publishing and consuming resume
    await fauxqs.start();
    for (let i = 0; i < 3; i++) {
      const e = event();
      await bus.publish(e);
      acknowledged.push(e.id);
    }
    await until(
      () => acknowledged.every((id) => seen.seen.some((s) => s.record.event.id === id)),
      10_000,
      'every acknowledged event',
    );
    await sub.stop();
    expect(new Set(seen.seen.map((s) => s.record.event.id))).toEqual(new Set(acknowledged));
  });

  it('fails to connect with a BusError naming an unreachable endpoint', async () => {
    // Given an endpoint nobody listens on
    const endpoint = 'http://127.0.0.1:9';

    // When a bus connects to it
    const error = await openSqsBus(endpoint, { routes: { 'src.evt': ['s1'] }, maxAttempts: 1 }).catch(
      (err: unknown) => err,
    );

    // Then the error is a retryable BusError that names the endpoint
    expect(error).toBeInstanceOf(BusError);
    expect((error as BusError).retryable).toBe(true);
    expect((error as Error).message).toContain('cannot reach SQS at http://127.0.0.1:9');
  });

  it('fails to connect with a BusError naming a queue that does not exist, unless it may create it', async () => {
    // Given a prefix whose queues were never created
    const prefix = uniquePrefix();

    // When a bus that may not create queues connects
    const error = await openSqsBus(fauxqs.endpoint, {
      routes: { 'src.evt': ['s1'] },
      queueNamePrefix: prefix,
      createIfMissing: false,
    }).catch((err: unknown) => err);

    // Then it names the missing queue and is not worth retrying
    expect(error).toBeInstanceOf(BusError);
    expect((error as BusError).retryable).toBe(false);
    expect((error as Error).message).toContain(`"${prefix}s1-dlq" not found at ${fauxqs.endpoint}`);
  });
});
