/**
 * text/template's predefined functions (`src/text/template/funcs.go`): comparison with Go's basic-kind
 * rules (a float64 never equals an int: `eq .Input.n 1` is an error, `eq .Input.n 1.0` works), index,
 * slice, len, the print family and the escapers.
 */
import { AND_FUNC, OR_FUNC } from './exec.ts';
import { sprint, sprintf, sprintln } from './fmt.ts';
import { FuncError, fn, type TemplateFunc } from './func.ts';
import { byteLength, GoInt, isMap, isTrue, mapGet, NO_VALUE, typeName, type Value } from './value.ts';

type Kind = 'invalid' | 'bool' | 'int' | 'float' | 'string' | 'other';

function basicKind(v: Value): Kind {
  if (v === NO_VALUE || v === null) return 'invalid';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
  }
  if (v instanceof GoInt) return v.type === 'uint8' ? 'int' : 'int';
  return 'other';
}

const ERR_BAD_COMPARISON_TYPE = 'invalid type for comparison';
const ERR_BAD_COMPARISON = 'incompatible types for comparison';

function eq(arg1: Value, rest: readonly Value[]): boolean {
  if (rest.length === 0) throw new FuncError('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (arg1 !== NO_VALUE && arg1 !== null && arg !== NO_VALUE && arg !== null) {
        throw new FuncError(ERR_BAD_COMPARISON);
      }
    } else {
      switch (k1) {
        case 'bool':
        case 'float':
        case 'string':
          truth = arg1 === arg;
          break;
        case 'int':
          truth = (arg1 as GoInt).n === (arg as GoInt).n;
          break;
        case 'invalid':
          truth = true;
          break;
        default:
          // Maps and slices are not comparable in Go.
          throw new FuncError(`non-comparable type ${sprint([arg])}: ${typeName(arg)}`);
      }
    }
    if (truth) return true;
  }
  return false;
}

function lt(a: Value, b: Value): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k1 === 'other' || k2 === 'invalid' || k2 === 'other') {
    throw new FuncError(ERR_BAD_COMPARISON_TYPE);
  }
  if (k1 !== k2) throw new FuncError(ERR_BAD_COMPARISON);
  switch (k1) {
    case 'bool':
      throw new FuncError(ERR_BAD_COMPARISON_TYPE);
    case 'int':
      return (a as GoInt).n < (b as GoInt).n;
    case 'float':
      return (a as number) < (b as number);
    default: {
      // Go compares strings byte-wise.
      return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string)) < 0;
    }
  }
}

function indexArg(index: Value, cap: number): number {
  if (index === NO_VALUE || index === null) throw new FuncError('cannot index slice/array with nil');
  if (!(index instanceof GoInt)) throw new FuncError(`cannot index slice/array with type ${typeName(index)}`);
  const x = index.n;
  if (x < 0n || x > BigInt(cap)) throw new FuncError(`index out of range: ${x}`);
  return Number(x);
}

function index(item: Value, indexes: readonly Value[]): Value {
  if (item === NO_VALUE || item === null) throw new FuncError('index of untyped nil');
  let cur: Value = item;
  for (const ix of indexes) {
    if (cur === NO_VALUE || cur === null) throw new FuncError('index of nil pointer');
    if (Array.isArray(cur)) {
      const x = indexArg(ix, cur.length);
      if (x === cur.length) throw new FuncError(`index out of range: ${x}`);
      cur = cur[x] as Value;
    } else if (typeof cur === 'string') {
      const bytes: Buffer = Buffer.from(cur, 'utf8');
      const x = indexArg(ix, bytes.length);
      if (x === bytes.length) throw new FuncError(`index out of range: ${x}`);
      cur = new GoInt(BigInt(bytes[x] as number), 'uint8');
    } else if (isMap(cur)) {
      if (ix === NO_VALUE || ix === null) throw new FuncError('value is nil; should be of type string');
      if (typeof ix !== 'string') throw new FuncError(`value has type ${typeName(ix)}; should be string`);
      const v = mapGet(cur, ix);
      // A missing key yields the zero value of interface{}: nil.
      cur = v === NO_VALUE ? null : v;
    } else {
      throw new FuncError(`can't index item of type ${typeName(cur)}`);
    }
  }
  return cur;
}

