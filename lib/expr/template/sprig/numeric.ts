/**
 * sprig v3.3.0 math and conversion functions (`numeric.go`, `functions.go`). Integer math is int64
 * (wrapping like Go) through spf13/cast; the `*f` family goes through shopspring/decimal as sprig does, so
 * `addf 1.1 2.2` is 3.3 rather than 3.3000000000000003.
 */
import { randomInt } from 'node:crypto';
import { sprint } from '../fmt.ts';
import { type ExecBudget, FuncError, fn, MAX_BUILD, type TemplateFunc } from '../func.ts';
import { GoInt, type Value } from '../value.ts';
import { parseInt64, toFloat64, toInt64 } from './convert.ts';

const i64 = (n: bigint): GoInt => new GoInt(n, 'int64');
const int = (n: bigint): GoInt => new GoInt(n, 'int');

/** A decimal: coef × 10^exp. */
interface Dec {
  c: bigint;
  e: number;
}

/** shopspring `NewFromFloat`: the shortest decimal that round-trips the float. */
function decFromFloat(f: number): Dec {
  if (!Number.isFinite(f)) throw new FuncError(`Cannot create a Decimal from ${f}`);
  if (f === 0) return { c: 0n, e: 0 };
  const [mant, exp] = Math.abs(f).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const e = Number(exp) - (digits.length - 1);
  const c = BigInt(digits);
  return { c: f < 0 ? -c : c, e };
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const e = Math.min(a.e, b.e);
  return [a.c * 10n ** BigInt(a.e - e), b.c * 10n ** BigInt(b.e - e), e];
}

function decToFloat(d: Dec): number {
  return Number(`${d.c}e${d.e}`);
}

const DIVISION_PRECISION = 16;

/** shopspring `Div`: quotient rounded half away from zero to 16 decimal places. */
function decDiv(a: Dec, b: Dec): Dec {
  if (b.c === 0n) throw new FuncError('decimal division by zero');
  // Scale so the integer quotient carries DIVISION_PRECISION + 1 fractional digits, then round.
  const shift = DIVISION_PRECISION + 1 + (a.e - b.e);
  let num = a.c;
  let den = b.c;
  if (shift >= 0) num *= 10n ** BigInt(shift);
  else den *= 10n ** BigInt(-shift);
  let q = num / den;
  const neg = q < 0n;
  if (neg) q = -q;
  q = (q + 5n) / 10n;
  return { c: neg ? -q : q, e: -DIVISION_PRECISION };
}

function decimalOp(first: Value, rest: readonly Value[], op: (a: Dec, b: Dec) => Dec): number {
  let acc = decFromFloat(toFloat64(first));
  for (const x of rest) acc = op(acc, decFromFloat(toFloat64(x)));
  return decToFloat(acc);
}

const decAdd = (a: Dec, b: Dec): Dec => {
  const [x, y, e] = align(a, b);
  return { c: x + y, e };
};
const decSub = (a: Dec, b: Dec): Dec => {
  const [x, y, e] = align(a, b);
  return { c: x - y, e };
};
const decMul = (a: Dec, b: Dec): Dec => ({ c: a.c * b.c, e: a.e + b.e });

const num = (v: Value): number => Number((v as GoInt).n);

function bigExtreme(first: Value, rest: readonly Value[], wantMax: boolean): GoInt {
  let acc = toInt64(first);
  for (const x of rest) {
    const v = toInt64(x);
    if (wantMax ? v > acc : v < acc) acc = v;
  }
  return i64(acc);
}

/** sprig `untilStep` (a []int), bounded so a template cannot allocate without limit. */
export function untilStep(start: number, stop: number, step: number, budget: ExecBudget): GoInt[] {
  const out: GoInt[] = [];
  const push = (i: number): void => {
    if (out.length >= MAX_BUILD / 8) throw new FuncError('list exceeds the template limit');
    out.push(int(BigInt(i)));
  };
  if (stop < start) {
    if (step >= 0) return out;
    for (let i = start; i > stop; i += step) push(i);
  } else {
    if (step <= 0) return out;
    for (let i = start; i < stop; i += step) push(i);
  }
  budget.charge(out.length);
  return out;
}

function seq(params: readonly number[], budget: ExecBudget): string {
  let list: GoInt[];
  switch (params.length) {
    case 0:
      return '';
    case 1: {
      const end = params[0] as number;
      const inc = end < 1 ? -1 : 1;
      list = untilStep(1, end + inc, inc, budget);
      break;
    }
    case 2: {
      const [start, end] = params as [number, number];
      const step = end < start ? -1 : 1;
      list = untilStep(start, end + step, step, budget);
      break;
    }
    case 3: {
      const [start, step, end] = params as [number, number, number];
      let inc = 1;
      if (end < start) {
        inc = -1;
        if (step > 0) return '';
      }
      list = untilStep(start, end + inc, step, budget);
      break;
    }
    default:
      return '';
  }
  return list.map((x) => x.n.toString()).join(' ');
}

