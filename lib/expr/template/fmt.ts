/**
 * Go's `fmt` printing (`Sprint`, `Sprintln`, `Sprintf`) and `strconv.FormatFloat`/`Quote` over the template
 * value model. Numbers from JSON are float64 and `%v` is `%g` with the shortest digits, which switches to
 * exponent form when the exponent is < -4 or >= 6 (`src/strconv/ftoa.go` formatDigits: "if precision was
 * the shortest possible, use precision 6 for this decision"), so 1234567 prints `1.234567e+06`.
 */
import { formatTime } from './time.ts';
import { GoInt, GoTime, isMap, NO_VALUE, sortedKeys, typeName, type Value } from './value.ts';

interface Digits {
  /** Decimal digits without leading zeros ('' for zero). */
  d: string;
  /** Position of the decimal point relative to the start of `d`. */
  dp: number;
  neg: boolean;
}

/** Shortest digits that round-trip (JS and Go both pick the shortest, closest representation). */
function shortestDigits(v: number): Digits {
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  if (a === 0) return { d: '', dp: 0, neg };
  const [mant, exp] = a.toExponential().split('e') as [string, string];
  const d = mant.replace('.', '');
  return { d: d.replace(/0+$/, ''), dp: Number(exp) + 1, neg };
}

/** Exact decimal expansion of a double (every double is a finite binary fraction). */
function exactDigits(v: number): Digits {
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  if (a === 0) return { d: '', dp: 0, neg };
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, a);
  const bits = buf.getBigUint64(0);
  const bexp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2: number;
  if (bexp === 0) {
    e2 = -1074;
  } else {
    mant |= 1n << 52n;
    e2 = bexp - 1075;
  }
  let s: string;
  let dp: number;
  if (e2 >= 0) {
    s = (mant << BigInt(e2)).toString();
    dp = s.length;
  } else {
    s = (mant * 5n ** BigInt(-e2)).toString();
    dp = s.length + e2;
  }
  const trimmed = s.replace(/0+$/, '');
  return { d: trimmed, dp, neg };
}

/** Rounds to `nd` significant digits, half to even on the exact value (Go's decimal.Round). */
function roundDigits(x: Digits, nd: number): Digits {
  if (nd < 0) return { d: '', dp: x.dp, neg: x.neg };
  if (nd >= x.d.length) return x;
  const next = x.d.charCodeAt(nd) - 48;
  let up: boolean;
  if (next > 5) up = true;
  else if (next < 5) up = false;
  else if (nd + 1 < x.d.length) up = true;
  else up = nd > 0 && (x.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  let d = x.d.slice(0, nd);
  let dp = x.dp;
  if (up) {
    let i = d.length - 1;
    while (i >= 0 && d[i] === '9') i--;
    if (i < 0) {
      d = '1';
      dp += 1;
    } else {
      d = d.slice(0, i) + String.fromCharCode(d.charCodeAt(i) + 1);
    }
  }
  return { d: d.replace(/0+$/, ''), dp, neg: x.neg };
}

function fmtE(x: Digits, prec: number, e: string): string {
  let out = x.neg ? '-' : '';
  out += x.d.length > 0 ? x.d[0] : '0';
  if (prec > 0) {
    out += '.';
    const frac = x.d.slice(1, prec + 1);
    out += frac + '0'.repeat(prec - frac.length);
  }
  let exp = x.d.length === 0 ? 0 : x.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  return `${out}${e}${sign}${exp < 10 ? `0${exp}` : String(exp)}`;
}

function fmtF(x: Digits, prec: number): string {
  let out = x.neg ? '-' : '';
  if (x.dp > 0) {
    const m = Math.min(x.d.length, x.dp);
    out += x.d.slice(0, m) + '0'.repeat(x.dp - m);
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) {
      const j = x.dp + i;
      out += j >= 0 && j < x.d.length ? x.d[j] : '0';
    }
  }
  return out;
}

