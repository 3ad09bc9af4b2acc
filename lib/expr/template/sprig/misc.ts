/**
 * sprig v3.3.0 encoding, regex, hash, uuid, date, path and reflection functions (`strings.go`,
 * `regex.go`, `crypto.go`, `date.go`, `reflect.go`, Go's `path` package).
 */
import { createHash, randomUUID } from 'node:crypto';
import { parseGoDurationNs } from '../../go-duration.ts';
import { compileRegex, quoteMeta, RegexSyntaxError } from '../../regex.ts';
import { canBackquote, quote, sprintf } from '../fmt.ts';
import { FuncError, fn, type TemplateFunc } from '../func.ts';
import { formatTime, isKnownZone, parseTime } from '../time.ts';
import { deepEqual, GoInt, GoTime, kindName, typeName, type Value } from '../value.ts';

// ---- base64 / base32 with Go's strict decoding and error offsets ----

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

class CorruptInput extends Error {
  constructor(readonly offset: number) {
    super(String(offset));
  }
}

/** Go's `Encoding.DecodeString` for StdEncoding (padding required), generic over base64/base32. */
function decodeStrict(src: Buffer, alphabet: string, bitsPer: number): Buffer {
  const quantum = bitsPer === 6 ? 4 : 8;
  const map = new Map<number, number>();
  for (let i = 0; i < alphabet.length; i++) map.set(alphabet.charCodeAt(i), i);
  const out: number[] = [];
  let si = 0;
  for (;;) {
    const dbuf: number[] = [];
    let dlen = quantum;
    let end = false;
    let trailingErr: number | undefined;
    for (let j = 0; j < quantum; j++) {
      if (si === src.length) {
        if (j === 0) return Buffer.from(out);
        throw new CorruptInput(si - j);
      }
      const c = src[si] as number;
      si++;
      const v = map.get(c);
      if (v !== undefined) {
        dbuf[j] = v;
        continue;
      }
      if (c === 0x0a || c === 0x0d) {
        j--;
        continue;
      }
      if (c !== 0x3d) throw new CorruptInput(si - 1);
      // Padding: check its length, then only newlines may follow.
      const minData = bitsPer === 6 ? 2 : 2;
      if (j < minData || (bitsPer === 5 && ![2, 4, 5, 7].includes(j))) throw new CorruptInput(si - 1);
      const padNeeded = quantum - j - 1;
      for (let k = 0; k < padNeeded; k++) {
        while (si < src.length && (src[si] === 0x0a || src[si] === 0x0d)) si++;
        if (si === src.length) throw new CorruptInput(src.length);
        if (src[si] !== 0x3d) throw new CorruptInput(si - 1);
        si++;
      }
      while (si < src.length && (src[si] === 0x0a || src[si] === 0x0d)) si++;
      if (si < src.length) trailingErr = si;
      dlen = j;
      end = true;
      break;
    }
    // Assemble bits.
    let acc = 0n;
    for (let j = 0; j < quantum; j++) acc = (acc << BigInt(bitsPer)) | BigInt(dbuf[j] ?? 0);
    const totalBytes = (quantum * bitsPer) / 8;
    const bytes: number[] = [];
    for (let k = totalBytes - 1; k >= 0; k--) bytes.push(Number((acc >> BigInt(8 * k)) & 0xffn));
    const nBytes = Math.floor((dlen * bitsPer) / 8);
    out.push(...bytes.slice(0, nBytes));
    if (trailingErr !== undefined) throw new CorruptInput(trailingErr);
    if (end) return Buffer.from(out);
  }
}

function b64dec(s: string): string {
  try {
    return decodeStrict(Buffer.from(s, 'utf8'), B64, 6).toString('utf8');
  } catch (err) {
    if (err instanceof CorruptInput) return `illegal base64 data at input byte ${err.offset}`;
    throw err;
  }
}

function b32enc(s: string): string {
  const bytes = Buffer.from(s, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i += 5) {
    const chunk = bytes.subarray(i, i + 5);
    let acc = 0n;
    for (let k = 0; k < 5; k++) acc = (acc << 8n) | BigInt(chunk[k] ?? 0);
    const chars = Math.ceil((chunk.length * 8) / 5);
    for (let k = 0; k < 8; k++) {
      out += k < chars ? B32[Number((acc >> BigInt(35 - 5 * k)) & 31n)] : '=';
    }
  }
  return out;
}