function slice(item: Value, indexes: readonly Value[]): Value {
  if (item === NO_VALUE || item === null) throw new FuncError('slice of untyped nil');
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  let len: number;
  let isString = false;
  let bytes: Buffer | undefined;
  if (typeof item === 'string') {
    if (indexes.length > 2) throw new FuncError(`cannot 3-index slice a string`);
    bytes = Buffer.from(item, 'utf8');
    len = bytes.length;
    isString = true;
  } else if (Array.isArray(item)) {
    len = item.length;
  } else {
    throw new FuncError(`can't slice item of type ${typeName(item)}`);
  }
  const idx = [0, len];
  for (let i = 0; i < indexes.length; i++) {
    const x = indexArg(indexes[i] as Value, len);
    idx[i] = x;
  }
  const [i0, i1] = idx as [number, number];
  if (i0 > i1) throw new FuncError(`invalid slice index: ${i0} > ${i1}`);
  if (indexes.length === 3) {
    const i2 = idx[2] as number;
    if (i1 > i2) throw new FuncError(`invalid slice index: ${i1} > ${i2}`);
  }
  if (isString) return (bytes as Buffer).subarray(i0, i1).toString('utf8');
  return (item as Value[]).slice(i0, i1);
}

function length(item: Value): Value {
  if (item === NO_VALUE || item === null) throw new FuncError('len of nil pointer');
  if (typeof item === 'string') return new GoInt(BigInt(byteLength(item)));
  if (Array.isArray(item)) return new GoInt(BigInt(item.length));
  if (isMap(item)) return new GoInt(BigInt(Object.keys(item).length));
  throw new FuncError(`len of type ${typeName(item)}`);
}

/** Go's evalArgs for the escapers: one string argument is used as is, anything else is Sprint'ed. */
function evalArgs(args: readonly Value[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === NO_VALUE ? null : a)));
}

/** Go's `template.HTMLEscapeString`. */
export function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => {
    switch (c) {
      case '\0':
        return '\uFFFD';
      case '"':
        return '&#34;';
      case "'":
        return '&#39;';
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      default:
        return '&gt;';
    }
  });
}

/** Go's `template.JSEscapeString`. */
export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const r = ch.codePointAt(0) as number;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
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
    }
    if (r < 0x20 || r === 0x7f) out += `\\u${r.toString(16).toUpperCase().padStart(4, '0')}`;
    else if (r >= 0x80 && !/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) {
      out += `\\u${r.toString(16).toUpperCase().padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
}

/** Go's `url.QueryEscape`. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const nilToInvalid = (v: Value): Value => (v === null ? NO_VALUE : v);
const forPrint = (args: readonly Value[]): Value[] => args.map((a) => (a === NO_VALUE ? null : a));

/** The builtin function map. */
export const BUILTINS: ReadonlyMap<string, TemplateFunc> = new Map<string, TemplateFunc>([
  ['and', AND_FUNC],
  ['or', OR_FUNC],
  ['not', fn(['reflect'], ([a]) => !isTrue(a as Value))],
  ['len', fn(['reflect'], ([a]) => length(a as Value))],
  ['index', fn(['reflect'], ([item, ...ix]) => index(item as Value, ix), 'reflect')],
  ['slice', fn(['reflect'], ([item, ...ix]) => slice(item as Value, ix), 'reflect')],
  ['print', fn([], (args) => sprint(forPrint(args)), 'any')],
  ['println', fn([], (args) => sprintln(forPrint(args)), 'any')],
  ['printf', fn(['string'], ([f, ...args]) => sprintf(f as string, forPrint(args)), 'any')],
  ['html', fn([], (args) => htmlEscape(evalArgs(args)), 'any')],
  ['js', fn([], (args) => jsEscape(evalArgs(args)), 'any')],
  ['urlquery', fn([], (args) => queryEscape(evalArgs(args)), 'any')],
  [
    'call',
    fn(
      ['reflect'],
      ([f]) => {
        throw new FuncError(
          `non-function ${sprint([f === NO_VALUE ? null : (f as Value)])} of type ${typeName(f as Value)}`,
        );
      },
      'reflect',
    ),
  ],
  ['eq', fn(['reflect'], ([a, ...rest]) => eq(nilToInvalid(a as Value), rest.map(nilToInvalid)), 'reflect')],
  ['ne', fn(['reflect', 'reflect'], ([a, b]) => !eq(nilToInvalid(a as Value), [nilToInvalid(b as Value)]))],
  ['lt', fn(['reflect', 'reflect'], ([a, b]) => lt(a as Value, b as Value))],
  ['le', fn(['reflect', 'reflect'], ([a, b]) => lt(a as Value, b as Value) || eq(a as Value, [b as Value]))],
  [
    'gt',
    fn(['reflect', 'reflect'], ([a, b]) => !(lt(a as Value, b as Value) || eq(a as Value, [b as Value]))),
  ],
  ['ge', fn(['reflect', 'reflect'], ([a, b]) => !lt(a as Value, b as Value))],
]);
