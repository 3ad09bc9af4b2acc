/**
 * Go `time` formatting and parsing with reference layouts ("2006-01-02T15:04:05Z07:00"), for sprig's date
 * functions. Zones come from the runtime's IANA data (Intl); `Local` is the process zone.
 */
import { type CivilTime, intlKnowsZone, utcCivilTime, zonedParts } from '../time-zone.ts';
import { GoTime } from './value.ts';

const LONG_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type Chunk =
  | { kind: 'lit'; text: string }
  | { kind: 'std'; std: string }
  | { kind: 'frac'; digits: number; trim: boolean; sep: string };

const STD_TOKENS = [
  'January',
  'Jan',
  'Monday',
  'Mon',
  'MST',
  '2006',
  '-07:00:00',
  '-070000',
  '-07:00',
  '-0700',
  '-07',
  'Z07:00:00',
  'Z070000',
  'Z07:00',
  'Z0700',
  'Z07',
  '002',
  '__2',
  '_2',
  '01',
  '02',
  '03',
  '04',
  '05',
  '06',
  '15',
  'PM',
  'pm',
  '1',
  '2',
  '3',
  '4',
  '5',
];

const layoutCache = new Map<string, Chunk[]>();

/** Splits a Go layout into literal text and standard chunks (Go's `nextStdChunk`). */
function parseLayout(layout: string): Chunk[] {
  const cached = layoutCache.get(layout);
  if (cached) return cached;
  const chunks: Chunk[] = [];
  let lit = '';
  let i = 0;
  outer: while (i < layout.length) {
    const c = layout[i] as string;
    // Fractional seconds: .000 / ,000 / .999 (Go's nextStdChunk needs only that no digit follows).
    if ((c === '.' || c === ',') && (layout[i + 1] === '0' || layout[i + 1] === '9')) {
      const ch = layout[i + 1] as string;
      let j = i + 1;
      while (j < layout.length && layout[j] === ch) j++;
      if (!/\d/.test(layout[j] ?? '')) {
        if (lit) chunks.push({ kind: 'lit', text: lit });
        lit = '';
        chunks.push({ kind: 'frac', digits: j - i - 1, trim: ch === '9', sep: c });
        i = j;
        continue;
      }
    }
    for (const tok of STD_TOKENS) {
      if (!layout.startsWith(tok, i)) continue;
      // Go refuses "Jan"/"Mon" followed by a lower-case letter (e.g. "Janet").
      if ((tok === 'Jan' || tok === 'Mon') && /[a-z]/.test(layout[i + 3] ?? '')) continue;
      if (lit) chunks.push({ kind: 'lit', text: lit });
      lit = '';
      chunks.push({ kind: 'std', std: tok });
      i += tok.length;
      continue outer;
    }
    lit += c;
    i++;
  }
  if (lit) chunks.push({ kind: 'lit', text: lit });
  if (layoutCache.size < 256) layoutCache.set(layout, chunks);
  return chunks;
}

interface Fields extends CivilTime {
  weekday: number;
  yday: number;
  offsetSec: number;
  abbr: string;
}

/** The local zone name of this process. */
function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Offset from UTC (seconds) and abbreviation of `zone` at instant `ms`. */
export function zoneOffset(ms: number, zone: string): { offsetSec: number; abbr: string } {
  const tz = zone === 'Local' ? localZone() : zone;
  if (tz === 'UTC' || tz === 'Etc/UTC') return { offsetSec: 0, abbr: 'UTC' };
  const civil = zonedParts(ms, tz);
  const asUtc = utcMs(civil.year, civil.month - 1, civil.day, civil.hour, civil.minute, civil.second);
  const offsetSec = Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 1000);
  let abbr = civil.zoneName;
  if (!/^[A-Z]{3,5}$/.test(abbr)) {
    // Go prints a numeric abbreviation such as "+0530" when the zone has no letters.
    const sign = offsetSec < 0 ? '-' : '+';
    const a = Math.abs(offsetSec);
    const hh = String(Math.floor(a / 3600)).padStart(2, '0');
    const mm = Math.floor((a % 3600) / 60);
    abbr = mm === 0 ? `${sign}${hh}` : `${sign}${hh}${String(mm).padStart(2, '0')}`;
  }
  return { offsetSec, abbr };
}

/** True when the runtime knows the IANA zone (Go's `time.LoadLocation`). */
export function isKnownZone(zone: string): boolean {
  if (zone === '' || zone === 'UTC' || zone === 'Local') return true;
  return intlKnowsZone(zone);
}

