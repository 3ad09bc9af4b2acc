/**
 * The `calendar` source: on AWS an EventBridge Scheduler schedule per calendar event invokes
 * functions/calendar.ts; locally `startCalendarTimers` ticks the same schedules in-process. Both go
 * through `fireCalendarEvent`: skip excluded days, build `{eventTime, metadata}`, publish with the
 * deterministic tick id.
 *
 * Invocation contract (the Scheduler target's `Input`):
 * `{"eventSourceName": <EventSource>, "eventName": <event>, "scheduledTime": "<aws.scheduler.scheduled-time>"}`
 * (`eventSource` is accepted for `eventSourceName`). Without `scheduledTime` the tick is the latest
 * activation within the last hour, so a retry of the same tick still gets the same id.
 */
import type { Bus } from '../../bus/port.ts';
import { ExpressionError, PayloadError } from '../../errors.ts';
import type { CalendarEventSpec, ManifestSet } from '../../manifests/types.ts';
import type { Publish, PublishDeps, PublishTarget } from '../aws-events.ts';
import { createPublisher } from '../aws-events.ts';
import type { FilterEvaluator } from '../ingest.ts';
import type { CompiledCalendar } from './schedule.ts';
import {
  calendarEventData,
  calendarEventId,
  compileCalendar,
  isExcluded,
  latestFireTime,
  nextFireTime,
} from './schedule.ts';

export type { CronSchedule } from './cron.ts';
export { nextCronTime, parseCron } from './cron.ts';
export type { EventBridgeSchedule } from './eventbridge.ts';
export { toEventBridgeSchedule } from './eventbridge.ts';
export type { CalendarEventData, CalendarSpec, CompiledCalendar } from './schedule.ts';
export {
  calendarEventData,
  calendarEventId,
  compileCalendar,
  isExcluded,
  latestFireTime,
  nextFireTime,
  nextFireTimes,
  parseExclusionDates,
} from './schedule.ts';

/** One calendar event of a manifest set, compiled. */
export interface CalendarBinding {
  target: PublishTarget;
  spec: CalendarEventSpec;
  calendar: CompiledCalendar;
}

