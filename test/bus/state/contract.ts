/**
 * The StateStore contract every durable adapter passes: compare-and-set that lets exactly one of two
 * concurrent writers win, no lost updates under contention, and done markers that expire.
 */
import { afterAll, expect, it } from 'vitest';
import type { SensorEvent } from '../../../lib/events/envelope.ts';
import type { StateStore } from '../../../lib/sensors/state.ts';

/** Two stores over the same backend (separate clients, as two Lambda containers), and a clock to move. */
export interface StoreFixture {
  one: StateStore;
  two: StateStore;
  /** Moves the stores' clock forward. */
  advance(ms: number): void;
}

let counter = 0;

/** A saved event as the engine stores it. */
export function saved(id = `e${++counter}`): SensorEvent {
  return {
    context: {
      id,
      source: 'github',
      specversion: '1.0',
      type: 'github',
      datacontenttype: 'application/json',
      subject: 'push',
      time: '2024-05-01T10:00:00Z',
    },
    data: { ref: 'refs/heads/main', note: 'é <&> ✓' },
  };
}

/** A store the suite opens and must close after the file. */
export type ClosableStore = StateStore & { close(): unknown };

/**
 * Registers the contract over stores `connect` opens on one clock the tests move, and returns an `open`
 * for the adapter's own tests; every store opened is closed after the file (register the backend's own
 * teardown before calling this, so the stores close first).
 */
export function contractOverStores<S extends ClosableStore, O>(
  connect: (now: () => number, options: O | undefined) => Promise<S>,
): (options?: O) => Promise<S> {
  const stores: S[] = [];
  let clock = Date.now();
  let sensors = 0;
  const open = async (options?: O): Promise<S> => {
    const store = await connect(() => clock, options);
    stores.push(store);
    return store;
  };
  afterAll(async () => {
    for (const store of stores) await store.close();
  });
  stateStoreContract(async () => ({
    one: await open(),
    two: await open(),
    sensor: `sensor-${++sensors}`,
    advance: (ms) => {
      clock += ms;
    },
  }));
  return open;
}

/** Registers the contract tests; `fixture` gives fresh stores over a fresh sensor namespace each time. */
export function stateStoreContract(fixture: () => Promise<StoreFixture & { sensor: string }>): void {
  it('starts a trigger with no events at revision 0', async () => {
    const { one, sensor } = await fixture();
    expect(await one.load(sensor, 'deploy')).toEqual({ events: {}, revision: 0 });
  });

  it('saves events with compare-and-set and refuses a stale revision', async () => {
    // Given events saved from revision 0
    const { one, two, sensor } = await fixture();
    const first = { push: saved() };
    expect(await one.compareAndSet(sensor, 'deploy', first, 0)).toBe(true);

    // When the other client loads and writes, then the first writes from its old revision
    const loaded = await two.load(sensor, 'deploy');
    const second = { ...loaded.events, tag: saved() };
    const won = await two.compareAndSet(sensor, 'deploy', second, loaded.revision);
    const stale = await one.compareAndSet(sensor, 'deploy', { other: saved() }, loaded.revision);
    const fromZero = await one.compareAndSet(sensor, 'deploy', { other: saved() }, 0);

    // Then the first load saw the saved events, and only the up-to-date write won
    expect(loaded.events).toEqual(first);
    expect(loaded.revision).toBeGreaterThan(0);
    expect([won, stale, fromZero]).toEqual([true, false, false]);
    const now = await one.load(sensor, 'deploy');
    expect(now.events).toEqual(second);
    expect(now.revision).not.toBe(loaded.revision);
  });

  it('lets exactly one of two concurrent writers win, every time', async () => {
    const { one, two, sensor } = await fixture();
    for (let round = 0; round < 8; round++) {
      // Given both writers read the same revision
      const [a, b] = await Promise.all([one.load(sensor, 'race'), two.load(sensor, 'race')]);
      expect(a.revision).toBe(b.revision);

      // When both write at once
      const results = await Promise.all([
        one.compareAndSet(sensor, 'race', { a: saved(`a${round}`) }, a.revision),
        two.compareAndSet(sensor, 'race', { b: saved(`b${round}`) }, b.revision),
      ]);

      // Then exactly one won, and the stored events are the winner's
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await one.load(sensor, 'race');
      expect(Object.keys(stored.events)).toEqual([results[0] ? 'a' : 'b']);
    }
  });

  it('loses no update when writers retry on conflict', async () => {
    // Given six writers each adding its own dependency with load, modify, compare-and-set, retry
    const { one, two, sensor } = await fixture();
    const writer = async (store: StateStore, dependency: string) => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const state = await store.load(sensor, 'merge');
        const events = { ...state.events, [dependency]: saved(dependency) };
        if (await store.compareAndSet(sensor, 'merge', events, state.revision)) return attempt;
      }
      throw new Error(`${dependency} never won`);
    };

    // When they run concurrently
    const deps = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5'];
    await Promise.all(deps.map((dep, i) => writer(i % 2 === 0 ? one : two, dep)));

    // Then every dependency is saved
    expect(Object.keys((await one.load(sensor, 'merge')).events).sort()).toEqual(deps);
  });

  it('keeps triggers apart, whatever characters their names hold', async () => {
    // Given two triggers whose names would collide if written naively
    const { one, sensor } = await fixture();
    const names = ['a/b', 'a_2Fb', 'with space é', 'x'.repeat(300)];
    for (const [i, name] of names.entries()) {
      expect(await one.compareAndSet(sensor, name, { [`dep${i}`]: saved() }, 0)).toBe(true);
    }

    // Then each reads back its own events
    for (const [i, name] of names.entries()) {
      expect(Object.keys((await one.load(sensor, name)).events)).toEqual([`dep${i}`]);
    }
  });

  it('records a done key once, and only one of concurrent markers wins', async () => {
    // Given a firing key as the engine builds it
    const { one, two, sensor } = await fixture();
    const key = `${sensor}/deploy/ev1,ev2`;
    expect(await one.isDone(key)).toBe(false);

    // When five markers race
    const results = await Promise.all([one, two, one, two, one].map((store) => store.markDone(key, 60_000)));

    // Then exactly one recorded it, both clients see it done, and another key is not
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await one.isDone(key)).toBe(true);
    expect(await two.isDone(key)).toBe(true);
    expect(await two.isDone(`${sensor}/deploy/ev3`)).toBe(false);
    expect(await one.markDone(`${sensor}/deploy/${'long-id,'.repeat(200)}`, 60_000)).toBe(true);
    expect(await one.isDone(`${sensor}/deploy/${'long-id,'.repeat(200)}`)).toBe(true);
  });

  it('forgets a done key after its TTL, and may record it again then', async () => {
    // Given a key recorded with a one-minute TTL
    const { one, two, sensor, advance } = await fixture();
    const key = `${sensor}/deploy/late`;
    expect(await one.markDone(key, 60_000)).toBe(true);

    // When the clock passes the TTL
    advance(61_000);

    // Then it is no longer done, and one of two racing markers records it again
    expect(await two.isDone(key)).toBe(false);
    const results = await Promise.all([one.markDone(key, 60_000), two.markDone(key, 60_000)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await one.isDone(key)).toBe(true);
  });
}
