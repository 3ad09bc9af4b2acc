/**
 * govaluate's evaluation (`EvaluableExpression.go` `evaluateStage`, `evaluationStage.go`): left operand,
 * short-circuit, right operand, type check, operator. Values are Go's as decoded from JSON: number
 * (float64), string, boolean, null (nil), arrays ([]interface{}) and plain objects (map[string]interface{}).
 */
import { type CompiledRegex, compileRegex, RegexSyntaxError } from '../regex.ts';
import { formatGoValue } from './go-format.ts';
import type { OperatorSymbol, Stage } from './planner.ts';

/** A problem found while evaluating; the message is govaluate's. */
export class GovaluateRuntimeProblem extends Error {}

/** A regex literal precompiled at compile time (govaluate's PATTERN token); prints as its source. */
export class PatternValue {
  readonly regex: CompiledRegex;

  constructor(regex: CompiledRegex) {
    this.regex = regex;
  }

  toString(): string {
    return this.regex.source;
  }
}

type Check = (value: unknown) => boolean;
type Operator = (left: unknown, right: unknown) => unknown;

const isString: Check = (v) => typeof v === 'string';
const isNumber: Check = (v) => typeof v === 'number';
const isBool: Check = (v) => typeof v === 'boolean';
const isArray: Check = (v) => Array.isArray(v);
const isRegexOrString: Check = (v) => typeof v === 'string' || v instanceof PatternValue;

interface Checks {
  left?: Check;
  right?: Check;
  /** Checks both sides at once; a failure is reported with the left value. */
  combined?: (left: unknown, right: unknown) => boolean;
}

const comparable = (l: unknown, r: unknown) => (isNumber(l) && isNumber(r)) || (isString(l) && isString(r));
const addable = (l: unknown, r: unknown) => (isNumber(l) && isNumber(r)) || isString(l) || isString(r);
const numbers: Checks = { left: isNumber, right: isNumber };

const CHECKS: Partial<Record<OperatorSymbol, Checks>> = {
  GT: { combined: comparable },
  LT: { combined: comparable },
  GTE: { combined: comparable },
  LTE: { combined: comparable },
  REQ: { left: isString, right: isRegexOrString },
  NREQ: { left: isString, right: isRegexOrString },
  AND: { left: isBool, right: isBool },
  OR: { left: isBool, right: isBool },
  IN: { right: isArray },
  BITWISE_LSHIFT: numbers,
  BITWISE_RSHIFT: numbers,
  BITWISE_OR: numbers,
  BITWISE_AND: numbers,
  BITWISE_XOR: numbers,
  PLUS: { combined: addable },
  MINUS: numbers,
  MULTIPLY: numbers,
  DIVIDE: numbers,
  MODULUS: numbers,
  EXPONENT: numbers,
  NEGATE: { right: isNumber },
  INVERT: { right: isBool },
  BITWISE_NOT: { right: isNumber },
  TERNARY_TRUE: { left: isBool },
};

const SYMBOL_TEXT: Partial<Record<OperatorSymbol, string>> = {
  NOOP: 'NOOP',
  VALUE: 'VALUE',
  EQ: '=',
  NEQ: '!=',
  GT: '>',
  LT: '<',
  GTE: '>=',
  LTE: '<=',
  REQ: '=~',
  NREQ: '!~',
  AND: '&&',
  OR: '||',
  IN: 'in',
  BITWISE_AND: '&',
  BITWISE_OR: '|',
  BITWISE_XOR: '^',
  BITWISE_LSHIFT: '<<',
  BITWISE_RSHIFT: '>>',
  PLUS: '+',
  MINUS: '-',
  MULTIPLY: '*',
  DIVIDE: '/',
  MODULUS: '%',
  EXPONENT: '**',
  NEGATE: '-',
  INVERT: '!',
  BITWISE_NOT: '~',
  TERNARY_TRUE: '?',
  TERNARY_FALSE: ':',
  COALESCE: '??',
};

const num = (v: unknown) => v as number;

