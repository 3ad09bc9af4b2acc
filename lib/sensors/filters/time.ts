/**
 * Time filter (semantics §3.6; argoproj/argo-events: pkg/sensors/dependencies/filter.go `filterTime` and
 * pkg/shared/util/time.go): `start` and `stop` are placed on the event's calendar date in `timezone` (UTC by
 * default) as Go's `time.ParseInLocation` places them, then the event time must lie in [start, stop); a stop
 * before start wraps around midnight. On daylight-saving days this follows Go exactly: a wall time that
 * does not exist or exists twice resolves to the instant Go's `time.Date` picks.
 */
import { intlKnowsZone, zonedParts } from '../../expr/time-zone.ts';
import type { EventDependencyFilter } from '../../manifests/types.ts';
import type { FilterResult } from './result.ts';
import { errored, failed, passed } from './result.ts';

const LAYOUT = '2006-01-02 15:04:05';

/** Seconds since midnight of an `HH:MM:SS` string as Go's layout `15:04:05` reads it, or Go's error text. */
export function parseClock(text: string, date = '0000-01-01'): number | string {
  const value = `${date} ${text}`;
  const cannot = (rest: string, element: string) =>
    `parsing time ${JSON.stringify(value)} as ${JSON.stringify(LAYOUT)}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(element)}`;
  // `15` takes one or two digits; `04` and `05` exactly two; Go also accepts a fraction after the seconds.
  const hour = /^\d{1,2}/.exec(text)?.[0];
  if (hour === undefined) return cannot(text, '15');
  let rest = text.slice(hour.length);
  if (!rest.startsWith(':')) return cannot(rest, ':');
  rest = rest.slice(1);
  const minute = /^\d{2}/.exec(rest)?.[0];
  if (minute === undefined) return cannot(rest, '04');
  rest = rest.slice(2);
  if (!rest.startsWith(':')) return cannot(rest, ':');
  rest = rest.slice(1);
  const second = /^\d{2}/.exec(rest)?.[0];
  if (second === undefined) return cannot(rest, '05');
  rest = rest.slice(2).replace(/^[.,]\d+/, '');
  if (rest !== '') return `parsing time ${JSON.stringify(value)}: extra text: ${JSON.stringify(rest)}`;
  const [h, m, s] = [Number(hour), Number(minute), Number(second)];
  if (h > 23) return `parsing time ${JSON.stringify(value)}: hour out of range`;
  if (m > 59) return `parsing time ${JSON.stringify(value)}: minute out of range`;
  if (s > 59) return `parsing time ${JSON.stringify(value)}: second out of range`;
  return h * 3600 + m * 60 + s;
}

interface Wall {
  year: number;
  month: number;
  day: number;
  /** Wall-clock time read as if it were UTC, in seconds since the epoch. */
  asUtc: number;
}

function wallOf(epochSeconds: number, timezone: string): Wall {
  const { year, month, day, hour, minute, second } = zonedParts(epochSeconds * 1000, timezone);
  return { year, month, day, asUtc: Date.UTC(year, month - 1, day, hour, minute, second) / 1000 };
}

/** Offset from UTC of `timezone` at an instant, in seconds. */
function offsetAt(epochSeconds: number, timezone: string): number {
  return wallOf(epochSeconds, timezone).asUtc - epochSeconds;
}

/** Go's `time.Date` for a wall time given as seconds-as-if-UTC: the zone lookup it does, step for step. */
function instantOfWall(wallAsUtc: number, timezone: string): number {
  const offset = offsetAt(wallAsUtc, timezone);
  const utc = wallAsUtc - offset;
  const corrected = offsetAt(utc, timezone);
  return corrected === offset ? utc : wallAsUtc - corrected;
}

/** Evaluates `filters.time` against the event time (RFC 3339). */
export function evaluateTimeFilter(
  filter: NonNullable<EventDependencyFilter['time']>,
  eventTime: string,
): FilterResult {
  const timezone = filter.timezone || 'UTC';
  const zone = timezone === 'Local' ? 'UTC' : timezone;
  if (!intlKnowsZone(zone)) {
    return errored(`time filter error (invalid timezone '${timezone}': unknown time zone ${timezone})`);
  }
  const millis = Date.parse(eventTime);
  if (Number.isNaN(millis)) return errored(`time filter error (invalid event time '${eventTime}')`);
  const event = millis / 1000;
  const wall = wallOf(Math.floor(event), zone);
  const date = `${String(wall.year).padStart(4, '0')}-${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')}`;
  const midnight = Date.UTC(wall.year, wall.month - 1, wall.day) / 1000;

  const start = parseClock(filter.start, date);
  if (typeof start === 'string') return errored(`time filter error (${start})`);
  const stop = parseClock(filter.stop, date);
  if (typeof stop === 'string') return errored(`time filter error (${stop})`);
  const startAt = instantOfWall(midnight + start, zone);
  const stopAt = instantOfWall(midnight + stop, zone);

  const inWindow = startAt < stopAt ? event >= startAt && event < stopAt : event >= startAt || event < stopAt;
  return inWindow ? passed : failed;
}