/** Go's `strconv.FormatFloat(v, fmt, prec, 64)` for fmt in e, E, f, g, G (prec -1 = shortest). */
export function formatFloat(v: number, fmt: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  const shortest = prec < 0;
  let digs: Digits;
  if (shortest) {
    digs = shortestDigits(v);
    switch (fmt) {
      case 'e':
      case 'E':
        prec = digs.d.length - 1;
        break;
      case 'f':
        prec = Math.max(digs.d.length - digs.dp, 0);
        break;
      default:
        prec = digs.d.length;
    }
  } else {
    const exact = exactDigits(v);
    switch (fmt) {
      case 'e':
      case 'E':
        digs = roundDigits(exact, prec + 1);
        break;
      case 'f':
        digs = roundDigits(exact, exact.dp + prec);
        break;
      default:
        if (prec === 0) prec = 1;
        digs = roundDigits(exact, prec);
    }
  }
  switch (fmt) {
    case 'e':
    case 'E':
      return fmtE(digs, prec, fmt);
    case 'f':
      return fmtF(digs, prec);
    default: {
      let eprec = prec;
      if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
      if (shortest) eprec = 6;
      const exp = digs.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > digs.d.length) prec = digs.d.length;
        return fmtE(digs, prec - 1, fmt === 'g' ? 'e' : 'E');
      }
      if (prec > digs.dp) prec = digs.d.length;
      return fmtF(digs, Math.max(prec - digs.dp, 0));
    }
  }
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's `strconv.Quote` (or `QuoteToASCII`). */
export function quote(s: string, ascii = false, q = '"'): string {
  let out = q;
  for (const ch of s) {
    const r = ch.codePointAt(0) as number;
    if (ch === q || ch === '\\') {
      out += `\\${ch}`;
      continue;
    }
    if (r >= 0xd800 && r <= 0xdfff) {
      out += '\\ufffd';
      continue;
    }
    if (ascii ? r < 0x80 && PRINTABLE.test(ch) : PRINTABLE.test(ch)) {
      out += ch;
      continue;
    }
    switch (ch) {
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (r < 0x20 || r === 0x7f) out += `\\x${r.toString(16).padStart(2, '0')}`;
    else if (r < 0x10000) out += `\\u${r.toString(16).padStart(4, '0')}`;
    else out += `\\U${r.toString(16).padStart(8, '0')}`;
  }
  return out + q;
}

/** Go's `strconv.CanBackquote`: no backquote and no control character other than tab. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '`' || c === 0xfeff || c === 0x7f || (c < 0x20 && c !== 9)) return false;
  }
  return true;
}

/** `%v` of a value, as `fmt.Sprint` prints one operand. */
export function formatValue(v: Value): string {
  return new Printer().print(v, 'v');
}

/** Go's `fmt.Sprint`: spaces between operands when neither side is a string. */
export function sprint(args: readonly Value[]): string {
  const p = new Printer();
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as Value;
    const isString = typeof a === 'string';
    if (i > 0 && !isString && typeof args[i - 1] !== 'string') out += ' ';
    out += p.print(a, 'v');
  }
  return out;
}

/** Go's `fmt.Sprintln`: always spaces, then a newline. */
export function sprintln(args: readonly Value[]): string {
  const p = new Printer();
  return `${args.map((a) => p.print(a, 'v')).join(' ')}\n`;
}

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  wid: number | undefined;
  prec: number | undefined;
}

const NO_FLAGS: Flags = {
  plus: false,
  minus: false,
  sharp: false,
  space: false,
  zero: false,
  wid: undefined,
  prec: undefined,
};

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

class Printer {
  f: Flags = NO_FLAGS;

  pad(s: string): string {
    const w = this.f.wid;
    if (w === undefined) return s;
    const n = w - runeCount(s);
    if (n <= 0) return s;
    if (this.f.minus) return s + ' '.repeat(n);
    return (this.f.zero ? '0' : ' ').repeat(n) + s;
  }

  /** Pads a number: zero padding goes after the sign. */
  padNumber(s: string): string {
    const w = this.f.wid;
    if (w === undefined || !this.f.zero || this.f.minus) return this.pad(s);
    const n = w - s.length;
    if (n <= 0) return s;
    if (s[0] === '-' || s[0] === '+' || s[0] === ' ') return s[0] + '0'.repeat(n) + s.slice(1);
    return '0'.repeat(n) + s;
  }

  badVerb(v: Value, verb: string): string {
    if (v === null || v === NO_VALUE) return `%!${verb}(<nil>)`;
    const saved = this.f;
    this.f = NO_FLAGS;
    const s = `%!${verb}(${typeName(v)}=${this.print(v, 'v')})`;
    this.f = saved;
    return s;
  }

  print(v: Value, verb: string): string {
    if (verb === 'T') return this.pad(typeName(v));
    if (v === null || v === NO_VALUE) return verb === 'v' ? this.pad('<nil>') : this.badVerb(v, verb);
    switch (typeof v) {
      case 'boolean':
        return verb === 'v' || verb === 't' ? this.pad(String(v)) : this.badVerb(v, verb);
      case 'number':
        return this.float(v, verb);
      case 'string':
        return this.string(v, verb);
    }
    if (v instanceof GoInt) return this.integer(v.n, verb, v);
    if (v instanceof GoTime) {
      if (verb === 'v' || verb === 's' || verb === 'q' || verb === 'x' || verb === 'X') {
        return this.string(formatTime(v, '2006-01-02 15:04:05.999999999 -0700 MST'), verb);
      }
      return this.badVerb(v, verb);
    }
    if (Array.isArray(v)) {
      if (this.f.sharp && verb === 'v')
        return this.pad(`[]interface {}{${v.map((x) => this.goSyntax(x)).join(', ')}}`);
      return `[${v.map((x) => this.print(x, verb)).join(' ')}]`;
    }
    if (isMap(v)) {
      const keys = sortedKeys(v);
      if (this.f.sharp && verb === 'v') {
        return `map[string]interface {}{${keys.map((k) => `${quote(k)}:${this.goSyntax(v[k] as Value)}`).join(', ')}}`;
      }
      return `map[${keys.map((k) => `${this.print(k, verb)}:${this.print(v[k] as Value, verb)}`).join(' ')}]`;
    }
    return this.badVerb(v, verb);
  }

