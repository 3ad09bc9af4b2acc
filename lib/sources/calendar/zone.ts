/**
 * Wall-clock arithmetic in IANA time zones through Intl, shaped after Go's `time` package so the cron
 * evaluator can follow robfig/cron's steps exactly (`time.Date` normalisation, `Time.String()`).
 */
import { type CivilTime, intlKnowsZone, utcCivilTime, zonedParts } from '../../expr/time-zone.ts';

/** A civil time in one zone; `weekday` 0 is Sunday. */
export interface WallClock extends CivilTime {
  weekday: number;
}

function isUtc(zone: string): boolean {
  return zone === 'UTC' || zone === 'Etc/UTC' || zone === 'GMT';
}

/** True when `zone` is an IANA name this runtime knows. */
export function isKnownZone(zone: string): boolean {
  return intlKnowsZone(zone);
}

/** The civil time of instant `ms` (whole seconds) in `zone`. */
export function wallClock(ms: number, zone: string): WallClock {
  const seconds = Math.floor(ms / 1000) * 1000;
  if (isUtc(zone)) return utcCivilTime(seconds);
  const { year, month, day, hour, minute, second } = zonedParts(seconds, zone);
  return {
    year,
    month,
    day,
    hour,
    minute,
    second,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

/** The zone's offset from UTC at instant `ms`, in milliseconds (east positive). */
export function zoneOffset(ms: number, zone: string): number {
  if (isUtc(zone)) return 0;
  const w = wallClock(ms, zone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * Go's `time.Date(year, month, day, hour, min, sec, 0, loc)`: out-of-range fields roll over, and a civil
 * time that does not exist or exists twice (DST) resolves the way Go resolves it, so schedules step
 * through transitions exactly as robfig/cron does.
 */
export function zonedDate(
  zone: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
): number {
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const guess = zoneOffset(local, zone);
  if (guess === 0) return local;
  // Go looks the offset up at the civil time read as UTC, then again at the corrected instant if that
  // instant belongs to another zone period.
  const corrected = zoneOffset(local - guess, zone);
  return local - (corrected === guess ? guess : corrected);
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/**
 * Go's `time.Time.String()` for an instant in UTC without the monotonic reading, e.g.
 * `2024-05-01 10:00:00 +0000 UTC` (Argo's calendar `eventTime`; fractional seconds only when present).
 */
export function goTimeString(ms: number): string {
  const d = new Date(ms);
  const fraction = d.getUTCMilliseconds();
  const frac = fraction === 0 ? '' : `.${pad(fraction, 3).replace(/0+$/, '')}`;
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac} +0000 UTC`
  );
}