function b32dec(s: string): string {
  try {
    return decodeStrict(Buffer.from(s, 'utf8'), B32, 5).toString('utf8');
  } catch (err) {
    if (err instanceof CorruptInput) return `illegal base32 data at input byte ${err.offset}`;
    throw err;
  }
}

function adler32(s: string): number {
  let a = 1;
  let b = 0;
  for (const byte of Buffer.from(s, 'utf8')) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (b * 65536 + a) >>> 0;
}

const hash = (alg: string) => (s: string) => createHash(alg).update(s, 'utf8').digest('hex');

// ---- regex ----

/** Go's `regexp.MustCompile` panic text. */
function mustCompile(pattern: string) {
  try {
    return compileRegex(pattern);
  } catch (err) {
    if (err instanceof RegexSyntaxError) {
      const q = canBackquote(pattern) ? `\`${pattern}\`` : quote(pattern);
      throw new FuncError(`regexp: Compile(${q}): ${err.message}`);
    }
    throw err;
  }
}

function compileOrError(pattern: string) {
  try {
    return compileRegex(pattern);
  } catch (err) {
    if (err instanceof RegexSyntaxError) throw new FuncError(err.message);
    throw err;
  }
}

// ---- dates ----

function now(): GoTime {
  const ms = Date.now();
  return new GoTime(ms, 0, 'Local');
}

/** sprig dates accept time.Time or int/int64/int32 seconds; anything else (even float64) means now. */
function dateArg(v: Value): GoTime {
  if (v instanceof GoTime) return v;
  if (v instanceof GoInt && (v.type === 'int' || v.type === 'int64' || v.type === 'int32')) {
    return new GoTime(Number(v.n) * 1000, 0, 'Local');
  }
  return now();
}

function dateInZone(layout: string, date: Value, zone: string): string {
  const t = dateArg(date);
  const z = isKnownZone(zone) ? (zone === '' ? 'UTC' : zone) : 'UTC';
  return formatTime(new GoTime(t.ms, t.nanos, z), layout);
}

/** Go's `Duration.String` for a whole number of nanoseconds. */
export function durationString(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    const [unit, div] = u < 1000n ? ['ns', 1n] : u < 1_000_000n ? ['µs', 1000n] : ['ms', 1_000_000n];
    out = fracString(u, div as bigint) + unit;
  } else {
    const h = u / 3_600_000_000_000n;
    u -= h * 3_600_000_000_000n;
    const m = u / 60_000_000_000n;
    u -= m * 60_000_000_000n;
    out = `${fracString(u, 1_000_000_000n)}s`;
    if (h > 0n) out = `${h}h${m}m${out}`;
    else if (m > 0n) out = `${m}m${out}`;
  }
  return neg ? `-${out}` : out;
}

function fracString(u: bigint, div: bigint): string {
  const whole = u / div;
  const frac = u % div;
  if (frac === 0n) return whole.toString();
  const width = div.toString().length - 1;
  return `${whole}.${frac.toString().padStart(width, '0').replace(/0+$/, '')}`;
}

const ZERO_TIME_MS = -62135596800000;

function toDate(layout: string, s: string): GoTime | undefined {
  return parseTime(layout, s, 'Local');
}

function dateModify(d: string, t: GoTime): GoTime | undefined {
  const ns = parseGoDurationNs(d);
  if (ns === undefined) return undefined;
  const totalNanos = t.nanos + (ns % 1e6);
  const ms = t.ms + Math.trunc(ns / 1e6) + Math.floor(totalNanos / 1e6);
  return new GoTime(ms, ((totalNanos % 1e6) + 1e6) % 1e6, t.zone);
}

// ---- paths (Go's path package) ----

