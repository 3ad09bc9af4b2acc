/**
 * Runs one trigger for one firing: trigger-level parameters, the type's render and execute, and
 * `retryStrategy` (semantics §5.1, §7.1). Unlike upstream, retries apply without `atLeastOnce` (DESIGN §3).
 */
import { isRetryable } from '../errors.ts';
import type { Backoff, Trigger, TriggerTemplate } from '../manifests/types.ts';
import { applyParameters } from '../sensors/parameters.ts';
import { triggerTypeFor, triggerTypeOf } from './index.ts';
import type { FiredEvents, RenderContext, TriggerClients, TriggerOutcome } from './types.ts';

const GO_DURATION = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration string (`2s`, `1m30s`) or an integer of nanoseconds, in milliseconds. */
export function durationMs(value: string | number | undefined, fallbackMs: number): number {
  if (value === undefined || value === '') return fallbackMs;
  if (typeof value === 'number') return value / 1e6;
  if (/^\d+$/.test(value)) return Number(value) / 1e6;
  let total = 0;
  const parts = value.match(/\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)/g);
  if (!parts || parts.join('') !== value) return fallbackMs;
  for (const part of parts) {
    const [, n, unit] = GO_DURATION.exec(part)!;
    total += Number(n) * UNIT_MS[unit!]!;
  }
  return total;
}

/** Attempts and the wait before attempt n+1 (n from 1), as apimachinery's wait.Backoff. */
export function backoffPlan(backoff: Backoff | undefined): {
  attempts: number;
  delayMs: (n: number) => number;
} {
  if (!backoff) return { attempts: 1, delayMs: () => 0 };
  const steps = backoff.steps && backoff.steps > 0 ? backoff.steps : 5;
  const base = durationMs(backoff.duration, 1000);
  const factor = Number(backoff.factor ?? 1) || 1;
  const jitter = Number(backoff.jitter ?? 1) || 0;
  return {
    attempts: steps,
    delayMs: (n) => {
      const wait = base * factor ** (n - 1);
      return wait + Math.random() * jitter * wait;
    },
  };
}

export interface RunOptions {
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Renders and executes a trigger once per attempt until it succeeds or retries run out. */
export async function runTrigger(
  trigger: Trigger,
  events: FiredEvents,
  context: RenderContext,
  clients: TriggerClients,
  options: RunOptions = {},
): Promise<TriggerOutcome> {
  const { attempts, delayMs } = backoffPlan(trigger.retryStrategy);
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      // Trigger-level parameters write into the template itself (dest relative to it, e.g. `k8s.source…`).
      const template = applyParameters<TriggerTemplate>(trigger.template, trigger.parameters, events);
      const { key, spec } = triggerTypeOf(template);
      const type = triggerTypeFor(key);
      const request = type.render(spec as never, events, context);
      return await type.execute(request, clients);
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      await sleep(delayMs(attempt));
    }
  }
}