  goSyntax(v: Value): string {
    if (v === null || v === NO_VALUE) return 'interface {}(nil)';
    if (typeof v === 'string') return quote(v);
    if (typeof v === 'number') return formatFloat(v, 'g', -1);
    return this.print(v, 'v');
  }

  integer(n: bigint, verb: string, orig: Value): string {
    const f = this.f;
    let s: string;
    const neg = n < 0n;
    const abs = neg ? -n : n;
    switch (verb) {
      case 'v':
      case 'd':
        s = abs.toString(10);
        break;
      case 'b':
        s = abs.toString(2);
        break;
      case 'o':
      case 'O':
        s = abs.toString(8);
        if (verb === 'O') s = `0o${s}`;
        else if (f.sharp) s = `0${s}`;
        break;
      case 'x':
        s = abs.toString(16);
        if (f.sharp) s = `0x${s}`;
        break;
      case 'X':
        s = abs.toString(16).toUpperCase();
        if (f.sharp) s = `0X${s}`;
        break;
      case 'c':
        return this.pad(String.fromCodePoint(Number(n) >= 0 && Number(n) <= 0x10ffff ? Number(n) : 0xfffd));
      case 'q':
        return this.pad(
          quote(
            String.fromCodePoint(Number(n) >= 0 && Number(n) <= 0x10ffff ? Number(n) : 0xfffd),
            f.plus,
            "'",
          ),
        );
      case 'U':
        return this.pad(`U+${abs.toString(16).toUpperCase().padStart(4, '0')}`);
      default:
        return this.badVerb(orig, verb);
    }
    if (f.prec !== undefined) {
      const digitsStart = s.startsWith('0x') || s.startsWith('0X') || s.startsWith('0o') ? 2 : 0;
      const body = s.slice(digitsStart);
      if (f.prec === 0 && n === 0n) s = '';
      else if (body.length < f.prec) s = s.slice(0, digitsStart) + '0'.repeat(f.prec - body.length) + body;
    }
    const sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
    const out = sign + s;
    if (f.prec !== undefined) return this.pad(out);
    return this.padNumber(out);
  }

  float(v: number, verb: string): string {
    const f = this.f;
    let fmtc: 'e' | 'E' | 'f' | 'g' | 'G';
    let prec: number;
    switch (verb) {
      case 'v':
      case 'g':
        fmtc = 'g';
        prec = -1;
        break;
      case 'G':
        fmtc = 'G';
        prec = -1;
        break;
      case 'e':
      case 'E':
        fmtc = verb;
        prec = 6;
        break;
      case 'f':
      case 'F':
        fmtc = 'f';
        prec = 6;
        break;
      default:
        return this.badVerb(v, verb);
    }
    if (f.prec !== undefined) prec = f.prec;
    let num = formatFloat(v, fmtc, prec);
    if (num === 'NaN' || num === '+Inf' || num === '-Inf') {
      // Go keeps the sign of +Inf (fmt.Sprint(math.Inf(1)) is "+Inf"); a space flag replaces it.
      if (num === '+Inf' && f.space && !f.plus) num = ' Inf';
      if (num === 'NaN' && f.plus) num = '+NaN';
      else if (num === 'NaN' && f.space) num = ' NaN';
      const saved = this.f.zero;
      this.f = { ...f, zero: false };
      const out = this.pad(num);
      this.f = { ...f, zero: saved };
      return out;
    }
    if (f.sharp && (fmtc === 'g' || fmtc === 'G') && !num.includes('.')) {
      const ePos = num.search(/[eE]/);
      num = ePos < 0 ? `${num}.` : `${num.slice(0, ePos)}.${num.slice(ePos)}`;
    }
    if (num[0] !== '-') {
      if (f.plus) num = `+${num}`;
      else if (f.space) num = ` ${num}`;
    }
    return this.padNumber(num);
  }

