/**
 * Time filter (semantics §3.6): the event's own time, placed on its calendar day in `timezone`, must lie in
 * [start, stop); a stop before start wraps around midnight.
 */
import type { EventDependencyFilter } from '../../manifests/types.ts';
import { errored, failed, passed } from './result.ts';
import type { FilterResult } from './result.ts';

/** Seconds since midnight of an `HH:MM:SS` string, or undefined when Go's parser would refuse it. */
export function parseClock(text: string): number | undefined {
  const match = /^(\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [h, m, s] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (h > 23 || m > 59 || s > 59) return undefined;
  return h * 3600 + m * 60 + s;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat | undefined {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-GB', {
        timeZone: timezone,
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      });
    } catch {
      return undefined;
    }
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** Seconds since local midnight of an instant in a time zone. */
function secondsOfDay(date: Date, formatter: Intl.DateTimeFormat): number {
  const parts = formatter.formatToParts(date);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return part('hour') * 3600 + part('minute') * 60 + part('second');
}

/** Evaluates `filters.time` against the event time (RFC 3339). */
export function evaluateTimeFilter(
  filter: NonNullable<EventDependencyFilter['time']>,
  eventTime: string,
): FilterResult {
  const start = parseClock(filter.start);
  const stop = parseClock(filter.stop);
  if (start === undefined) return errored(`failed to parse start time '${filter.start}' (want HH:MM:SS)`);
  if (stop === undefined) return errored(`failed to parse stop time '${filter.stop}' (want HH:MM:SS)`);
  const timezone = filter.timezone || 'UTC';
  const formatter = formatterFor(timezone);
  if (!formatter) return errored(`invalid timezone '${timezone}'`);
  const instant = new Date(eventTime);
  if (Number.isNaN(instant.getTime())) return errored(`invalid event time '${eventTime}'`);
  const t = secondsOfDay(instant, formatter);
  const inWindow = start < stop ? start <= t && t < stop : t >= start || t < stop;
  return inWindow ? passed : failed;
}
