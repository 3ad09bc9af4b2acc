/**
 * Sensor state behind a small store interface (DESIGN §3): events waiting for a trigger's conditions, and
 * markers of trigger firings already done (so a redelivered event never fires twice). Memory here;
 * JetStream KV and DynamoDB adapters implement the same interface with compare-and-set.
 */
import type { SensorEvent } from '../events/envelope.ts';

/** Saved events of one trigger, keyed by dependency name, plus an opaque revision for compare-and-set. */
export interface TriggerState {
  events: Record<string, SensorEvent>;
  revision: number;
}

export interface StateStore {
  /** Current saved events of a trigger (revision 0 when none). */
  load(sensor: string, trigger: string): Promise<TriggerState>;
  /** Replaces the saved events if the revision is unchanged; false when another writer got there first. */
  compareAndSet(
    sensor: string,
    trigger: string,
    events: Record<string, SensorEvent>,
    revision: number,
  ): Promise<boolean>;
  /** Records that `key` is done; false when it was already recorded (within `ttlMs`). */
  markDone(key: string, ttlMs: number): Promise<boolean>;
  /** Whether `key` was recorded done and has not expired. */
  isDone(key: string): Promise<boolean>;
  /** Releases what the store opened (a connection of its own); absent when it opened nothing. */
  close?(): Promise<void> | void;
}

/** In-process StateStore for the local runner and tests. */
export class MemoryStateStore implements StateStore {
  private readonly triggers = new Map<string, TriggerState>();
  private readonly done = new Map<string, number>();

  async load(sensor: string, trigger: string): Promise<TriggerState> {
    const state = this.triggers.get(`${sensor}/${trigger}`);
    return state ? { events: { ...state.events }, revision: state.revision } : { events: {}, revision: 0 };
  }

  async compareAndSet(
    sensor: string,
    trigger: string,
    events: Record<string, SensorEvent>,
    revision: number,
  ): Promise<boolean> {
    const key = `${sensor}/${trigger}`;
    const current = this.triggers.get(key)?.revision ?? 0;
    if (current !== revision) return false;
    this.triggers.set(key, { events: { ...events }, revision: current + 1 });
    return true;
  }

  async markDone(key: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const expires = this.done.get(key);
    if (expires !== undefined && expires > now) return false;
    this.done.set(key, now + ttlMs);
    return true;
  }

  async isDone(key: string): Promise<boolean> {
    const expires = this.done.get(key);
    return expires !== undefined && expires > Date.now();
  }
}