/** Go's `path.Clean`. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!rooted) parts.push('..');
      continue;
    }
    parts.push(seg);
  }
  const out = (rooted ? '/' : '') + parts.join('/');
  return out === '' ? '.' : out;
}

function basePath(p: string): string {
  if (p === '') return '.';
  const t = p.replace(/\/+$/, '');
  if (t === '') return '/';
  return t.slice(t.lastIndexOf('/') + 1);
}

function dirPath(p: string): string {
  return cleanPath(p.slice(0, p.lastIndexOf('/') + 1));
}

function extPath(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== '/'; i--) if (p[i] === '.') return p.slice(i);
  return '';
}

const s = (v: Value | undefined): string => v as string;
const n = (v: Value | undefined): number => Number((v as GoInt).n);

/** sprig encoding, regex, hash, uuid, date, path and reflection functions. */
export const MISC_FUNCS: Record<string, TemplateFunc> = {
  b64enc: fn(['string'], ([v]) => Buffer.from(s(v), 'utf8').toString('base64')),
  b64dec: fn(['string'], ([v]) => b64dec(s(v))),
  b32enc: fn(['string'], ([v]) => b32enc(s(v))),
  b32dec: fn(['string'], ([v]) => b32dec(s(v))),

  sha1sum: fn(['string'], ([v]) => hash('sha1')(s(v))),
  sha256sum: fn(['string'], ([v]) => hash('sha256')(s(v))),
  sha512sum: fn(['string'], ([v]) => hash('sha512')(s(v))),
  adler32sum: fn(['string'], ([v]) => String(adler32(s(v)))),
  uuidv4: fn([], () => randomUUID()),

  regexMatch: fn(['string', 'string'], ([re, v]) => {
    try {
      return compileRegex(s(re)).test(s(v));
    } catch {
      return false;
    }
  }),
  mustRegexMatch: fn(['string', 'string'], ([re, v]) => compileOrError(s(re)).test(s(v))),
  regexFindAll: fn(['string', 'string', 'int'], ([re, v, k]) =>
    nilIfEmpty(mustCompile(s(re)).findAll(s(v), n(k))),
  ),
  mustRegexFindAll: fn(['string', 'string', 'int'], ([re, v, k]) =>
    nilIfEmpty(compileOrError(s(re)).findAll(s(v), n(k))),
  ),
  regexFind: fn(['string', 'string'], ([re, v]) => mustCompile(s(re)).find(s(v)) ?? ''),
  mustRegexFind: fn(['string', 'string'], ([re, v]) => compileOrError(s(re)).find(s(v)) ?? ''),
  regexReplaceAll: fn(['string', 'string', 'string'], ([re, v, r]) =>
    mustCompile(s(re)).replaceAll(s(v), s(r)),
  ),
  mustRegexReplaceAll: fn(['string', 'string', 'string'], ([re, v, r]) =>
    compileOrError(s(re)).replaceAll(s(v), s(r)),
  ),
  regexReplaceAllLiteral: fn(['string', 'string', 'string'], ([re, v, r]) =>
    mustCompile(s(re)).replaceAllLiteral(s(v), s(r)),
  ),
  mustRegexReplaceAllLiteral: fn(['string', 'string', 'string'], ([re, v, r]) =>
    compileOrError(s(re)).replaceAllLiteral(s(v), s(r)),
  ),
  regexSplit: fn(['string', 'string', 'int'], ([re, v, k]) =>
    nilIfEmpty(mustCompile(s(re)).split(s(v), n(k))),
  ),
  mustRegexSplit: fn(['string', 'string', 'int'], ([re, v, k]) =>
    nilIfEmpty(compileOrError(s(re)).split(s(v), n(k))),
  ),
  regexQuoteMeta: fn(['string'], ([v]) => quoteMeta(s(v))),

  now: fn([], () => now()),
  date: fn(['string', 'any'], ([f, d]) => dateInZone(s(f), d as Value, 'Local')),
  dateInZone: fn(['string', 'any', 'string'], ([f, d, z]) => dateInZone(s(f), d as Value, s(z))),
  date_in_zone: fn(['string', 'any', 'string'], ([f, d, z]) => dateInZone(s(f), d as Value, s(z))),
  htmlDate: fn(['any'], ([d]) => dateInZone('2006-01-02', d as Value, 'Local')),
  htmlDateInZone: fn(['any', 'string'], ([d, z]) => dateInZone('2006-01-02', d as Value, s(z))),
  dateModify: fn(['string', 'time'], ([d, t]) => dateModify(s(d), t as GoTime) ?? (t as GoTime)),
  date_modify: fn(['string', 'time'], ([d, t]) => dateModify(s(d), t as GoTime) ?? (t as GoTime)),
  mustDateModify: fn(['string', 'time'], ([d, t]) => {
    const r = dateModify(s(d), t as GoTime);
    if (r === undefined) throw new FuncError(`time: invalid duration ${quote(s(d))}`);
    return r;
  }),
  must_date_modify: fn(['string', 'time'], ([d, t]) => {
    const r = dateModify(s(d), t as GoTime);
    if (r === undefined) throw new FuncError(`time: invalid duration ${quote(s(d))}`);
    return r;
  }),
  toDate: fn(['string', 'string'], ([f, v]) => toDate(s(f), s(v)) ?? new GoTime(ZERO_TIME_MS, 0, 'UTC')),
  mustToDate: fn(['string', 'string'], ([f, v]) => {
    const t = toDate(s(f), s(v));
    if (t === undefined) throw new FuncError(`parsing time ${quote(s(v))} as ${quote(s(f))}: cannot parse`);
    return t;
  }),
  unixEpoch: fn(['time'], ([t]) => String(Math.floor((t as GoTime).ms / 1000))),
  duration: fn(['any'], ([v]) => {
    let secs = 0n;
    if (typeof v === 'string') secs = /^[+-]?\d+$/.test(v) ? BigInt(v) : 0n;
    else if (v instanceof GoInt && v.type === 'int64') secs = v.n;
    return durationString(secs * 1_000_000_000n);
  }),
  durationRound: fn(['any'], ([v]) => {
    let d = 0;
    if (typeof v === 'string') d = parseGoDurationNs(v) ?? 0;
    else if (v instanceof GoInt && v.type === 'int64') d = Number(v.n);
    else if (v instanceof GoTime) d = (Date.now() - v.ms) * 1e6;
    const u = Math.abs(d);
    const units: [number, string][] = [
      [3600e9 * 24 * 365, 'y'],
      [3600e9 * 24 * 30, 'mo'],
      [3600e9 * 24, 'd'],
      [3600e9, 'h'],
      [60e9, 'm'],
      [1e9, 's'],
    ];
    for (const [size, suffix] of units) if (u > size) return `${Math.floor(u / size)}${suffix}`;
    return '0s';
  }),
  ago: fn(['any'], ([v]) => {
    const t = dateArg(v as Value);
    const secs = Math.round((Date.now() - t.ms) / 1000);
    return durationString(BigInt(secs) * 1_000_000_000n);
  }),

  base: fn(['string'], ([v]) => basePath(s(v))),
  dir: fn(['string'], ([v]) => dirPath(s(v))),
  clean: fn(['string'], ([v]) => cleanPath(s(v))),
  ext: fn(['string'], ([v]) => extPath(s(v))),
  isAbs: fn(['string'], ([v]) => s(v).startsWith('/')),
  osBase: fn(['string'], ([v]) => basePath(s(v))),
  osDir: fn(['string'], ([v]) => dirPath(s(v))),
  osClean: fn(['string'], ([v]) => cleanPath(s(v))),
  osExt: fn(['string'], ([v]) => extPath(s(v))),
  osIsAbs: fn(['string'], ([v]) => s(v).startsWith('/')),

  typeOf: fn(['any'], ([v]) => sprintf('%T', [v as Value])),
  typeIs: fn(['string', 'any'], ([t, v]) => s(t) === sprintf('%T', [v as Value])),
  typeIsLike: fn(['string', 'any'], ([t, v]) => {
    const tn = typeName(v as Value);
    return s(t) === tn || `*${s(t)}` === tn;
  }),
  kindOf: fn(['any'], ([v]) => kindName(v as Value)),
  kindIs: fn(['string', 'any'], ([t, v]) => s(t) === kindName(v as Value)),
  deepEqual: fn(['any', 'any'], ([a, b]) => deepEqual(a as Value, b as Value)),
};

/** Go's regexp functions return a nil []string when nothing matched: a typed nil that prints as []. */
function nilIfEmpty(list: string[]): Value {
  return list;
}
