/**
 * govaluate's date-literal coercion: a string literal that Go's `time.ParseInLocation` accepts in one of
 * govaluate's fourteen layouts (`parsing.go`, `tryParseTime`) becomes a number, its Unix seconds.
 *
 * Only the layout elements those fourteen layouts use are implemented, with Go's parsing rules
 * (`time/format.go`): case-insensitive day and month names, one-or-two-digit `_2`/`15`/`3`, exactly two
 * digits for `01`/`02`/`04`/`05`, a space in the layout matching a run of spaces, optional fractional
 * seconds after `05`, range checks, and day-of-month validation. The local zone is UTC, as on Lambda.
 */
import type { CivilTime } from '../time-zone.ts';

type Chunk =
  | string
  | 'weekday'
  | 'month'
  | 'underDay'
  | 'zeroDay'
  | 'hour'
  | 'hour12'
  | 'zeroMinute'
  | 'zeroSecond'
  | 'longYear'
  | 'zeroMonth'
  | 'pm'
  | 'zoneName'
  | 'numTZ'
  | 'numColonTZ'
  | 'isoTZ'
  | 'isoColonTZ'
  | 'frac9';

const STD = new Set<string>([
  'weekday',
  'month',
  'underDay',
  'zeroDay',
  'hour',
  'hour12',
  'zeroMinute',
  'zeroSecond',
  'longYear',
  'zeroMonth',
  'pm',
  'zoneName',
  'numTZ',
  'numColonTZ',
  'isoTZ',
  'isoColonTZ',
  'frac9',
]);