/** Go's `math.Max`/`math.Min` (NaN wins; +0 beats -0 for max). */
function goMax(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  return Math.max(a, b);
}
function goMin(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  return Math.min(a, b);
}

function round(a: Value, p: number, rOpt: readonly Value[]): number {
  const roundOn = rOpt.length > 0 ? (rOpt[0] as number) : 0.5;
  const val = toFloat64(a);
  const pow = 10 ** p;
  const digit = pow * val;
  const frac = digit - Math.trunc(digit);
  return (frac >= roundOn ? Math.ceil(digit) : Math.floor(digit)) / pow;
}

/** sprig math and number-conversion functions. */
export const NUMERIC_FUNCS: Record<string, TemplateFunc> = {
  int64: fn(['any'], ([v]) => i64(toInt64(v as Value))),
  int: fn(['any'], ([v]) => int(toInt64(v as Value))),
  float64: fn(['any'], ([v]) => toFloat64(v as Value)),
  seq: fn([], (params, b) => seq(params.map(num), b), 'int'),
  toDecimal: fn(['any'], ([v]) => i64(parseInt64(sprint([v as Value]), 8) ?? 0n)),
  until: fn(['int'], ([c], b) => {
    const count = num(c as Value);
    return untilStep(0, count, count < 0 ? -1 : 1, b);
  }),
  untilStep: fn(['int', 'int', 'int'], ([a, s, st], b) =>
    untilStep(num(a as Value), num(s as Value), num(st as Value), b),
  ),
  add1: fn(['any'], ([v]) => i64(toInt64(v as Value) + 1n)),
  add: fn([], (args) => i64(args.reduce<bigint>((acc, x) => acc + toInt64(x), 0n)), 'any'),
  sub: fn(['any', 'any'], ([a, b]) => i64(toInt64(a as Value) - toInt64(b as Value))),
  div: fn(['any', 'any'], ([a, b]) => {
    const d = toInt64(b as Value);
    if (d === 0n) throw new FuncError('runtime error: integer divide by zero');
    return i64(toInt64(a as Value) / d);
  }),
  mod: fn(['any', 'any'], ([a, b]) => {
    const d = toInt64(b as Value);
    if (d === 0n) throw new FuncError('runtime error: integer divide by zero');
    return i64(toInt64(a as Value) % d);
  }),
  mul: fn(
    ['any'],
    ([a, ...rest]) => i64(rest.reduce<bigint>((acc, x) => acc * toInt64(x), toInt64(a as Value))),
    'any',
  ),
  randInt: fn(['int', 'int'], ([lo, hi]) => {
    const span = num(hi as Value) - num(lo as Value);
    if (span <= 0) throw new FuncError('invalid argument to Intn');
    return int(BigInt(randomInt(Math.min(span, 2 ** 47)) + num(lo as Value)));
  }),
  add1f: fn(['any'], ([v]) => decimalOp(v as Value, [int(1n)], decAdd)),
  addf: fn([], (args) => decimalOp(0, args, decAdd), 'any'),
  subf: fn(['any'], ([a, ...rest]) => decimalOp(a as Value, rest, decSub), 'any'),
  divf: fn(['any'], ([a, ...rest]) => decimalOp(a as Value, rest, decDiv), 'any'),
  mulf: fn(['any'], ([a, ...rest]) => decimalOp(a as Value, rest, decMul), 'any'),
  biggest: fn(['any'], ([a, ...rest]) => bigExtreme(a as Value, rest, true), 'any'),
  max: fn(['any'], ([a, ...rest]) => bigExtreme(a as Value, rest, true), 'any'),
  min: fn(['any'], ([a, ...rest]) => bigExtreme(a as Value, rest, false), 'any'),
  maxf: fn(
    ['any'],
    ([a, ...rest]) => rest.reduce<number>((m, x) => goMax(m, toFloat64(x)), toFloat64(a as Value)),
    'any',
  ),
  minf: fn(
    ['any'],
    ([a, ...rest]) => rest.reduce<number>((m, x) => goMin(m, toFloat64(x)), toFloat64(a as Value)),
    'any',
  ),
  ceil: fn(['any'], ([a]) => Math.ceil(toFloat64(a as Value))),
  floor: fn(['any'], ([a]) => Math.floor(toFloat64(a as Value))),
  round: fn(['any', 'int'], ([a, p, ...rest]) => round(a as Value, num(p as Value), rest), 'float64'),
};
