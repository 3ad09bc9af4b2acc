/**
 * The sensor engine: routes each bus record to the sensor's dependencies by (eventSourceName, eventName),
 * filters it, advances each trigger's conditions, fires triggers and reports one outcome per record.
 * Mirrors argoproj/argo-events: pkg/sensors/listener.go and pkg/eventbus/jetstream/sensor/trigger_conn.go,
 * with the deliberate differences of DESIGN §3 (at-least-once, one firing per event).
 */

import type { BusRecord, RecordOutcome } from '../bus/port.ts';
import { ack, deadLetter, retryAfter } from '../bus/port.ts';
import { ErrorCode, isRetryable, OutriggerError } from '../errors.ts';
import type { SensorEvent } from '../events/envelope.ts';
import { toSensorEvent } from '../events/envelope.ts';
import type { EventDependency, Sensor, Trigger } from '../manifests/types.ts';
import type { Logger } from '../observability/log.ts';
import { errorMessage, LogKey } from '../observability/log.ts';
import { traceFromEvent, traceLogFields } from '../observability/trace.ts';
import type { CronSchedule } from '../sources/calendar/cron.ts';
import { nextCronTime, parseCron } from '../sources/calendar/cron.ts';
import type { RunOptions } from '../triggers/run.ts';
import { backoffPlan, runTrigger } from '../triggers/run.ts';
import type { TriggerClients, TriggerOutcome } from '../triggers/types.ts';
import type { Condition } from './conditions.ts';
import { compileCondition } from './conditions.ts';
import type { FilterResult } from './filters/index.ts';
import { evaluateDependency, evaluateFilters, needsAsync } from './filters/index.ts';
import type { StateStore } from './state.ts';

/** A `conditionsReset.byTime` schedule: saved events older than its latest tick are dropped. */
interface ResetSchedule {
  readonly schedule: CronSchedule;
  readonly zone: string;
}

/** A trigger with its compiled conditions. */
export interface CompiledTrigger {
  readonly trigger: Trigger;
  readonly name: string;
  readonly condition: Condition;
  readonly resets: readonly ResetSchedule[];
}

/**
 * Whether a reset tick fell after `savedAt` and at or before `nowMs` (semantics §4.4). Upstream deletes saved
 * events on each tick; checking lazily when the state is read has the same effect without a timer.
 */
function resetSince(resets: readonly ResetSchedule[], savedAt: string, nowMs: number): boolean {
  const saved = Date.parse(savedAt);
  if (Number.isNaN(saved)) return false;
  return resets.some(({ schedule, zone }) => {
    const tick = nextCronTime(schedule, saved, zone);
    return tick !== undefined && tick <= nowMs;
  });
}

/** A sensor prepared once per cold start: routing table and compiled conditions. */
export interface CompiledSensor {
  readonly sensor: Sensor;
  readonly name: string;
  readonly namespace: string | undefined;
  /** `<eventSourceName>.<eventName>` pairs the sensor listens to. */
  readonly routes: ReadonlyMap<string, readonly EventDependency[]>;
  readonly triggers: readonly CompiledTrigger[];
}

const routeKey = (source: string, name: string) => `${source}.${name}`;

/** Prepares a sensor for processing; throws on conditions that name unknown dependencies. */
export function compileSensor(sensor: Sensor): CompiledSensor {
  const routes = new Map<string, EventDependency[]>();
  for (const dependency of sensor.spec.dependencies) {
    const key = routeKey(dependency.eventSourceName, dependency.eventName);
    routes.set(key, [...(routes.get(key) ?? []), dependency]);
  }
  const names = sensor.spec.dependencies.map((d) => d.name);
  return {
    sensor,
    name: sensor.metadata.name,
    namespace: sensor.metadata.namespace,
    routes,
    triggers: sensor.spec.triggers.map((trigger) => ({
      trigger,
      name: trigger.template.name,
      condition: compileCondition(trigger.template.conditions, names),
      resets: (trigger.template.conditionsReset ?? []).flatMap((reset) =>
        reset.byTime
          ? [{ schedule: parseCron(reset.byTime.cron), zone: reset.byTime.timezone || 'UTC' }]
          : [],
      ),
    })),
  };
}

/** Bus subjects a compiled sensor consumes. */
export function sensorSubjects(compiled: CompiledSensor, busName = 'default'): string[] {
  return [...compiled.routes.keys()].map((key) => `${busName}.${key}`);
}

/** How one dependency judged one event; `event` is the event after the dependency's transform. */
export interface DependencyVerdict {
  name: string;
  passed: boolean;
  error: string | null;
  event: SensorEvent;
}