function fields(t: GoTime): Fields {
  const { offsetSec, abbr } = zoneOffset(t.ms, t.zone);
  const civil = utcCivilTime(t.ms + offsetSec * 1000);
  const yday =
    Math.floor((utcMs(civil.year, civil.month - 1, civil.day) - utcMs(civil.year, 0, 1)) / 86400000) + 1;
  return { ...civil, yday, offsetSec, abbr };
}

/** `Date.UTC` without its 0..99 → 1900s year mapping. */
function utcMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  const t = new Date(0);
  t.setUTCFullYear(y, mo, d);
  t.setUTCHours(h, mi, s, 0);
  return t.getTime();
}

function pad(n: number, w: number): string {
  const s = String(Math.abs(n)).padStart(w, '0');
  return n < 0 ? `-${s}` : s;
}

function formatOffset(off: number, std: string): string {
  if (std.startsWith('Z') && off === 0) return 'Z';
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  const hh = pad(Math.floor(a / 3600), 2);
  const mm = pad(Math.floor((a % 3600) / 60), 2);
  const ss = pad(a % 60, 2);
  switch (std.replace(/^Z/, '-')) {
    case '-07':
      return sign + hh;
    case '-0700':
      return sign + hh + mm;
    case '-07:00':
      return `${sign}${hh}:${mm}`;
    case '-070000':
      return sign + hh + mm + ss;
    default:
      return `${sign}${hh}:${mm}:${ss}`;
  }
}

/** Go's `Time.Format(layout)`. */
export function formatTime(t: GoTime, layout: string): string {
  const f = fields(t);
  const nanos = (((t.ms % 1000) + 1000) % 1000) * 1e6 + t.nanos;
  let out = '';
  for (const c of parseLayout(layout)) {
    if (c.kind === 'lit') {
      out += c.text;
      continue;
    }
    if (c.kind === 'frac') {
      let digits = String(nanos).padStart(9, '0').slice(0, c.digits);
      if (c.trim) {
        digits = digits.replace(/0+$/, '');
        if (digits) out += c.sep + digits;
      } else {
        out += c.sep + digits;
      }
      continue;
    }
    switch (c.std) {
      case 'January':
        out += LONG_MONTHS[f.month - 1];
        break;
      case 'Jan':
        out += (LONG_MONTHS[f.month - 1] as string).slice(0, 3);
        break;
      case 'Monday':
        out += LONG_DAYS[f.weekday];
        break;
      case 'Mon':
        out += (LONG_DAYS[f.weekday] as string).slice(0, 3);
        break;
      case 'MST':
        out += f.abbr;
        break;
      case '2006':
        out += pad(f.year, 4);
        break;
      case '06':
        out += pad(f.year % 100, 2);
        break;
      case '01':
        out += pad(f.month, 2);
        break;
      case '1':
        out += String(f.month);
        break;
      case '02':
        out += pad(f.day, 2);
        break;
      case '_2':
        out += String(f.day).padStart(2, ' ');
        break;
      case '2':
        out += String(f.day);
        break;
      case '002':
        out += pad(f.yday, 3);
        break;
      case '__2':
        out += String(f.yday).padStart(3, ' ');
        break;
      case '15':
        out += pad(f.hour, 2);
        break;
      case '03':
        out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, 2);
        break;
      case '3':
        out += String(f.hour % 12 === 0 ? 12 : f.hour % 12);
        break;
      case '04':
        out += pad(f.minute, 2);
        break;
      case '4':
        out += String(f.minute);
        break;
      case '05':
        out += pad(f.second, 2);
        break;
      case '5':
        out += String(f.second);
        break;
      case 'PM':
        out += f.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += f.hour >= 12 ? 'pm' : 'am';
        break;
      default:
        out += formatOffset(f.offsetSec, c.std);
    }
  }
  return out;
}

