/**
 * The conversions sprig relies on: `strval` (sprig), `cast.ToInt64`/`ToFloat64` (spf13/cast v1.7.0) and
 * Go's `strconv` number parsing, over the template value model.
 */
import { formatValue } from '../fmt.ts';
import { underscoreOK } from '../parse.ts';
import { formatTime } from '../time.ts';
import { GoInt, GoTime, NO_VALUE, type Value } from '../value.ts';

/** sprig's `strval`: strings as is, Stringers (time) via String(), everything else `%v`. */
export function strval(v: Value): string {
  if (typeof v === 'string') return v;
  if (v instanceof GoTime) return formatTime(v, '2006-01-02 15:04:05.999999999 -0700 MST');
  if (v === NO_VALUE) return '<nil>';
  return formatValue(v);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's `strconv.ParseInt(s, base, 64)`; base 0 reads 0x/0o/0b/0 prefixes and underscores. */
export function parseInt64(s: string, base = 10): bigint | undefined {
  let t = s;
  let neg = false;
  if (t[0] === '+' || t[0] === '-') {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  let b = base;
  if (base === 0) {
    b = 10;
    if (/^0[xX]/.test(t)) {
      b = 16;
      t = t.slice(2);
    } else if (/^0[oO]/.test(t)) {
      b = 8;
      t = t.slice(2);
    } else if (/^0[bB]/.test(t)) {
      b = 2;
      t = t.slice(2);
    } else if (/^0./.test(t)) {
      b = 8;
      t = t.slice(1);
    }
    if (t.includes('_')) {
      if (!underscoreOK(s)) return undefined;
      t = t.replaceAll('_', '');
    }
  }
  const digits = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^\d+$/, 16: /^[0-9a-fA-F]+$/ }[b as 2 | 8 | 10 | 16];
  if (digits === undefined || !digits.test(t)) return undefined;
  const prefix = b === 16 ? '0x' : b === 8 ? '0o' : b === 2 ? '0b' : '';
  let v = BigInt(prefix + t);
  if (neg) v = -v;
  if (v < INT64_MIN || v > INT64_MAX) return undefined;
  return v;
}

/** Go's `strconv.ParseFloat(s, 64)`; undefined on syntax or range error. */
export function parseFloat64(s: string): number | undefined {
  const t = s.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(t)) return Number.NaN;
  if (/^[+-]?0x/.test(t)) {
    const m = /^([+-]?)0x([0-9a-f_]*)(?:\.([0-9a-f_]*))?p([+-]?[\d_]+)$/.exec(t);
    if (!m || `${m[2]}${m[3] ?? ''}`.replaceAll('_', '') === '') return undefined;
    const intPart = (m[2] ?? '').replaceAll('_', '');
    const frac = (m[3] ?? '').replaceAll('_', '');
    const v =
      Number.parseInt(intPart + frac || '0', 16) * 2 ** (Number(m[4]?.replaceAll('_', '')) - 4 * frac.length);
    if (!Number.isFinite(v)) return undefined;
    return m[1] === '-' ? -v : v;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

/** Go's float64 → int64 conversion (truncation; out of range gives the amd64 "indefinite" value). */
export function floatToInt64(f: number): bigint {
  if (!Number.isFinite(f) || f >= 2 ** 63 || f < -(2 ** 63)) return INT64_MIN;
  return BigInt(Math.trunc(f));
}

function trimZeroDecimal(s: string): string {
  let foundZero = false;
  for (let i = s.length; i > 0; i--) {
    const c = s[i - 1];
    if (c === '.') {
      if (foundZero) return s.slice(0, i - 1);
    } else if (c === '0') {
      foundZero = true;
    } else {
      return s;
    }
  }
  return s;
}

/** spf13/cast `ToInt64` (errors give 0). */
export function toInt64(v: Value): bigint {
  if (v instanceof GoInt) return v.n;
  switch (typeof v) {
    case 'number':
      return floatToInt64(v);
    case 'string':
      return parseInt64(trimZeroDecimal(v), 0) ?? 0n;
    case 'boolean':
      return v ? 1n : 0n;
  }
  return 0n;
}

/** spf13/cast `ToFloat64` (errors give 0). */
export function toFloat64(v: Value): number {
  if (v instanceof GoInt) return Number(v.n);
  switch (typeof v) {
    case 'number':
      return v;
    case 'string':
      return parseFloat64(v) ?? 0;
    case 'boolean':
      return v ? 1 : 0;
  }
  return 0;
}

/** sprig's `strslice`: a list of strings (nil elements dropped); a scalar becomes a one-element list. */
export function strslice(v: Value): string[] {
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== NO_VALUE).map(strval);
  if (v === null || v === NO_VALUE) return [];
  return [strval(v)];
}