/** A trigger ready to run with the events that satisfied its conditions. */
export interface Firing {
  readonly trigger: CompiledTrigger;
  readonly events: Record<string, SensorEvent>;
  /** State revision the firing consumed (stateful triggers), to clear after success. */
  readonly revision: number | undefined;
}

/** Applies one event's dependency transforms and filters (Lua and jq load only when a manifest uses them). */
export async function judgeDependencies(
  compiled: CompiledSensor,
  event: SensorEvent,
): Promise<DependencyVerdict[]> {
  const dependencies = compiled.routes.get(routeKey(event.context.source, event.context.subject)) ?? [];
  // Filters alone are synchronous: no promise per dependency unless a Lua script or transform needs one.
  if (!dependencies.some(needsAsync)) {
    return dependencies.map((dependency) => verdictOf(dependency, evaluateFilters(dependency, event), event));
  }
  return Promise.all(
    dependencies.map(async (dependency) => {
      if (!needsAsync(dependency)) return verdictOf(dependency, evaluateFilters(dependency, event), event);
      const judged = await evaluateDependency(dependency, event);
      return verdictOf(dependency, judged, judged.event);
    }),
  );
}

function verdictOf(dependency: EventDependency, judged: FilterResult, event: SensorEvent): DependencyVerdict {
  return { name: dependency.name, passed: judged.pass, error: judged.error ?? null, event };
}

const MAX_CAS_ATTEMPTS = 10;

/**
 * Advances every trigger's conditions with one event and returns the firings it completes. Stateless
 * triggers (no `&&`) fire at once, once per event even when two OR'ed dependencies pass.
 */
export async function advanceConditions(
  compiled: CompiledSensor,
  event: SensorEvent,
  passed: readonly string[],
  store: StateStore,
  /** Each passing dependency's own (transformed) view of the event, when it differs. */
  eventsByDependency?: Readonly<Record<string, SensorEvent>>,
  nowMs: number = Date.now(),
): Promise<Firing[]> {
  const firings: Firing[] = [];
  for (const trigger of compiled.triggers) {
    const relevant = trigger.condition.dependencies.filter((name) => passed.includes(name));
    if (relevant.length === 0) continue;
    const current = Object.fromEntries(relevant.map((name) => [name, eventsByDependency?.[name] ?? event]));
    if (!trigger.condition.needsState) {
      firings.push({ trigger, events: current, revision: undefined });
      continue;
    }
    for (let attempt = 0; ; attempt++) {
      const state = await store.load(compiled.name, trigger.name);
      const kept = Object.entries(state.events).filter(
        ([, saved]) => !resetSince(trigger.resets, saved.context.time, nowMs),
      );
      const events = { ...Object.fromEntries(kept), ...current };
      if (trigger.condition.evaluate(new Set(Object.keys(events)))) {
        firings.push({ trigger, events, revision: state.revision });
        break;
      }
      // Latest event per dependency wins, as upstream.
      if (await store.compareAndSet(compiled.name, trigger.name, events, state.revision)) break;
      if (attempt >= MAX_CAS_ATTEMPTS) {
        throw new OutriggerError(ErrorCode.TriggerFailed, 'sensor state kept changing; will retry', {
          retryable: true,
        });
      }
    }
  }
  return firings;
}

/** Clears the saved events a successful firing consumed, leaving any saved since. */
async function clearConsumed(compiled: CompiledSensor, firing: Firing, store: StateStore): Promise<void> {
  if (firing.revision === undefined) return;
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    const state = await store.load(compiled.name, firing.trigger.name);
    const remaining: Record<string, SensorEvent> = {};
    for (const [name, saved] of Object.entries(state.events)) {
      if (firing.events[name]?.context.id !== saved.context.id) remaining[name] = saved;
    }
    if (await store.compareAndSet(compiled.name, firing.trigger.name, remaining, state.revision)) return;
  }
}

/** Key recording that a trigger fired for exactly these events. */
export function firingKey(compiled: CompiledSensor, firing: Firing): string {
  const ids = [...new Set(Object.values(firing.events).map((e) => e.context.id))].sort();
  return `${compiled.name}/${firing.trigger.name}/${ids.join(',')}`;
}

export interface ProcessDependencies {
  store: StateStore;
  clients: TriggerClients;
  logger: Logger;
  /** How long a completed firing is remembered to drop redeliveries (default 24 h). */
  doneTtlMs?: number;
  now?: () => Date;
  run?: RunOptions;
}

/** The trace of the first fired event that carries one. */
function traceOf(firing: Firing): { traceparent?: string } {
  const traceparent = Object.values(firing.events).find((e) => e.traceparent)?.traceparent;
  return traceparent === undefined ? {} : { traceparent };
}