const OPERATORS: Record<Exclude<OperatorSymbol, 'VALUE' | 'LITERAL' | 'ACCESS'>, Operator> = {
  NOOP: (_l, r) => r,
  EQ: (l, r) => deepEqual(l, r),
  NEQ: (l, r) => !deepEqual(l, r),
  GT: (l, r) => compare(l, r) > 0,
  LT: (l, r) => compare(l, r) < 0,
  GTE: (l, r) => compare(l, r) >= 0,
  LTE: (l, r) => compare(l, r) <= 0,
  REQ: (l, r) => regexOf(r).test(l as string),
  NREQ: (l, r) => !regexOf(r).test(l as string),
  IN: (l, r) => (r as unknown[]).some((candidate) => interfaceEqual(l, candidate)),
  AND: (l, r) => (l as boolean) && (r as boolean),
  OR: (l, r) => (l as boolean) || (r as boolean),
  PLUS: (l, r) => (isString(l) || isString(r) ? `${formatGoValue(l)}${formatGoValue(r)}` : num(l) + num(r)),
  MINUS: (l, r) => num(l) - num(r),
  MULTIPLY: (l, r) => num(l) * num(r),
  DIVIDE: (l, r) => num(l) / num(r),
  // JavaScript's % is C's fmod, as Go's math.Mod.
  MODULUS: (l, r) => num(l) % num(r),
  EXPONENT: (l, r) => goPow(num(l), num(r)),
  BITWISE_AND: (l, r) => Number(BigInt.asIntN(64, toInt64(num(l)) & toInt64(num(r)))),
  BITWISE_OR: (l, r) => Number(BigInt.asIntN(64, toInt64(num(l)) | toInt64(num(r)))),
  BITWISE_XOR: (l, r) => Number(BigInt.asIntN(64, toInt64(num(l)) ^ toInt64(num(r)))),
  BITWISE_LSHIFT: (l, r) => shift(num(l), num(r), 'left'),
  BITWISE_RSHIFT: (l, r) => shift(num(l), num(r), 'right'),
  NEGATE: (_l, r) => -num(r),
  INVERT: (_l, r) => !(r as boolean),
  BITWISE_NOT: (_l, r) => Number(BigInt.asIntN(64, ~toInt64(num(r)))),
  TERNARY_TRUE: (l, r) => (l === true ? r : null),
  TERNARY_FALSE: (l, r) => (isNil(l) ? r : l),
  COALESCE: (l, r) => (isNil(l) ? r : l),
  SEPARATE: (l, r) => (Array.isArray(l) ? [...l, r] : [l, r]),
};

/** Evaluates a planned stage tree against `params` (Go's MapParameters: own keys only). */
export function evaluateStage(stage: Stage, params: Record<string, unknown>): unknown {
  const { symbol, payload, errorFormat } = stage.info;
  const left = stage.left === undefined ? null : evaluateStage(stage.left, params);

  let skipRight = false;
  switch (symbol) {
    case 'AND':
      if (left === false) return false;
      break;
    case 'OR':
      if (left === true) return true;
      break;
    case 'COALESCE':
      if (!isNil(left)) return left;
      break;
    case 'TERNARY_TRUE':
      skipRight = left === false;
      break;
    case 'TERNARY_FALSE':
      skipRight = !isNil(left);
      break;
    default:
      break;
  }
  const right = skipRight || stage.right === undefined ? null : evaluateStage(stage.right, params);

  const checks = CHECKS[symbol];
  if (checks !== undefined) {
    const text = SYMBOL_TEXT[symbol] ?? '';
    if (checks.combined !== undefined) {
      if (!checks.combined(left, right)) throw typeError(errorFormat, left, text);
    } else {
      if (checks.left !== undefined && !checks.left(left)) throw typeError(errorFormat, left, text);
      if (checks.right !== undefined && !checks.right(right)) throw typeError(errorFormat, right, text);
    }
  }

  switch (symbol) {
    case 'LITERAL':
      return payload;
    case 'VALUE':
      return parameter(params, payload as string);
    case 'ACCESS':
      return access(params, payload as string[]);
    default:
      return OPERATORS[symbol](left, right);
  }
}

