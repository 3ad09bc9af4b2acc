/**
 * A calendar spec as an EventBridge Scheduler expression: `cron(min hour dom month dow year)` or
 * `rate(n unit)` (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html). The
 * translation works on the parsed schedule, so what fires on AWS is exactly what robfig/cron would fire;
 * what Scheduler cannot say is refused with the reason.
 */
import { ExpressionError } from '../../errors.ts';
import type { CronField, CronSpec } from './cron.ts';
import { BOUNDS } from './cron.ts';
import type { CalendarSpec } from './schedule.ts';
import { compileCalendar } from './schedule.ts';

/** A Scheduler expression with the IANA zone it is read in. */
export interface EventBridgeSchedule {
  expression: string;
  timezone: string;
}

function refuse(reason: string): never {
  throw new ExpressionError(`cannot run on EventBridge Scheduler: ${reason}`);
}

function valuesOf(field: CronField, min: number, max: number): number[] {
  const values: number[] = [];
  for (let v = min; v <= max; v++) if (field.values[v] === true) values.push(v);
  return values;
}

/** `1,2,3,5` as `1-3,5`: runs of three or more become ranges. */
function listOf(values: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${values[i]}-${values[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(values[k]));
    i = j + 1;
  }
  return parts.join(',');
}

/** `start/step` when the values are one progression running to the field's end, as Scheduler reads it. */
function stepOf(values: readonly number[], max: number): string | undefined {
  if (values.length < 3) return undefined;
  const step = values[1]! - values[0]!;
  for (let i = 2; i < values.length; i++) if (values[i]! - values[i - 1]! !== step) return undefined;
  return values.at(-1)! + step > max ? `${values[0]}/${step}` : undefined;
}

function field(f: CronField, bounds: { min: number; max: number }): string {
  const values = valuesOf(f, bounds.min, bounds.max);
  if (f.star || values.length === bounds.max - bounds.min + 1) return '*';
  return stepOf(values, bounds.max) ?? listOf(values);
}

function isFull(f: CronField, bounds: { min: number; max: number }): boolean {
  return valuesOf(f, bounds.min, bounds.max).length === bounds.max - bounds.min + 1;
}

/** Day-of-month and day-of-week: Scheduler needs `?` in one of them and numbers weekdays 1-7 from Sunday. */
function days(spec: CronSpec, source: string): [string, string] {
  const domAll = spec.dom.star || isFull(spec.dom, BOUNDS.dom);
  const dowAll = spec.dow.star || isFull(spec.dow, BOUNDS.dow);
  const bothRestricted = !spec.dom.star && !spec.dow.star;
  // Without a star, cron fires when either field matches: a full field then means every day.
  if (bothRestricted && (domAll || dowAll)) return ['*', '?'];
  if (bothRestricted) {
    refuse(
      `\`${source}\` restricts both day of month and day of week, which cron reads as "either"; Scheduler cannot express that: split it into two calendar events`,
    );
  }
  if (dowAll) return [field(spec.dom, BOUNDS.dom), '?'];
  // Scheduler's day-of-week takes no step: list the days.
  const weekdays = valuesOf(spec.dow, BOUNDS.dow.min, BOUNDS.dow.max).map((d) => d + 1);
  return ['?', listOf(weekdays)];
}

/** A constant delay as `rate(...)`; Scheduler counts whole minutes. */
export function rateOf(delayMs: number, source: string): string {
  const minutes = delayMs / 60_000;
  if (!Number.isInteger(minutes) || minutes < 1) {
    refuse(`\`${source}\` is not a whole number of minutes; Scheduler runs a schedule at most once a minute`);
  }
  const [value, unit] =
    minutes % 1440 === 0
      ? [minutes / 1440, 'day']
      : minutes % 60 === 0
        ? [minutes / 60, 'hour']
        : [minutes, 'minute'];
  return `rate(${value} ${unit}${value === 1 ? '' : 's'})`;
}

/**
 * The Scheduler expression and time zone of a calendar spec; throws ExpressionError with the reason
 * when Scheduler cannot run it (seconds, a sub-minute interval, day-of-month *or* day-of-week).
 *
 * @example toEventBridgeSchedule({ schedule: '*\/15 9-17 * * 1-5', timezone: 'Europe/Paris' })
 * // → { expression: 'cron(0/15 9-17 ? * 2-6 *)', timezone: 'Europe/Paris' }
 */
export function toEventBridgeSchedule(spec: CalendarSpec): EventBridgeSchedule {
  const calendar = compileCalendar(spec);
  const { schedule } = calendar;
  if (schedule.kind === 'interval') {
    return { expression: rateOf(schedule.delayMs, spec.interval ?? ''), timezone: calendar.zone };
  }
  const source = spec.schedule ?? '';
  const timezone = schedule.location ?? calendar.zone;
  if (schedule.kind === 'every') return { expression: rateOf(schedule.delayMs, source), timezone };
  const seconds = valuesOf(schedule.second, 0, 59);
  if (seconds.length !== 1 || seconds[0] !== 0) {
    refuse(`\`${source}\` fires on seconds other than 0; Scheduler's finest unit is the minute`);
  }
  const [dom, dow] = days(schedule, source);
  const minute = field(schedule.minute, BOUNDS.minute);
  const hour = field(schedule.hour, BOUNDS.hour);
  const month = field(schedule.month, BOUNDS.month);
  return { expression: `cron(${minute} ${hour} ${dom} ${month} ${dow} *)`, timezone };
}
