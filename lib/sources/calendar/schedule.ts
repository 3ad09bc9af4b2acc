/**
 * A calendar event spec as something that fires (argoproj/argo-events:
 * pkg/eventsources/sources/calendar/start.go, pkg/shared/util/recurrence.go): `schedule` wins over
 * `interval`, `timezone` places the schedule, `exclusionDates` skip whole days, and each tick becomes
 * `{eventTime, metadata}` with an id derived from the scheduled time.
 */
import { createHash } from 'node:crypto';
import { ExpressionError } from '../../errors.ts';
import { parseGoDuration } from '../../manifests/checks.ts';
import type { CalendarEventSpec } from '../../manifests/types.ts';
import type { CronSchedule } from './cron.ts';
import { nextCronTime, parseCron } from './cron.ts';
import { goTimeString, isKnownZone, wallClock } from './zone.ts';

/** The fields of a calendar event spec this module reads. */
export type CalendarSpec = Pick<
  CalendarEventSpec,
  'schedule' | 'interval' | 'timezone' | 'exclusionDates' | 'metadata'
>;

/** A calendar spec parsed once: what fires, in which zone, and which days are skipped. */
export interface CompiledCalendar {
  readonly schedule: CronSchedule | { readonly kind: 'interval'; readonly delayMs: number };
  /** The zone the schedule is read in and exclusion days are compared in. */
  readonly zone: string;
  readonly exclusionDates: readonly Date[];
}

/** Event data of a calendar tick, as Argo's `CalendarEventData`. */
export interface CalendarEventData {
  eventTime: string;
  metadata?: Record<string, string>;
}

const EXDATE_PREFIX = 'EXDATE:';
const EXDATE_FORMAT = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * Argo's `ParseExclusionDates`: entries `EXDATE:<t>,<t>…` with times `20060102T150405Z` (UTC); entries
 * without the prefix are ignored, as upstream does. Throws ExpressionError for a malformed time.
 */
export function parseExclusionDates(values: readonly string[]): Date[] {
  const dates: Date[] = [];
  for (const value of values) {
    if (!value.startsWith(EXDATE_PREFIX)) continue;
    for (const text of value.slice(EXDATE_PREFIX.length).split(',')) {
      const m = EXDATE_FORMAT.exec(text);
      const [year, month, day, hour, minute, second] = (m?.slice(1) ?? []).map(Number);
      const ms = m === null ? Number.NaN : Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
      const date = new Date(ms);
      // Go's time.Parse refuses out-of-range fields instead of rolling them over.
      if (
        Number.isNaN(ms) ||
        date.getUTCMonth() !== month! - 1 ||
        date.getUTCDate() !== day! ||
        hour! > 23 ||
        minute! > 59 ||
        second! > 59
      ) {
        throw new ExpressionError(
          `invalid exclusion date \`${text}\`: expected UTC date-time like 20060102T150405Z`,
        );
      }
      dates.push(date);
    }
  }
  return dates;
}

function zoneOf(spec: CalendarSpec): string {
  const zone = spec.timezone;
  // Go: "" and "UTC" are UTC; "Local" is the process zone, UTC on Lambda.
  if (zone === undefined || zone === '' || zone === 'UTC' || zone === 'Local') return 'UTC';
  if (!isKnownZone(zone)) throw new ExpressionError(`unknown time zone \`${zone}\``);
  return zone;
}

/** Parses a calendar spec once; throws ExpressionError for a bad schedule, interval, zone or date. */
export function compileCalendar(spec: CalendarSpec): CompiledCalendar {
  const zone = zoneOf(spec);
  const exclusionDates = parseExclusionDates(spec.exclusionDates ?? []);
  if (spec.schedule) return { schedule: parseCron(spec.schedule), zone, exclusionDates };
  if (spec.interval) {
    const delayMs = parseGoDuration(spec.interval);
    if (delayMs === undefined || delayMs <= 0) {
      throw new ExpressionError(`invalid interval \`${spec.interval}\`: expected a positive Go duration`);
    }
    return { schedule: { kind: 'interval', delayMs }, zone, exclusionDates };
  }
  throw new ExpressionError('a calendar needs `schedule` or `interval`');
}