function typeError(format: string, value: unknown, symbol: string): GovaluateRuntimeProblem {
  let i = 0;
  const args = [formatGoValue(value), symbol];
  return new GovaluateRuntimeProblem(format.replace(/%v/g, () => args[i++] ?? ''));
}

function parameter(params: Record<string, unknown>, name: string): unknown {
  if (!Object.hasOwn(params, name)) throw new GovaluateRuntimeProblem(`No parameter '${name}' found.`);
  const value = params[name];
  if (value === undefined) return null;
  // govaluate's sanitizedParameters turn every integer type into float64.
  return typeof value === 'bigint' ? Number(value) : value;
}

// govaluate reaches fields and methods of Go structs by reflection. Event data decodes to maps, never
// structs, so every accessor fails the way it fails upstream on a map.
function access(params: Record<string, unknown>, path: string[]): unknown {
  const [head = '', field = ''] = path;
  parameter(params, head);
  throw new GovaluateRuntimeProblem(`Unable to access '${field}', '${head}' is not a struct`);
}

function regexOf(right: unknown): CompiledRegex {
  if (right instanceof PatternValue) return right.regex;
  try {
    return compileRegex(right as string);
  } catch (err) {
    if (err instanceof RegexSyntaxError) {
      throw new GovaluateRuntimeProblem(
        `Unable to compile regexp pattern '${right as string}': ${err.message}`,
      );
    }
    throw err;
  }
}

const SURROGATE = /[\uD800-\uDFFF]/;

// Numbers compare as float64 (any comparison with NaN is false); strings compare bytewise in UTF-8,
// which is code-point order, not JavaScript's UTF-16 order.
function compare(l: unknown, r: unknown): number {
  if (typeof l === 'number' && typeof r === 'number')
    return l > r ? 1 : l < r ? -1 : l === r ? 0 : Number.NaN;
  const ls = l as string;
  const rs = r as string;
  if (!SURROGATE.test(ls) && !SURROGATE.test(rs)) return ls > rs ? 1 : ls < rs ? -1 : 0;
  const a = Array.from(ls);
  const b = Array.from(rs);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]?.codePointAt(0) ?? 0;
    const y = b[i]?.codePointAt(0) ?? 0;
    if (x !== y) return x - y;
  }
  return a.length - b.length;
}

function isNil(value: unknown): boolean {
  return value === null || value === undefined;
}

function isMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Go's reflect.DeepEqual over JSON-shaped values: same type and same contents, NaN unequal to itself. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isMap(a) || isMap(b)) {
    if (!isMap(a) || !isMap(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
  }
  if (a instanceof PatternValue && b instanceof PatternValue) return a.regex.source === b.regex.source;
  return a === b;
}

// Go's `==` on interface values: values of the same comparable type compare by value; two slices or two
// maps cannot be compared and Go panics.
function interfaceEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    throw new GovaluateRuntimeProblem('runtime error: comparing uncomparable type []interface {}');
  }
  if (isMap(a) && isMap(b)) {
    throw new GovaluateRuntimeProblem('runtime error: comparing uncomparable type map[string]interface {}');
  }
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b);
  return a === b;
}

const INT64_MIN = -(2n ** 63n);

// Go's float64 → int64 conversion as compiled for amd64: truncation, and the "integer indefinite"
// value (math.MinInt64) for NaN and out-of-range values.
function toInt64(f: number): bigint {
  if (Number.isNaN(f) || f >= 2 ** 63 || f < -(2 ** 63)) return INT64_MIN;
  return BigInt(Math.trunc(f));
}

// Go's float64 → uint64 conversion on amd64 (negative values wrap, as the signed conversion does).
function toUint64(f: number): bigint {
  if (f < 2 ** 63 || Number.isNaN(f)) return BigInt.asUintN(64, toInt64(f));
  return BigInt.asUintN(64, toInt64(f - 2 ** 63) ^ INT64_MIN);
}

function shift(value: number, by: number, direction: 'left' | 'right'): number {
  const v = toUint64(value);
  const n = toUint64(by);
  if (n >= 64n) return 0;
  return Number(direction === 'left' ? BigInt.asUintN(64, v << n) : v >> n);
}

// Go's math.Pow differs from ** in two special cases.
function goPow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return x ** y;
}
