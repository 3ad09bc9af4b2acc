/**
 * Cron schedules with robfig/cron v3 semantics (the library Argo's calendar source uses): parsing as its
 * `parser.go` does (names, ranges, `N/step`, `?`, the "star" rule for day-of-month vs day-of-week) and
 * `SpecSchedule.Next` step by step, including how it walks through daylight-saving transitions.
 */
import { ExpressionError } from '../../errors.ts';
import { parseGoDuration } from '../../manifests/checks.ts';
import { isKnownZone, wallClock, zonedDate } from './zone.ts';

/** One field: which values fire, and whether it was written as `*` or `?` (robfig's starBit). */
export interface CronField {
  readonly values: readonly boolean[];
  readonly star: boolean;
}

/** A parsed field-based schedule; `location` is the `CRON_TZ=`/`TZ=` prefix, if any. */
export interface CronSpec {
  readonly kind: 'cron';
  readonly second: CronField;
  readonly minute: CronField;
  readonly hour: CronField;
  readonly dom: CronField;
  readonly month: CronField;
  readonly dow: CronField;
  readonly location: string | undefined;
}

/** `@every <duration>`: a constant delay (robfig's ConstantDelaySchedule). */
export interface EverySpec {
  readonly kind: 'every';
  readonly delayMs: number;
  readonly location: string | undefined;
}

export type CronSchedule = CronSpec | EverySpec;

