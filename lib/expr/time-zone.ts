/**
 * Civil time in IANA zones through the runtime's Intl data: the one place that asks Intl what the clock
 * reads in a zone, for Go's `time` as the template functions see it and for the calendar's cron steps.
 */

/** Calendar date and wall-clock time in one zone (month 1–12). */
export interface CivilTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** A civil time and the zone's short name there (`EST`, `GMT+5:30`), as Intl's en-US names it. */
export interface ZonedParts extends CivilTime {
  zoneName: string;
}

/** The civil time and weekday (0 is Sunday) that instant `ms` reads in UTC, to the whole second. */
export function utcCivilTime(ms: number): CivilTime & { weekday: number } {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

// One formatter per zone: building one costs far more than formatting with it.
function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      timeZoneName: 'short',
      // Years before 1 read as 1 BC, 2 BC…: the era tells them apart (Go's year 0 is 1 BC).
      era: 'short',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** True when `zone` is an IANA name this runtime knows (no aliases such as `Local` or the empty name). */
export function intlKnowsZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** The civil time of instant `ms` (to the whole second) in `zone`; throws a RangeError for an unknown zone. */
export function zonedParts(ms: number, zone: string): ZonedParts {
  const out: ZonedParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, zoneName: '' };
  let bc = false;
  for (const part of formatterFor(zone).formatToParts(Math.floor(ms / 1000) * 1000)) {
    switch (part.type) {
      case 'year':
      case 'month':
      case 'day':
      case 'hour':
      case 'minute':
      case 'second':
        out[part.type] = Number(part.value);
        break;
      case 'timeZoneName':
        out.zoneName = part.value;
        break;
      case 'era':
        bc = part.value === 'BC' || part.value === 'B';
        break;
      default:
        break;
    }
  }
  if (bc) out.year = 1 - out.year;
  return out;
}