// Literal text is written as `=text` so it cannot be confused with a layout element.
const DATE: Chunk[] = ['longYear', '=-', 'zeroMonth', '=-', 'zeroDay'];
const CLOCK: Chunk[] = ['hour', '=:', 'zeroMinute', '=:', 'zeroSecond'];
const LAYOUTS: Chunk[][] = [
  ['weekday', '= ', 'month', '= ', 'underDay', '= ', ...CLOCK, '= ', 'longYear'], // time.ANSIC
  ['weekday', '= ', 'month', '= ', 'underDay', '= ', ...CLOCK, '= ', 'zoneName', '= ', 'longYear'], // UnixDate
  ['weekday', '= ', 'month', '= ', 'zeroDay', '= ', ...CLOCK, '= ', 'numTZ', '= ', 'longYear'], // RubyDate
  ['hour12', '=:', 'zeroMinute', 'pm'], // time.Kitchen
  [...DATE, '=T', ...CLOCK, 'isoColonTZ'], // time.RFC3339
  [...DATE, '=T', ...CLOCK, 'frac9', 'isoColonTZ'], // time.RFC3339Nano
  [...DATE],
  [...DATE, '= ', 'hour', '=:', 'zeroMinute'],
  [...DATE, '= ', ...CLOCK],
  [...DATE, '= ', ...CLOCK, 'numColonTZ'],
  [...DATE, '=T', 'hour', 'isoTZ'],
  [...DATE, '=T', 'hour', '=:', 'zeroMinute', 'isoTZ'],
  [...DATE, '=T', ...CLOCK, 'isoTZ'],
  [...DATE, '=T', ...CLOCK, 'frac9', 'isoTZ'],
];

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A parsed date literal: Unix seconds (as Go's `Time.Unix`) and Go's `Time.String()` text. */
export interface GoTime {
  unix: number;
  text: string;
}

/** Returns the date a govaluate string literal denotes, or undefined when no layout accepts it. */
export function tryParseGoTime(candidate: string): GoTime | undefined {
  for (const layout of LAYOUTS) {
    const parsed = parseLayout(layout, candidate);
    if (parsed !== undefined) return parsed;
  }
  return undefined;
}

interface Fields extends CivilTime {
  nanos: number;
  pm: boolean | undefined;
  /** Seconds east of UTC when the value gave a numeric offset. */
  offset: number | undefined;
  zone: string | undefined;
}

function parseLayout(layout: Chunk[], input: string): GoTime | undefined {
  const f: Fields = {
    year: 0,
    month: 1,
    day: 1,
    hour: 0,
    minute: 0,
    second: 0,
    nanos: 0,
    pm: undefined,
    offset: undefined,
    zone: undefined,
  };
  let value = input;
  for (let i = 0; i < layout.length; i++) {
    const chunk = layout[i] ?? '';
    if (!STD.has(chunk)) {
      const rest = skipLiteral(value, chunk.slice(1));
      if (rest === undefined) return undefined;
      value = rest;
      continue;
    }
    const rest = parseElement(chunk, value, f, layout[i + 1]);
    if (rest === undefined) return undefined;
    value = rest;
  }
  if (value.length > 0) return undefined;
  if (f.pm === true && f.hour < 12) f.hour += 12;
  else if (f.pm === false && f.hour === 12) f.hour = 0;
  if (f.day < 1 || f.day > daysIn(f.month, f.year)) return undefined;
  const wall = daysFromCivil(f.year, f.month, f.day) * 86_400 + f.hour * 3_600 + f.minute * 60 + f.second;
  const offset = f.offset ?? 0;
  return { unix: wall - offset, text: goTimeString(f, offset) };
}

function parseElement(chunk: Chunk, value: string, f: Fields, next: Chunk | undefined): string | undefined {
  switch (chunk) {
    case 'weekday':
      return lookupName(DAY_NAMES, value)?.rest;
    case 'month': {
      const hit = lookupName(MONTH_NAMES, value);
      if (hit === undefined) return undefined;
      f.month = hit.index + 1;
      return hit.rest;
    }
    case 'underDay':
    case 'zeroDay': {
      const v = chunk === 'underDay' && value.startsWith(' ') ? value.slice(1) : value;
      const n = getNum(v, chunk === 'zeroDay');
      if (n === undefined) return undefined;
      f.day = n.num;
      return n.rest;
    }
    case 'hour':
    case 'hour12': {
      const n = getNum(value, false);
      if (n === undefined || n.num > (chunk === 'hour' ? 23 : 12)) return undefined;
      f.hour = n.num;
      return n.rest;
    }
    case 'zeroMinute': {
      const n = getNum(value, true);
      if (n === undefined || n.num >= 60) return undefined;
      f.minute = n.num;
      return n.rest;
    }
    case 'zeroSecond': {
      const n = getNum(value, true);
      if (n === undefined || n.num >= 60) return undefined;
      f.second = n.num;
      // Go accepts fractional seconds the layout does not mention.
      if (next !== 'frac9' && /^[.,][0-9]/.test(n.rest)) return parseFraction(n.rest, f);
      return n.rest;
    }
    case 'frac9':
      return /^[.,][0-9]/.test(value) ? parseFraction(value, f) : value;
    case 'longYear': {
      if (!/^[0-9]{4}/.test(value)) return undefined;
      f.year = Number(value.slice(0, 4));
      return value.slice(4);
    }
    case 'zeroMonth': {
      const n = getNum(value, true);
      if (n === undefined || n.num < 1 || n.num > 12) return undefined;
      f.month = n.num;
      return n.rest;
    }
    case 'pm': {
      const p = value.slice(0, 2);
      if (p !== 'PM' && p !== 'AM') return undefined;
      f.pm = p === 'PM';
      return value.slice(2);
    }
    case 'zoneName':
      return parseZoneName(value, f);
    case 'isoTZ':
    case 'isoColonTZ':
      if (value.startsWith('Z')) {
        f.zone = 'UTC';
        return value.slice(1);
      }
      return parseOffset(value, chunk === 'isoColonTZ', f);
    case 'numTZ':
    case 'numColonTZ':
      return parseOffset(value, chunk === 'numColonTZ', f);
    default:
      return undefined;
  }
}

// Go's `skip`: a space in the layout matches one or more spaces in the value.
function skipLiteral(value: string, literal: string): string | undefined {
  let v = value;
  let p = literal;
  while (p.length > 0) {
    if (p.startsWith(' ')) {
      if (v.length > 0 && !v.startsWith(' ')) return undefined;
      p = p.trimStart();
      v = v.replace(/^ +/, '');
      continue;
    }
    if (v.length === 0 || v[0] !== p[0]) return undefined;
    p = p.slice(1);
    v = v.slice(1);
  }
  return v;
}

function lookupName(names: string[], value: string): { index: number; rest: string } | undefined {
  const head = value.slice(0, 3).toLowerCase();
  const index = names.findIndex((n) => n.toLowerCase() === head);
  return index < 0 || value.length < 3 ? undefined : { index, rest: value.slice(3) };
}

function getNum(value: string, fixed: boolean): { num: number; rest: string } | undefined {
  if (!isDigit(value, 0)) return undefined;
  if (!isDigit(value, 1)) {
    if (fixed) return undefined;
    return { num: Number(value[0]), rest: value.slice(1) };
  }
  return { num: Number(value.slice(0, 2)), rest: value.slice(2) };
}

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

function parseFraction(value: string, f: Fields): string {
  let n = 1;
  while (isDigit(value, n)) n++;
  f.nanos = Number(value.slice(1, Math.min(n, 10)).padEnd(9, '0'));
  return value.slice(n);
}

function parseOffset(value: string, colon: boolean, f: Fields): string | undefined {
  const width = colon ? 6 : 5;
  if (value.length < width || (colon && value[3] !== ':')) return undefined;
  const sign = value[0];
  const hh = getNum(value.slice(1, 3), true);
  const mm = getNum(colon ? value.slice(4, 6) : value.slice(3, 5), true);
  if (hh === undefined || mm === undefined || hh.rest !== '' || mm.rest !== '') return undefined;
  if (hh.num > 24 || mm.num > 60 || (sign !== '+' && sign !== '-')) return undefined;
  const seconds = (hh.num * 60 + mm.num) * 60;
  f.offset = sign === '-' ? -seconds : seconds;
  return value.slice(width);
}

// Go's `parseTimeZone`: abbreviations are accepted by shape; the instant is read as UTC because the
// local zone (UTC) knows no other abbreviation.
function parseZoneName(value: string, f: Fields): string | undefined {
  if (value.startsWith('UTC')) {
    f.zone = 'UTC';
    return value.slice(3);
  }
  if (value.length < 3) return undefined;
  let length = 0;
  if (value.startsWith('ChST') || value.startsWith('MeST')) length = 4;
  else if (value.startsWith('GMT')) length = 3 + signedOffsetLength(value.slice(3));
  else if (value[0] === '+' || value[0] === '-') length = signedOffsetLength(value);
  else {
    let upper = 0;
    while (upper < 6 && upper < value.length && /[A-Z]/.test(value[upper] ?? '')) upper++;
    if (upper === 3) length = 3;
    else if (upper === 4 && (value[3] === 'T' || value.startsWith('WITA'))) length = 4;
    else if (upper === 5 && value[4] === 'T') length = 5;
  }
  if (length === 0) return undefined;
  f.zone = value.slice(0, length);
  return value.slice(length);
}

function signedOffsetLength(value: string): number {
  const match = /^[+-]([0-9]+)/.exec(value);
  if (match === null || Number(match[1]) > 12) return 0;
  return match[0].length;
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm; Date.UTC maps years
// 0–99 to 1900–1999, so it cannot be used for year 0, which Kitchen times get).
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

// Go's `Time.String()`: "2006-01-02 15:04:05.999999999 -0700 MST".
function goTimeString(f: Fields, offset: number): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const frac = f.nanos === 0 ? '' : `.${String(f.nanos).padStart(9, '0').replace(/0+$/, '')}`;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const numeric = `${sign}${two(Math.floor(abs / 3600))}${two(Math.floor(abs / 60) % 60)}`;
  const name = f.zone ?? (offset === 0 ? 'UTC' : numeric);
  const date = `${String(f.year).padStart(4, '0')}-${two(f.month)}-${two(f.day)}`;
  return `${date} ${two(f.hour)}:${two(f.minute)}:${two(f.second)}${frac} ${numeric} ${name}`;
}