/** Every calendar event in `set`; throws ExpressionError naming the event whose spec cannot run. */
export function calendarBindings(set: ManifestSet): CalendarBinding[] {
  const bindings: CalendarBinding[] = [];
  for (const eventSource of set.eventSources) {
    for (const [eventName, spec] of Object.entries(eventSource.spec.calendar ?? {})) {
      const name = `${eventSource.metadata.name}/${eventName}`;
      let calendar: CompiledCalendar;
      try {
        calendar = compileCalendar(spec);
      } catch (err) {
        throw new ExpressionError(`calendar ${name}: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        });
      }
      const target = { eventSourceName: eventSource.metadata.name, eventName, type: 'calendar', spec };
      bindings.push({ target, spec, calendar });
    }
  }
  return bindings;
}

/** What became of one tick. */
export type TickOutcome =
  | { kind: 'published'; id: string; scheduledTime: string }
  | { kind: 'filtered' | 'excluded'; scheduledTime: string };

/** Publishes the tick scheduled at `scheduledMs`, unless its day is excluded; rejects with BusError. */
export async function fireCalendarEvent(
  binding: CalendarBinding,
  scheduledMs: number,
  publish: Publish,
): Promise<TickOutcome> {
  const scheduledTime = new Date(scheduledMs).toISOString();
  if (isExcluded(binding.calendar, scheduledMs)) return { kind: 'excluded', scheduledTime };
  const { eventSourceName, eventName } = binding.target;
  const outcome = await publish(
    binding.target,
    calendarEventData(scheduledMs, binding.spec),
    calendarEventId(eventSourceName, eventName, scheduledMs),
  );
  return { ...outcome, scheduledTime };
}

/** The Scheduler target input of a calendar schedule. */
export interface CalendarInvocation {
  eventSourceName?: string;
  eventSource?: string;
  eventName?: string;
  /** ISO 8601; Scheduler fills it from `<aws.scheduler.scheduled-time>`. */
  scheduledTime?: string;
}

function invocationOf(event: unknown): {
  eventSourceName: string;
  eventName: string;
  scheduledTime?: string;
} {
  const input = (typeof event === 'object' && event !== null ? event : {}) as CalendarInvocation;
  const eventSourceName = input.eventSourceName ?? input.eventSource;
  if (typeof eventSourceName !== 'string' || typeof input.eventName !== 'string') {
    throw new PayloadError('calendar invocation needs `eventSourceName` and `eventName`');
  }
  return {
    eventSourceName,
    eventName: input.eventName,
    ...(typeof input.scheduledTime === 'string' ? { scheduledTime: input.scheduledTime } : {}),
  };
}

export interface CalendarLambdaDeps {
  /** Produces the manifest set (the compiled JSON in a bundle). */
  loadSet: () => Promise<ManifestSet>;
  openBus: (set: ManifestSet) => Promise<Bus>;
  log?: (entry: Record<string, unknown>) => void;
  filter?: FilterEvaluator;
  now?: () => number;
}

/**
 * The calendar Lambda body: finds the invoked calendar event, fires its tick, and throws when the bus
 * could not take it so Scheduler retries (its retry policy and DLQ are set by the deploy plugin).
 */
export function calendarLambda(deps: CalendarLambdaDeps): (event: unknown) => Promise<TickOutcome> {
  const now = deps.now ?? Date.now;
  let ready: Promise<{ bindings: CalendarBinding[]; publish: Publish }> | undefined;
  return async function calendarHandler(event) {
    const invocation = invocationOf(event);
    ready ??= (async () => {
      const set = await deps.loadSet();
      const bindings = calendarBindings(set);
      const bus = await deps.openBus(set);
      const publishDeps: PublishDeps = {
        bus,
        ...(deps.log ? { log: deps.log } : {}),
        ...(deps.filter ? { filter: deps.filter } : {}),
      };
      return { bindings, publish: createPublisher(publishDeps) };
    })();
    let prepared: Awaited<typeof ready>;
    try {
      prepared = await ready;
    } catch (err) {
      ready = undefined;
      throw err;
    }
    const binding = prepared.bindings.find(
      (b) =>
        b.target.eventSourceName === invocation.eventSourceName &&
        b.target.eventName === invocation.eventName,
    );
    if (!binding) {
      throw new PayloadError(
        `no calendar event ${invocation.eventSourceName.slice(0, 100)}/${invocation.eventName.slice(0, 100)}`,
      );
    }
    let scheduledMs: number;
    if (invocation.scheduledTime === undefined) scheduledMs = latestFireTime(binding.calendar, now());
    else {
      scheduledMs = Date.parse(invocation.scheduledTime);
      if (Number.isNaN(scheduledMs)) throw new PayloadError('scheduledTime is not an ISO 8601 time');
    }
    const outcome = await fireCalendarEvent(binding, scheduledMs, prepared.publish);
    deps.log?.({
      level: 'info',
      msg: `calendar tick ${outcome.kind}`,
      eventSource: binding.target.eventSourceName,
      eventName: binding.target.eventName,
      scheduledTime: outcome.scheduledTime,
    });
    return outcome;
  };
}

export interface CalendarTimerOptions {
  log?: (entry: Record<string, unknown>) => void;
  filter?: FilterEvaluator;
  now?: () => number;
}

/** Handle of the local runner's calendar timers. */
export interface CalendarTimers {
  stop(): void;
}

/** setTimeout's longest delay; longer waits are re-armed. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Ticks every calendar event of `set` in this process (the local runner), from now on: cron schedules
 * on their activations, intervals counted from the start as upstream does. A tick the bus refuses is
 * logged and the next one is still scheduled.
 */
export function startCalendarTimers(
  set: ManifestSet,
  bus: Bus,
  options: CalendarTimerOptions = {},
): CalendarTimers {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const publish = createPublisher({
    bus,
    log,
    ...(options.filter ? { filter: options.filter } : {}),
  });
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  function arm(binding: CalendarBinding, after: number): void {
    if (stopped) return;
    const next = nextFireTime(binding.calendar, after);
    if (next === undefined) return;
    const wait = (): void => {
      const delay = next - now();
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          if (stopped) return;
          if (now() < next) return wait();
          fireCalendarEvent(binding, next, publish)
            .catch((err: unknown) =>
              log({
                level: 'error',
                msg: 'calendar tick not published',
                error: String(err),
                eventSource: binding.target.eventSourceName,
                eventName: binding.target.eventName,
              }),
            )
            .finally(() => arm(binding, next));
        },
        Math.min(Math.max(0, delay), MAX_TIMEOUT_MS),
      );
      timers.add(timer);
    };
    wait();
  }

  const start = now();
  for (const binding of calendarBindings(set)) arm(binding, start);
  return {
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