/** Go's `time.ParseInLocation` for the common numeric layouts; undefined when the text does not match. */
export function parseTime(layout: string, value: string, zone: string): GoTime | undefined {
  let year = 1;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanos = 0;
  let pm: boolean | undefined;
  let offset: number | undefined;
  let rest = value;
  const num = (min: number, max: number): number | undefined => {
    const m = new RegExp(`^\\d{${min},${max}}`).exec(rest);
    if (!m) return undefined;
    rest = rest.slice(m[0].length);
    return Number(m[0]);
  };
  const chunks = parseLayout(layout);
  for (let ci = 0; ci < chunks.length; ci++) {
    const c = chunks[ci] as Chunk;
    if (c.kind === 'lit') {
      if (!rest.startsWith(c.text)) return undefined;
      rest = rest.slice(c.text.length);
      continue;
    }
    if (c.kind === 'frac') {
      const m = /^[.,](\d+)/.exec(rest);
      if (!m) {
        if (c.trim) continue;
        return undefined;
      }
      nanos = Number((m[1] as string).slice(0, 9).padEnd(9, '0'));
      rest = rest.slice(m[0].length);
      continue;
    }
    let v: number | undefined;
    switch (c.std) {
      case '2006':
        v = num(4, 4);
        if (v !== undefined) year = v;
        break;
      case '06':
        v = num(2, 2);
        if (v !== undefined) year = v >= 69 ? 1900 + v : 2000 + v;
        break;
      case '01':
      case '1':
        v = num(c.std === '01' ? 2 : 1, 2);
        if (v !== undefined) month = v;
        break;
      case 'January':
      case 'Jan': {
        const names = c.std === 'Jan' ? LONG_MONTHS.map((m) => m.slice(0, 3)) : LONG_MONTHS;
        const idx = names.findIndex((m) => rest.toLowerCase().startsWith(m.toLowerCase()));
        if (idx >= 0) {
          month = idx + 1;
          rest = rest.slice((names[idx] as string).length);
          v = month;
        }
        break;
      }
      case 'Monday':
      case 'Mon': {
        const names = c.std === 'Mon' ? LONG_DAYS.map((m) => m.slice(0, 3)) : LONG_DAYS;
        const idx = names.findIndex((m) => rest.toLowerCase().startsWith(m.toLowerCase()));
        if (idx >= 0) {
          rest = rest.slice((names[idx] as string).length);
          v = idx;
        }
        break;
      }
      case '02':
      case '2':
      case '_2':
        if (c.std === '_2' && rest.startsWith(' ')) rest = rest.slice(1);
        v = num(c.std === '02' ? 2 : 1, 2);
        if (v !== undefined) day = v;
        break;
      case '15':
        v = num(1, 2);
        if (v !== undefined) hour = v;
        break;
      case '03':
      case '3':
        v = num(c.std === '03' ? 2 : 1, 2);
        if (v !== undefined) hour = v;
        break;
      case '04':
      case '4':
        v = num(c.std === '04' ? 2 : 1, 2);
        if (v !== undefined) minute = v;
        break;
      case '05':
      case '5': {
        v = num(c.std === '05' ? 2 : 1, 2);
        if (v !== undefined) second = v;
        // Go accepts fractional seconds after a seconds field even if the layout has none.
        const m = /^[.,](\d+)/.exec(rest);
        if (m && v !== undefined && chunks[ci + 1]?.kind !== 'frac') {
          nanos = Number((m[1] as string).slice(0, 9).padEnd(9, '0'));
          rest = rest.slice(m[0].length);
        }
        break;
      }
      case 'PM':
      case 'pm': {
        const m = /^(AM|PM|am|pm)/.exec(rest);
        if (m) {
          pm = (m[1] as string).toUpperCase() === 'PM';
          rest = rest.slice(2);
          v = 0;
        }
        break;
      }
      case 'MST': {
        const m = /^[A-Z]{3,5}|^UTC/.exec(rest);
        if (m) {
          rest = rest.slice(m[0].length);
          v = 0;
          if (m[0] === 'UTC' || m[0] === 'GMT') offset = 0;
        }
        break;
      }
      default: {
        if (c.std.startsWith('Z') && rest.startsWith('Z')) {
          rest = rest.slice(1);
          offset = 0;
          v = 0;
          break;
        }
        const m = /^([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?/.exec(rest);
        if (m) {
          const sign = m[1] === '-' ? -1 : 1;
          offset = sign * (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0));
          rest = rest.slice(m[0].length);
          v = 0;
        }
      }
    }
    if (v === undefined) return undefined;
  }
  if (rest !== '') return undefined;
  if (pm !== undefined) {
    if (hour > 12) return undefined;
    if (pm && hour < 12) hour += 12;
    if (!pm && hour === 12) hour = 0;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const wall = utcMs(year, month - 1, day, hour, minute, second);
  const checkDay = new Date(wall);
  if (checkDay.getUTCDate() !== day) return undefined;
  let ms: number;
  if (offset !== undefined) {
    ms = wall - offset * 1000;
  } else {
    // Interpret the wall clock in `zone`: guess, then correct by the zone's offset at that instant.
    const guess = wall - zoneOffset(wall, zone).offsetSec * 1000;
    ms = wall - zoneOffset(guess, zone).offsetSec * 1000;
  }
  return new GoTime(ms + Math.floor(nanos / 1e6), nanos % 1e6, zone);
}
