/**
 * Runs one trigger for one firing: trigger-level parameters, the type's render and execute, `retryStrategy`,
 * `policy`, `rateLimit` and `dlqTrigger` (semantics §5.1, §7). Unlike upstream, retries and the dlqTrigger
 * apply without `atLeastOnce` (DESIGN §3: delivery is always at least once).
 */

import { isRetryable, TriggerError } from '../errors.ts';
import { parseGoDurationNs } from '../expr/go-duration.ts';
import type { Backoff, Trigger, TriggerTemplate } from '../manifests/types.ts';
import { recordTriggerOutcome } from '../observability/metrics.ts';
import { applyParameters } from '../sensors/parameters.ts';
import { triggerTypeFor, triggerTypeOf } from './index.ts';
import { awaitLabels, checkStatus } from './policy.ts';
import { type LimiterClock, rateLimiterFor } from './rate-limit.ts';
import type { FiredEvents, RenderContext, TriggerClients, TriggerOutcome } from './types.ts';

/** A Go duration string (`2s`, `1m30s`) or an integer of nanoseconds, in milliseconds. */
export function durationMs(value: string | number | undefined, fallbackMs: number): number {
  if (value === undefined || value === '') return fallbackMs;
  if (typeof value === 'number') return value / 1e6;
  if (/^\d+$/.test(value)) return Number(value) / 1e6;
  const ns = parseGoDurationNs(value);
  // A negative wait means nothing to a backoff: keep the default, as before.
  return ns === undefined || ns < 0 ? fallbackMs : ns / 1e6;
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
  /**
   * Milliseconds left in this invocation (Lambda's `getRemainingTimeInMillis`). A retry whose wait would
   * not leave `reserveMs` is not attempted here: the error goes back to the bus, which delivers the record
   * again later (DESIGN §3: retries within the time budget, beyond it by retry-after on the bus).
   */
  remainingMs?: () => number;
  /** Time kept for one more attempt and the bus bookkeeping (default 1 s). */
  reserveMs?: number;
  /** Clock of the rate limiters created by this run (tests). */
  clock?: LimiterClock;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Errors handed back to the bus because the time budget ran out: not final, so no dlqTrigger. */
const deferredToBus = new WeakSet<object>();

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The pure half of a firing: trigger-level parameters, then the trigger type's render. */
export function renderTrigger(trigger: Trigger, events: FiredEvents, context: RenderContext) {
  // Trigger-level parameters write into the template itself (dest relative to it, e.g. `k8s.source…`).
  // Renders never mutate their spec, so without parameters the manifest's template is used as it is.
  const template = trigger.parameters?.length
    ? applyParameters<TriggerTemplate>(trigger.template, trigger.parameters, events)
    : trigger.template;
  const { key, spec } = triggerTypeOf(template);
  const type = triggerTypeFor(key);
  return { type, request: type.render(spec as never, events, context) };
}

/** One pass: trigger-level parameters, render, execute, then the policies on what execute reported. */
async function attemptOnce(
  trigger: Trigger,
  events: FiredEvents,
  context: RenderContext,
  clients: TriggerClients,
  sleep: (ms: number) => Promise<void>,
): Promise<TriggerOutcome> {
  const { type, request } = renderTrigger(trigger, events, context);
  const outcome = await type.execute(request, clients);
  if (outcome.status !== undefined) checkStatus(outcome.status, trigger.policy);
  await awaitLabels(outcome, trigger.policy, clients.kube, { plan: backoffPlan, sleep });
  return outcome;
}

/** Attempts until success, a non-retryable error, the last step of `retryStrategy`, or the time budget. */
async function attemptWithRetries(
  trigger: Trigger,
  events: FiredEvents,
  context: RenderContext,
  clients: TriggerClients,
  options: RunOptions,
): Promise<TriggerOutcome> {
  const { attempts, delayMs } = backoffPlan(trigger.retryStrategy);
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    const metric = { sensor: context.sensorName, trigger: context.triggerName };
    try {
      const outcome = await attemptOnce(trigger, events, context, clients, sleep);
      recordTriggerOutcome({ ...metric, ok: true, durationMs: performance.now() - started });
      return outcome;
    } catch (err) {
      // Argo counts action_failed_total once per attempt, retries_failed once the attempts are used up.
      const exhausted = attempt >= attempts || !isRetryable(err);
      recordTriggerOutcome({ ...metric, ok: false, durationMs: performance.now() - started, exhausted });
      if (exhausted) throw err;
      const delay = delayMs(attempt);
      if (options.remainingMs && options.remainingMs() - delay < (options.reserveMs ?? 1000)) {
        if (typeof err === 'object' && err !== null) deferredToBus.add(err);
        throw err;
      }
      await sleep(delay);
    }
  }
}

/**
 * Runs the trigger's `dlqTrigger` with the same events after the trigger failed for good (semantics §7.4).
 * Its own `retryStrategy` applies; a `dlqTrigger` nested in it is never run, and it is not rate limited.
 * If it fails too, the error is retryable so the bus record is delivered again and nothing is lost.
 */
async function runDeadLetterTrigger(
  dlq: Trigger,
  failure: unknown,
  events: FiredEvents,
  context: RenderContext,
  clients: TriggerClients,
  options: RunOptions,
): Promise<TriggerOutcome> {
  const name = dlq.template.name;
  const { dlqTrigger: _nested, ...withoutNested } = dlq;
  try {
    const outcome = await attemptWithRetries(
      withoutNested,
      events,
      { ...context, triggerName: name },
      clients,
      options,
    );
    return {
      ...outcome,
      summary: `failed (${messageOf(failure)}); dlqTrigger "${name}": ${outcome.summary}`,
      deadLettered: true,
    };
  } catch (err) {
    throw new TriggerError(
      `trigger "${context.triggerName}" failed (${messageOf(failure)}) and its dlqTrigger "${name}" failed too: ${messageOf(err)}`,
      { retryable: true, cause: err },
    );
  }
}

/**
 * Runs one trigger for one firing: waits for its rate limiter, attempts it with `retryStrategy`, applies
 * `policy`, and hands a final failure to `dlqTrigger` when there is one. Throws when the firing failed
 * (`isRetryable` says whether the bus should deliver the record again).
 */
export async function runTrigger(
  trigger: Trigger,
  events: FiredEvents,
  context: RenderContext,
  clients: TriggerClients,
  options: RunOptions = {},
): Promise<TriggerOutcome> {
  // Upstream takes the limiter once per firing, before the retry loop (listener.go triggerWithRateLimit).
  const clock = options.clock ?? (options.sleep ? { now: Date.now, sleep: options.sleep } : undefined);
  await rateLimiterFor(`${context.sensorName}/${context.triggerName}`, trigger.rateLimit, clock)?.take();
  try {
    return await attemptWithRetries(trigger, events, context, clients, options);
  } catch (err) {
    const deferred = typeof err === 'object' && err !== null && deferredToBus.has(err);
    if (!trigger.dlqTrigger || deferred) throw err;
    return runDeadLetterTrigger(trigger.dlqTrigger, err, events, context, clients, options);
  }
}