interface Bounds {
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DOW_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** robfig's field bounds; exported for the EventBridge translation. */
export const BOUNDS = {
  second: { min: 0, max: 59 },
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  dom: { min: 1, max: 31 },
  month: { min: 1, max: 12, names: Object.fromEntries(MONTH_NAMES.map((n, i) => [n, i + 1])) },
  dow: { min: 0, max: 6, names: Object.fromEntries(DOW_NAMES.map((n, i) => [n, i])) },
} as const satisfies Record<string, Bounds>;

function fail(spec: string, reason: string): never {
  throw new ExpressionError(`invalid cron \`${spec}\`: ${reason}`);
}

function parseNumber(text: string, bounds: Bounds, spec: string): number {
  const named = bounds.names?.[text.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^[+-]?\d+$/.test(text)) fail(spec, `failed to parse int from ${text}`);
  const value = Number(text);
  if (value < 0) fail(spec, `negative number (${value}) not allowed: ${text}`);
  return value;
}

function parseRange(expr: string, bounds: Bounds, spec: string, values: boolean[]): boolean {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = bounds.min;
    end = bounds.max;
    star = true;
  } else {
    start = parseNumber(lowAndHigh[0] ?? '', bounds, spec);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseNumber(lowAndHigh[1] ?? '', bounds, spec);
    else fail(spec, `too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseNumber(rangeAndStep[1] ?? '', {} as Bounds, spec);
    // "N/step" means "N-max/step".
    if (singleDigit) end = bounds.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) fail(spec, `too many slashes: ${expr}`);
  if (start < bounds.min) fail(spec, `beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
  if (end > bounds.max) fail(spec, `end of range (${end}) above maximum (${bounds.max}): ${expr}`);
  if (start > end) fail(spec, `beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) fail(spec, `step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) values[v] = true;
  return star;
}

function parseField(text: string, bounds: Bounds, spec: string): CronField {
  const values: boolean[] = [];
  let star = false;
  for (const expr of text.split(',')) {
    if (parseRange(expr, bounds, spec, values)) star = true;
  }
  return { values, star };
}

/** robfig's descriptors as the 6-field specs they stand for (each `*` keeps its star bit). */
const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

/**
 * Parses a calendar `schedule`. The 5-field form is Argo's; the optional leading seconds field,
 * `@hourly`-style descriptors and `@every` are accepted too because manifest validation accepts them.
 * Throws ExpressionError naming the problem.
 */
export function parseCron(text: string): CronSchedule {
  let spec = text.trim();
  let location: string | undefined;
  const tz = /^(?:CRON_TZ|TZ)=(\S*)\s+/.exec(spec);
  if (tz) {
    location = tz[1] ?? '';
    if (!isKnownZone(location)) fail(text, `provided bad location ${location}`);
    spec = spec.slice(tz[0].length).trim();
  }
  if (spec.startsWith('@every ')) {
    const ms = parseGoDuration(spec.slice('@every '.length).trim());
    if (ms === undefined) fail(text, `failed to parse duration ${spec}`);
    // robfig's Every: whole seconds, at least one.
    return { kind: 'every', delayMs: Math.max(1000, ms - (ms % 1000)), location };
  }
  const descriptor = DESCRIPTORS[spec];
  if (spec.startsWith('@') && !descriptor) fail(text, `unrecognized descriptor: ${spec}`);
  const fields = (descriptor ?? spec).split(/\s+/).filter((field) => field !== '');
  if (fields.length !== 5 && fields.length !== 6) {
    fail(text, `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  }
  const [second, minute, hour, dom, month, dow] = fields.length === 6 ? fields : ['0', ...fields];
  const field = (value: string | undefined, bounds: Bounds) => parseField(value ?? '*', bounds, text);
  return {
    kind: 'cron',
    second: field(second, BOUNDS.second),
    minute: field(minute, BOUNDS.minute),
    hour: field(hour, BOUNDS.hour),
    dom: field(dom, BOUNDS.dom),
    month: field(month, BOUNDS.month),
    dow: field(dow, BOUNDS.dow),
    location,
  };
}

function dayMatches(spec: CronSpec, dom: number, dow: number): boolean {
  const domMatch = spec.dom.values[dom] === true;
  const dowMatch = spec.dow.values[dow] === true;
  // Standard cron: when both fields are restricted, either one matching is enough.
  if (spec.dom.star || spec.dow.star) return domMatch && dowMatch;
  return domMatch || dowMatch;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * The first activation strictly after `fromMs`, evaluated in `zone` unless the schedule names its own
 * (robfig's `Next`), or undefined when none falls within five years.
 */
export function nextCronTime(schedule: CronSchedule, fromMs: number, zone: string): number | undefined {
  if (schedule.kind === 'every') return fromMs - (((fromMs % SECOND) + SECOND) % SECOND) + schedule.delayMs;
  const loc = schedule.location ?? zone;
  // Start at the next whole second.
  let t = Math.floor(fromMs / SECOND) * SECOND + SECOND;
  let added = false;
  const yearLimit = wallClock(t, loc).year + 5;

  wrap: for (;;) {
    let w = wallClock(t, loc);
    if (w.year > yearLimit) return undefined;

    while (schedule.month.values[w.month] !== true) {
      if (!added) {
        added = true;
        t = zonedDate(loc, w.year, w.month, 1);
        w = wallClock(t, loc);
      }
      t = zonedDate(loc, w.year, w.month + 1, w.day, w.hour, w.minute, w.second);
      w = wallClock(t, loc);
      if (w.month === 1) continue wrap;
    }

    while (!dayMatches(schedule, w.day, w.weekday)) {
      if (!added) {
        added = true;
        t = zonedDate(loc, w.year, w.month, w.day);
        w = wallClock(t, loc);
      }
      t = zonedDate(loc, w.year, w.month, w.day + 1, w.hour, w.minute, w.second);
      w = wallClock(t, loc);
      // Where midnight does not exist (DST), pull the time back to the day boundary as robfig does.
      if (w.hour !== 0) {
        t += w.hour > 12 ? (24 - w.hour) * HOUR : -w.hour * HOUR;
        w = wallClock(t, loc);
      }
      if (w.day === 1) continue wrap;
    }

    while (schedule.hour.values[w.hour] !== true) {
      if (!added) {
        added = true;
        t = zonedDate(loc, w.year, w.month, w.day, w.hour);
      }
      t += HOUR;
      w = wallClock(t, loc);
      if (w.hour === 0) continue wrap;
    }

    while (schedule.minute.values[w.minute] !== true) {
      if (!added) {
        added = true;
        t -= ((t % MINUTE) + MINUTE) % MINUTE;
      }
      t += MINUTE;
      w = wallClock(t, loc);
      if (w.minute === 0) continue wrap;
    }

    while (schedule.second.values[w.second] !== true) {
      if (!added) {
        added = true;
        t -= ((t % SECOND) + SECOND) % SECOND;
      }
      t += SECOND;
      w = wallClock(t, loc);
      if (w.second === 0) continue wrap;
    }
    return t;
  }
}
