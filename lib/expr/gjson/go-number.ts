/**
 * Go `strconv` conversions gjson relies on: `ParseFloat`, `ParseBool` and `FormatFloat(f, 'f', -1, 64)`.
 * JSON numbers are read the Go way so `Float()` and `String()` agree with Argo Events.
 */

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/;
const SPECIAL = /^(?:([+-]?)(?:inf|infinity)|nan)$/i;

/** Go's underscoreOK: `_` only between digits (or after a base prefix). */
function underscoresOk(s: string): boolean {
  let body = s.replace(/^[+-]/, '');
  let saw = '^';
  let hex = false;
  if (/^0[bBoOxX]/.test(body)) {
    hex = body[1] === 'x' || body[1] === 'X';
    body = body.slice(2);
    saw = '0';
  }
  for (const c of body) {
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
    } else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

/** Go `strconv.ParseFloat(s, 64)` with the error ignored: invalid text gives 0, overflow gives ±Inf. */
export function parseGoFloat(input: string): number {
  let s = input;
  if (s.includes('_')) {
    if (!underscoresOk(s)) return 0;
    s = s.replaceAll('_', '');
  }
  if (DECIMAL.test(s)) return Number(s);
  const special = SPECIAL.exec(s);
  if (special) {
    if (/nan/i.test(s)) return Number.NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  const hex = HEX_FLOAT.exec(s);
  if (hex && (hex[2] !== '' || hex[3] !== '')) {
    const digits = `${hex[2]}${hex[3]}`;
    const mantissa = Number.parseInt(digits, 16);
    const value = mantissa * 2 ** (Number(hex[4]) - 4 * (hex[3] ?? '').length);
    return hex[1] === '-' ? -value : value;
  }
  return 0;
}

/** Go `strconv.ParseBool`; undefined when the text is not a boolean. */
export function parseGoBool(s: string): boolean | undefined {
  switch (s) {
    case '1':
    case 't':
    case 'T':
    case 'TRUE':
    case 'true':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'FALSE':
    case 'false':
    case 'False':
      return false;
    default:
      return undefined;
  }
}

/** Go `strconv.FormatFloat(n, 'f', -1, 64)`: shortest round-trip digits, never an exponent. */
export function formatGoFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Object.is(n, -0)) return '-0';
  const text = String(n);
  const e = text.indexOf('e');
  if (e < 0) return text;
  let mantissa = text.slice(0, e);
  const exponent = Number(text.slice(e + 1));
  let sign = '';
  if (mantissa.startsWith('-')) {
    sign = '-';
    mantissa = mantissa.slice(1);
  }
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const intLen = (dot < 0 ? mantissa.length : dot) + exponent;
  if (intLen <= 0) return `${sign}0.${'0'.repeat(-intLen)}${digits}`;
  if (intLen >= digits.length) return sign + digits + '0'.repeat(intLen - digits.length);
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

/** gjson's own `parseInt`: optional `-`, then decimal digits only; undefined otherwise. */
export function parseGjsonInt(s: string): number | undefined {
  if (!/^-?\d+$/.test(s)) return undefined;
  return Number(s);
}
