/**
 * `rateLimit` (semantics §7.3): a leaky bucket as uber-go/ratelimit's default limiter, which Argo Events
 * uses: each `take()` waits until its slot (1/rate apart), with a slack of 10 slots so a quiet trigger may
 * burst. Nothing is dropped. One limiter per sensor and trigger name, kept for the life of the container:
 * concurrent Lambda containers each have their own, so the effective limit is per container.
 */
import type { Trigger } from '../manifests/types.ts';

/** Time source and sleep, injectable so tests run on a fake clock. */
export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const UNIT_MS = { Second: 1000, Minute: 60_000, Hour: 3_600_000 } as const;
/** uber-go/ratelimit's default slack, in slots. */
export const DEFAULT_SLACK = 10;

const realClock: LimiterClock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** One leaky bucket. */
export class RateLimiter {
  /** When the last permission was issued (ms); 0 before the first take. */
  private last = 0;
  readonly perRequestMs: number;
  private readonly maxSlackMs: number;

  constructor(
    requestsPerUnit: number,
    unitMs: number,
    private readonly clock: LimiterClock = realClock,
    slack = DEFAULT_SLACK,
  ) {
    // A zero rate divides by zero upstream; here it means "no limit" and the manifest schema forbids it.
    this.perRequestMs = requestsPerUnit > 0 ? unitMs / requestsPerUnit : 0;
    this.maxSlackMs = slack * this.perRequestMs;
  }

  /** Waits for the next slot; returns how long it waited (ms). */
  async take(): Promise<number> {
    if (this.perRequestMs === 0) return 0;
    const now = this.clock.now();
    let next: number;
    if (this.last === 0) next = now;
    else if (this.maxSlackMs > 0 && now - this.last > this.maxSlackMs + this.perRequestMs) {
      // Long idle: accumulate at most `slack` slots of credit.
      next = now - this.maxSlackMs;
    } else next = this.last + this.perRequestMs;
    // Claimed before sleeping, so concurrent takers queue behind each other as the CAS loop does upstream.
    this.last = next;
    const wait = next - now;
    if (wait > 0) await this.clock.sleep(wait);
    return Math.max(wait, 0);
  }
}

const limiters = new Map<string, { config: string; limiter: RateLimiter }>();

/** The limiter of a trigger (created on first use), or undefined when it has no `rateLimit`. */
export function rateLimiterFor(
  key: string,
  rateLimit: Trigger['rateLimit'],
  clock?: LimiterClock,
): RateLimiter | undefined {
  if (!rateLimit?.requestsPerUnit) return undefined;
  // An unknown unit means Second, as upstream's switch falls through to its default.
  const unitMs = UNIT_MS[rateLimit.unit ?? 'Second'] ?? UNIT_MS.Second;
  const config = `${rateLimit.requestsPerUnit}/${unitMs}`;
  const existing = limiters.get(key);
  if (existing && existing.config === config) return existing.limiter;
  const limiter = new RateLimiter(rateLimit.requestsPerUnit, unitMs, clock);
  limiters.set(key, { config, limiter });
  return limiter;
}

/** Forgets every limiter (tests). */
export function resetRateLimiters(): void {
  limiters.clear();
}