/** True when the scheduled instant falls on an excluded day (its date in the calendar's zone). */
export function isExcluded(calendar: CompiledCalendar, scheduledMs: number): boolean {
  if (calendar.exclusionDates.length === 0) return false;
  const w = wallClock(scheduledMs, calendar.zone);
  return calendar.exclusionDates.some(
    (d) => d.getUTCFullYear() === w.year && d.getUTCMonth() + 1 === w.month && d.getUTCDate() === w.day,
  );
}

function nextRaw(calendar: CompiledCalendar, fromMs: number): number | undefined {
  const { schedule } = calendar;
  // robfig's ConstantDelaySchedule: the delay counted from the last tick's whole second.
  if (schedule.kind === 'interval') return Math.floor(fromMs / 1000) * 1000 + schedule.delayMs;
  return nextCronTime(schedule, fromMs, calendar.zone);
}

/** The next activation after `fromMs`, skipping excluded days as upstream's `next` does. */
export function nextFireTime(calendar: CompiledCalendar, fromMs: number): number | undefined {
  let t = nextRaw(calendar, fromMs);
  // Bounded: an exclusion list cannot cover more days than it has entries.
  for (let guard = 0; t !== undefined && isExcluded(calendar, t); guard++) {
    if (guard > 100_000) return undefined;
    t = nextRaw(calendar, t);
  }
  return t;
}

/**
 * The next `n` activations after `from`, exclusion days skipped.
 *
 * @example nextFireTimes({ schedule: '0 9 * * 1-5', timezone: 'Europe/Paris' }, new Date(), 3)
 */
export function nextFireTimes(spec: CalendarSpec | CompiledCalendar, from: Date, n: number): Date[] {
  const calendar = 'zone' in spec ? spec : compileCalendar(spec);
  const times: Date[] = [];
  let t: number | undefined = from.getTime();
  while (times.length < n) {
    t = nextFireTime(calendar, t);
    if (t === undefined) break;
    times.push(new Date(t));
  }
  return times;
}

/**
 * The schedule time an invocation stands for when the caller did not say: the latest activation at or
 * before `nowMs` within `lookbackMs` (an EventBridge Scheduler retry comes at most an hour late), else
 * `nowMs` cut to the minute.
 */
export function latestFireTime(calendar: CompiledCalendar, nowMs: number, lookbackMs = 3_600_000): number {
  const fallback = nowMs - (nowMs % 60_000);
  if (calendar.schedule.kind === 'interval') return fallback;
  let latest: number | undefined;
  let t = nextCronTime(calendar.schedule, nowMs - lookbackMs - 1, calendar.zone);
  while (t !== undefined && t <= nowMs) {
    latest = t;
    t = nextCronTime(calendar.schedule, t, calendar.zone);
  }
  return latest ?? fallback;
}

/** The event data of a tick: Go's `time.Time.String()` of the scheduled time in UTC, without `m=`. */
export function calendarEventData(
  scheduledMs: number,
  spec: Pick<CalendarSpec, 'metadata'>,
): CalendarEventData {
  const data: CalendarEventData = { eventTime: goTimeString(scheduledMs) };
  if (spec.metadata && Object.keys(spec.metadata).length > 0) data.metadata = spec.metadata;
  return data;
}

/**
 * The event id of a tick: 32 hex characters (upstream's id form) derived from the EventSource, the event
 * name and the scheduled instant, so a repeated invocation for the same tick is dropped by the bus.
 */
export function calendarEventId(eventSourceName: string, eventName: string, scheduledMs: number): string {
  return createHash('sha256')
    .update(`calendar\n${eventSourceName}\n${eventName}\n${new Date(scheduledMs).toISOString()}`)
    .digest('hex')
    .slice(0, 32);
}
