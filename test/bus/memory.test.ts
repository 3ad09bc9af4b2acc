import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LOG_LIMIT, MemoryBus } from '../../lib/bus/memory/index.ts';
import { newEvent } from '../../lib/events/envelope.ts';

const event = (id: string) => newEvent({ source: 'src', subject: 'sub', type: 'webhook', id, data: { id } });

describe('the memory bus replay log and duplicate window', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps only the latest logLimit events, in publish order', async () => {
    // Prepare
    const bus = new MemoryBus({ logLimit: 3 });

    // Act
    for (let i = 0; i < 10; i++) await bus.publish(event(`e${i}`));

    // Assess
    expect(bus.log.map((e) => e.id)).toEqual(['e7', 'e8', 'e9']);
  });

  it('keeps every event up to the default limit', async () => {
    // Prepare
    const bus = new MemoryBus();

    // Act
    for (let i = 0; i < DEFAULT_LOG_LIMIT + 5; i++) await bus.publish(event(`e${i}`));

    // Assess
    expect(bus.log).toHaveLength(DEFAULT_LOG_LIMIT);
    expect(bus.log[0]!.id).toBe('e5');
    expect(bus.log.at(-1)!.id).toBe(`e${DEFAULT_LOG_LIMIT + 4}`);
  });

  it('keeps no log with a limit of 0 but still delivers and deduplicates', async () => {
    // Prepare
    const bus = new MemoryBus({ logLimit: 0 });
    const delivered: string[] = [];
    await bus.consume({ name: 'c', subjects: ['default.>'] }, async (records) =>
      records.map((r) => {
        delivered.push(r.event.id);
        return { kind: 'ack' as const };
      }),
    );

    // Act
    await bus.publish(event('a'));
    await bus.publish(event('a'));
    await bus.idle();

    // Assess
    expect(bus.log).toEqual([]);
    expect(delivered).toEqual(['a']);
  });

  it('forgets ids once the duplicate window has passed, so the id set stays bounded', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(0);
    const bus = new MemoryBus({ duplicateWindowMs: 1_000 });
    for (let i = 0; i < 50; i++) await bus.publish(event(`old${i}`));

    // Act
    vi.setSystemTime(500);
    await bus.publish(event('old0'));
    const withinWindow = bus.log.length;
    vi.setSystemTime(1_000);
    await bus.publish(event('new'));
    const rememberedAfterWindow = bus.rememberedIds;
    await bus.publish(event('old1'));

    // Assess
    expect(withinWindow).toBe(50);
    expect(rememberedAfterWindow).toBe(1);
    expect(bus.log.slice(-2).map((e) => e.id)).toEqual(['new', 'old1']);
  });

  it('prunes from the oldest id still remembered, after part of the window has gone', async () => {
    // Prepare: a at 0, b at 600, c at 1,000 (which forgets a)
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(0);
    const bus = new MemoryBus({ duplicateWindowMs: 1_000 });
    await bus.publish(event('a'));
    vi.setSystemTime(600);
    await bus.publish(event('b'));
    vi.setSystemTime(1_000);
    await bus.publish(event('c'));
    const afterFirstPrune = bus.rememberedIds;

    // Act: b is still a duplicate at 1,500 and no longer one at 1,700
    vi.setSystemTime(1_500);
    await bus.publish(event('b'));
    vi.setSystemTime(1_700);
    await bus.publish(event('b'));

    // Assess
    expect(afterFirstPrune).toBe(2);
    expect(bus.log.map((e) => e.id)).toEqual(['a', 'b', 'c', 'b']);
    expect(bus.rememberedIds).toBe(2);
  });

  it('measures a re-published id from its latest acceptance', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(0);
    const bus = new MemoryBus({ duplicateWindowMs: 1_000 });
    await bus.publish(event('x'));
    await bus.publish(event('y'));
    vi.setSystemTime(1_200);
    await bus.publish(event('x'));

    // Act
    vi.setSystemTime(1_900);
    await bus.publish(event('x'));
    await bus.publish(event('y'));

    // Assess
    expect(bus.log.map((e) => e.id)).toEqual(['x', 'y', 'x', 'y']);
  });
});

describe('the memory bus consumer under a backlog', () => {
  it('delivers a backlog of 200,000 events once each, in order, in full batches, and retries a failure', async () => {
    // Given a publisher far ahead of its consumer (the local runner under a burst), and one record that
    // fails once
    const bus = new MemoryBus({ logLimit: 0, defaultRetryMs: 10 });
    const seen: string[] = [];
    const sizes: number[] = [];
    let failedOnce = false;
    await bus.consume({ name: 's', subjects: ['default.src.sub'], batchSize: 50 }, async (records) => {
      sizes.push(records.length);
      return records.map((r) => {
        if (r.event.id === 'e100' && !failedOnce) {
          failedOnce = true;
          return { kind: 'retry' as const, delayMs: 5 };
        }
        seen.push(r.event.id);
        return { kind: 'ack' as const };
      });
    });
    const count = 200_000;
    const started = performance.now();
    for (let i = 0; i < count; i++) await bus.publish(event(`e${i}`));

    // When the consumer catches up
    await bus.idle();
    const elapsed = performance.now() - started;

    // Then every event came once, in publish order apart from the retried one, which came back
    expect(seen).toHaveLength(count);
    expect(new Set(seen).size).toBe(count);
    expect(seen.filter((id) => id !== 'e100')).toEqual(
      Array.from({ length: count }, (_, i) => `e${i}`).filter((id) => id !== 'e100'),
    );
    expect(sizes.filter((n) => n === 50).length).toBeGreaterThanOrEqual(count / 50 - 2);
    // Taking a batch does not cost the backlog's length (it did: 200,000 events took minutes)
    expect(elapsed).toBeLessThan(20_000);
    await bus.close();
  });
});

describe('the memory bus consumer and memory', () => {
  it('lets go of records once handed over, while a backlog remains and once it is drained', async () => {
    // Prepare: a collector that sees garbage at once (a retained payload gets promoted and costs old-space
    // collections: 8% of the local runner's CPU when handed-over records stayed in the queue).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const bus = new MemoryBus({ logLimit: 0 });
    let refs: WeakRef<object>[] = [];
    const liveDuringSecondBatch: number[] = [];
    let batches = 0;
    await bus.consume({ name: 's', subjects: ['default.src.sub'], batchSize: 2 }, async (records) => {
      if (++batches === 2) {
        await new Promise((resolve) => setImmediate(resolve));
        gc();
        refs.forEach((ref, i) => {
          if (ref.deref() !== undefined) liveDuringSecondBatch.push(i);
        });
      }
      return records.map(() => ({ kind: 'ack' as const }));
    });
    refs = publishAll(bus, 5);

    // Act
    await bus.idle();
    await new Promise((resolve) => setImmediate(resolve));
    gc();

    // Assert: the first batch was gone while the second was handled; the rest once the queue drained.
    expect(liveDuringSecondBatch).toEqual([2, 3, 4]);
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    await bus.close();
  });
});

/** Publishes `count` events with payloads only the bus refers to; WeakRefs to those payloads. */
function publishAll(bus: MemoryBus, count: number): WeakRef<object>[] {
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < count; i++) {
    const payload = { body: `payload ${i}`.repeat(100) };
    refs.push(new WeakRef(payload));
    void bus.publish(
      newEvent({ source: 'src', subject: 'sub', type: 'webhook', id: `gc-${i}`, data: payload }),
    );
  }
  return refs;
}