/** Executes one firing unless the same firing already completed. */
async function fire(
  compiled: CompiledSensor,
  firing: Firing,
  deps: ProcessDependencies,
): Promise<TriggerOutcome | undefined> {
  const key = firingKey(compiled, firing);
  if (await deps.store.isDone(key)) return undefined;
  const eventIds = [...new Set(Object.values(firing.events).map((e) => e.context.id))].sort();
  const outcome = await runTrigger(
    firing.trigger.trigger,
    firing.events,
    {
      sensorName: compiled.name,
      sensorNamespace: compiled.namespace,
      triggerName: firing.trigger.name,
      eventIds,
      now: deps.now?.() ?? new Date(),
      ...traceOf(firing),
    },
    deps.clients,
    deps.run,
  );
  await deps.store.markDone(key, deps.doneTtlMs ?? 24 * 3_600_000);
  await clearConsumed(compiled, firing, deps.store);
  return outcome;
}

/** Processes one bus record end to end and decides its outcome. */
export async function processRecord(
  compiled: CompiledSensor,
  record: BusRecord,
  deps: ProcessDependencies,
): Promise<RecordOutcome> {
  const event = toSensorEvent(record.event, record.envelope);
  // Made on first use: most events are filtered out and log nothing at the default level.
  let eventLog: Logger | undefined;
  const log = () =>
    (eventLog ??= deps.logger.child({
      [LogKey.sensor]: compiled.name,
      [LogKey.eventId]: event.context.id,
      [LogKey.eventSource]: event.context.source,
      [LogKey.eventName]: event.context.subject,
      ...traceLogFields(traceFromEvent(record.event)),
    }));
  const verdicts = await judgeDependencies(compiled, event);
  for (const verdict of verdicts) {
    if (verdict.error)
      log().warn('dependency filter error', {
        [LogKey.dependency]: verdict.name,
        [LogKey.error]: verdict.error,
      });
    else if (!verdict.passed && deps.logger.enabled('debug'))
      log().debug('event filtered out', { [LogKey.dependency]: verdict.name });
  }
  const passing = verdicts.filter((v) => v.passed);
  if (passing.length === 0) return ack;

  let firings: Firing[];
  try {
    firings = await advanceConditions(
      compiled,
      event,
      passing.map((v) => v.name),
      deps.store,
      Object.fromEntries(passing.map((v) => [v.name, v.event])),
    );
  } catch (err) {
    log().error('could not update sensor state', { [LogKey.error]: errorMessage(err) });
    return retryAfter(1000, errorMessage(err));
  }

  let outcome: RecordOutcome = ack;
  for (const firing of firings) {
    const tlog = log().child({ [LogKey.trigger]: firing.trigger.name });
    try {
      const result = await fire(compiled, firing, deps);
      if (result === undefined) tlog.info('trigger already fired for these events; skipped');
      else tlog.info(result.alreadyDone ? `${result.summary} (already done)` : result.summary);
    } catch (err) {
      const message = errorMessage(err);
      if (isRetryable(err)) {
        tlog.error('trigger failed; the event will be delivered again', { [LogKey.error]: message });
        const delay = backoffPlan(firing.trigger.trigger.retryStrategy ?? { duration: '1s' }).delayMs(
          record.deliveryCount,
        );
        if (outcome.kind !== 'retry') outcome = retryAfter(Math.round(delay), message);
      } else {
        tlog.error('trigger failed permanently; dead-lettering the event', { [LogKey.error]: message });
        if (outcome.kind === 'ack') outcome = deadLetter(message);
      }
    }
  }
  return outcome;
}

/**
 * Processes a batch; one outcome per record (the Bus port's BatchHandler contract). When no trigger keeps
 * state (no `&&` in its conditions) records are independent and run concurrently, except deliveries of
 * the same event, which run one after the other so the done-marker check sees the first one's result.
 * Otherwise records run in order, as an Argo sensor handles a trigger's messages one at a time.
 */
export async function processBatch(
  compiled: CompiledSensor,
  records: readonly BusRecord[],
  deps: ProcessDependencies,
): Promise<RecordOutcome[]> {
  const outcomes: RecordOutcome[] = new Array(records.length);
  if (compiled.triggers.some((t) => t.condition.needsState)) {
    for (const [i, record] of records.entries()) outcomes[i] = await processRecord(compiled, record, deps);
    return outcomes;
  }
  const byEvent = new Map<string, number[]>();
  records.forEach((record, i) => {
    byEvent.set(record.event.id, [...(byEvent.get(record.event.id) ?? []), i]);
  });
  await Promise.all(
    [...byEvent.values()].map(async (indexes) => {
      for (const i of indexes) outcomes[i] = await processRecord(compiled, records[i]!, deps);
    }),
  );
  return outcomes;
}