  string(s: string, verb: string): string {
    const f = this.f;
    if (
      f.prec !== undefined &&
      (verb === 'v' || verb === 's' || verb === 'q' || verb === 'x' || verb === 'X')
    ) {
      s = Array.from(s).slice(0, f.prec).join('');
    }
    switch (verb) {
      case 'v':
      case 's':
        return this.pad(s);
      case 'q':
        if (f.sharp && canBackquote(s)) return this.pad(`\`${s}\``);
        return this.pad(quote(s, f.plus));
      case 'x':
      case 'X': {
        const bytes = Buffer.from(s, 'utf8');
        const parts: string[] = [];
        for (const b of bytes) {
          let h = b.toString(16).padStart(2, '0');
          if (verb === 'X') h = h.toUpperCase();
          if (f.sharp) h = (verb === 'X' ? '0X' : '0x') + h;
          parts.push(h);
        }
        return this.pad(parts.join(f.space ? ' ' : ''));
      }
      default:
        return this.badVerb(s, verb);
    }
  }

  /** Go's `fmt.Sprintf`. */
  sprintf(format: string, args: readonly Value[]): string {
    let out = '';
    let argNum = 0;
    let anyReordered = false;
    const end = format.length;
    let i = 0;
    while (i < end) {
      const pct = format.indexOf('%', i);
      if (pct < 0) {
        out += format.slice(i);
        break;
      }
      out += format.slice(i, pct);
      i = pct + 1;
      const f: Flags = { ...NO_FLAGS };
      flags: for (; i < end; i++) {
        switch (format[i]) {
          case '#':
            f.sharp = true;
            break;
          case '0':
            f.zero = true;
            break;
          case '+':
            f.plus = true;
            break;
          case '-':
            f.minus = true;
            break;
          case ' ':
            f.space = true;
            break;
          default:
            break flags;
        }
      }
      // Argument index [n].
      let reordered = false;
      const argIndex = (): void => {
        if (format[i] !== '[') return;
        const close = format.indexOf(']', i);
        const n = close < 0 ? Number.NaN : Number(format.slice(i + 1, close));
        if (Number.isInteger(n) && n >= 1) {
          argNum = n - 1;
          reordered = true;
          anyReordered = true;
          i = close + 1;
        } else {
          badIndex = true;
          i = close < 0 ? end : close + 1;
        }
      };
      let badIndex = false;
      argIndex();
      if (format[i] === '*') {
        i++;
        const a = args[argNum++];
        if (a instanceof GoInt) {
          f.wid = Number(a.n);
          if (f.wid < 0) {
            f.minus = true;
            f.wid = -f.wid;
          }
        } else {
          out += '%!(BADWIDTH)';
        }
        argIndex();
      } else {
        const m = /^\d+/.exec(format.slice(i, i + 8));
        if (m) {
          f.wid = Math.min(Number(m[0]), 1e6);
          i += m[0].length;
        }
      }
      if (format[i] === '.') {
        i++;
        argIndex();
        if (format[i] === '*') {
          i++;
          const a = args[argNum++];
          if (a instanceof GoInt && a.n >= 0n) f.prec = Number(a.n);
          else out += '%!(BADPREC)';
          argIndex();
        } else {
          const m = /^\d+/.exec(format.slice(i, i + 8));
          f.prec = m ? Math.min(Number(m[0]), 1e6) : 0;
          if (m) i += m[0].length;
        }
      }
      if (!reordered) argIndex();
      if (i >= end) {
        out += '%!(NOVERB)';
        break;
      }
      const verb = String.fromCodePoint(format.codePointAt(i) as number);
      i += verb.length;
      if (f.minus) f.zero = false;
      if (verb === '%') {
        out += '%';
        continue;
      }
      if (badIndex) {
        out += `%!${verb}(BADINDEX)`;
        continue;
      }
      if (argNum >= args.length) {
        out += `%!${verb}(MISSING)`;
        continue;
      }
      if (verb === 'w') {
        out += this.badVerbWith(f, args[argNum++] as Value, verb);
        continue;
      }
      this.f = f;
      out += this.print(args[argNum++] as Value, verb);
      this.f = NO_FLAGS;
    }
    if (!anyReordered && argNum < args.length) {
      this.f = NO_FLAGS;
      const extra = args
        .slice(argNum)
        .map((a) => (a === null || a === NO_VALUE ? '<nil>' : `${typeName(a)}=${this.print(a, 'v')}`));
      out += `%!(EXTRA ${extra.join(', ')})`;
    }
    return out;
  }

  badVerbWith(f: Flags, v: Value, verb: string): string {
    this.f = f;
    const s = this.badVerb(v, verb);
    this.f = NO_FLAGS;
    return s;
  }
}

/** Go's `fmt.Sprintf`. */
export function sprintf(format: string, args: readonly Value[]): string {
  return new Printer().sprintf(format, args);
}
