/**
 * The antonmedv/expr v1.15.5 subset that EventSource `filter.expression` evaluates before an event is
 * published (semantics §1.6, `argoproj/argo-events:pkg/shared/expr/eval.go`).
 *
 * @example
 * const filter = compileExprLang('body.action == "opened" && sprig.contains("bug", body.title)');
 * filter.evaluate(buildExprEnv(event.data)); // true or false
 */
import { compareStrings } from '../../byte-order.ts';
import { ErrorCode, OutriggerError } from '../../errors.ts';
import { goJsonEscape, goMarshalJson } from '../../events/raw-json.ts';
import { setOwn } from '../../own.ts';
import { compileRegex, RegexSyntaxError } from '../regex.ts';
import { ExprSyntaxProblem, type Node, parse } from './parser.ts';

/** An expression that cannot be compiled (`phase: 'compile'`) or evaluated (`phase: 'evaluate'`). */
export class ExprLangError extends OutriggerError {
  readonly phase: 'compile' | 'evaluate';
  readonly expression: string;

  constructor(expression: string, message: string, phase: 'compile' | 'evaluate', cause?: unknown) {
    super(ErrorCode.ExpressionInvalid, message, { statusCode: 400, expose: true, cause });
    this.phase = phase;
    this.expression = expression;
  }
}

/** A function callable from expressions (environment helpers, builtins and `sprig.<fn>`). */
export type ExprFunction = (...args: unknown[]) => unknown;

/** A compiled expression. */
export interface ExprLangExpression {
  readonly source: string;
  /** Evaluates against an environment from `buildExprEnv`; throws `ExprLangError`. */
  evaluate(env: Record<string, unknown>): unknown;
}

class EvalProblem extends Error {}

let sprigFunctions: Readonly<Record<string, ExprFunction>> = Object.freeze({});

/**
 * Installs the sprig function table behind `sprig.<fn>` (the template module owns sprig). `env` and
 * `expandenv` are dropped, as Argo removes them (process environment must not be readable from a manifest).
 */
export function registerSprigFunctions(table: Readonly<Record<string, ExprFunction>>): void {
  const copy: Record<string, ExprFunction> = Object.create(null);
  for (const [name, fn] of Object.entries(table)) {
    if (name !== 'env' && name !== 'expandenv') copy[name] = fn;
  }
  sprigFunctions = Object.freeze(copy);
}

/**
 * Builds the environment Argo gives a filter expression: the top-level keys of `data` with `-` replaced
 * by `_`, dotted keys expanded into nested maps (a key with a more specific sibling is dropped first), plus
 * `asInt`, `asFloat`, `jsonpath`, `toJson` and `sprig`.
 */
export function buildExprEnv(data: unknown): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ExprLangError('', 'failed to unmarshal data: event data is not a JSON object', 'evaluate');
  }
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) setOwn(params, key.replaceAll('-', '_'), value);
  const env = expand(removeConflicts(params));
  env.asInt = asInt;
  env.asFloat = asFloat;
  env.jsonpath = jsonpath;
  env.toJson = toJson;
  env.sprig = sprigFunctions;
  return env;
}

/** Compiles an expression once; throws `ExprLangError` (phase `compile`) on a syntax error. */
export function compileExprLang(expression: string): ExprLangExpression {
  let root: Node;
  try {
    root = parse(expression);
  } catch (err) {
    if (err instanceof ExprSyntaxProblem) throw new ExprLangError(expression, err.message, 'compile', err);
    if (err instanceof RangeError)
      throw new ExprLangError(expression, 'expression is too deeply nested', 'compile', err);
    throw err;
  }
  return {
    source: expression,
    evaluate(env) {
      try {
        return evaluate(root, env);
      } catch (err) {
        if (err instanceof EvalProblem || err instanceof RegexSyntaxError || err instanceof RangeError) {
          throw new ExprLangError(expression, err.message, 'evaluate', err);
        }
        throw err;
      }
    },
  };
}

// Argo's removeConflicts: with keys sorted, a key directly followed by one of its dotted children goes.
function removeConflicts(m: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(m).sort(compareStrings);
  const out = { ...m };
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i] as string;
    if ((keys[i + 1] as string).startsWith(`${key}.`)) delete out[key];
  }
  return out;
}

// bellows.Expand: `a.b.c: v` becomes `{a: {b: {c: v}}}`. Every part is an own key, `__proto__` included: read
// or written as a plain property, `__proto__.x` reached Object.prototype.
function expand(m: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(m).sort(compareStrings)) {
    const parts = key.split('.');
    let target = out;
    for (const part of parts.slice(0, -1)) {
      const existing = Object.hasOwn(target, part) ? target[part] : undefined;
      if (!isMap(existing)) setOwn(target, part, {});
      target = target[part] as Record<string, unknown>;
    }
    setOwn(target, parts.at(-1) as string, m[key]);
  }
  return out;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNil(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/** Go's name for a value's dynamic type, as expr prints it in errors. */
function goType(value: unknown): string {
  if (isNil(value)) return '<nil>';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float64';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'function') return 'func(...interface {}) interface {}';
  if (Array.isArray(value)) return '[]interface {}';
  return 'map[string]interface {}';
}

function mismatch(op: string, left: unknown, right: unknown): EvalProblem {
  return new EvalProblem(`invalid operation: ${op} (mismatched types ${goType(left)} and ${goType(right)})`);
}

function evaluate(node: Node, env: Record<string, unknown>): unknown {
  switch (node.type) {
    case 'literal':
      return node.value;
    case 'name':
      if (!Object.hasOwn(env, node.name)) throw new EvalProblem(`unknown name ${node.name}`);
      return env[node.name] ?? null;
    case 'unary':
      return unary(node.op, evaluate(node.operand, env));
    case 'binary':
      return binary(node.op, node.left, node.right, env);
    case 'conditional': {
      const test = evaluate(node.test, env);
      if (typeof test !== 'boolean')
        throw new EvalProblem(`non-bool expression (type ${goType(test)}) used as condition`);
      return evaluate(test ? node.then : node.else, env);
    }
    case 'member': {
      const object = evaluate(node.object, env);
      if (isNil(object) && node.optional) return null;
      return fetch(object, evaluate(node.property, env));
    }
    case 'slice':
      return slice(
        evaluate(node.object, env),
        node.from && evaluate(node.from, env),
        node.to && evaluate(node.to, env),
      );
    case 'call':
      return call(node, env);
    case 'array':
      return node.items.map((item) => evaluate(item, env));
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of node.entries) out[String(evaluate(k, env))] = evaluate(v, env);
      return out;
    }
  }
}

function unary(op: string, value: unknown): unknown {
  if (op === 'not' || op === '!') {
    if (typeof value !== 'boolean')
      throw new EvalProblem(`invalid operation: ${op} (mismatched type ${goType(value)})`);
    return !value;
  }
  if (typeof value !== 'number')
    throw new EvalProblem(`invalid operation: ${op} (mismatched type ${goType(value)})`);
  return op === '-' ? -value : value;
}

function binary(op: string, leftNode: Node, rightNode: Node, env: Record<string, unknown>): unknown {
  const left = evaluate(leftNode, env);
  // Logical operators and ?? short-circuit.
  if (op === 'or' || op === '||' || op === 'and' || op === '&&') {
    const isOr = op === 'or' || op === '||';
    if (typeof left !== 'boolean') throw mismatch(op, left, evaluate(rightNode, env));
    if (left === isOr) return left;
    const right = evaluate(rightNode, env);
    if (typeof right !== 'boolean') throw mismatch(op, left, right);
    return right;
  }
  if (op === '??') return isNil(left) ? evaluate(rightNode, env) : left;
  const right = evaluate(rightNode, env);
  switch (op) {
    case '==':
      return equal(left, right);
    case '!=':
      return !equal(left, right);
    case '<':
    case '>':
    case '<=':
    case '>=': {
      const bothNumbers = typeof left === 'number' && typeof right === 'number';
      const bothStrings = typeof left === 'string' && typeof right === 'string';
      if (!bothNumbers && !bothStrings) throw mismatch(op, left, right);
      const l = left as number | string;
      const r = right as number | string;
      return op === '<' ? l < r : op === '>' ? l > r : op === '<=' ? l <= r : l >= r;
    }
    case 'in':
      if (isNil(right)) return false;
      if (Array.isArray(right)) return right.some((item) => equal(left, item));
      if (isMap(right)) {
        if (typeof left !== 'string') throw mismatch(op, left, right);
        return Object.hasOwn(right, left);
      }
      throw new EvalProblem(`operator "in" not defined on ${goType(right)}`);
    case 'matches':
      if (typeof left !== 'string' || typeof right !== 'string') throw mismatch(op, left, right);
      return compileRegex(right).test(left);
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      if (typeof left !== 'string' || typeof right !== 'string') throw mismatch(op, left, right);
      return op === 'contains'
        ? left.includes(right)
        : op === 'startsWith'
          ? left.startsWith(right)
          : left.endsWith(right);
    case '+':
      if (typeof left === 'string' && typeof right === 'string') return left + right;
      return arithmetic(op, left, right, (a, b) => a + b);
    case '-':
      return arithmetic(op, left, right, (a, b) => a - b);
    case '*':
      return arithmetic(op, left, right, (a, b) => a * b);
    case '/':
      return arithmetic(op, left, right, (a, b) => a / b);
    case '%':
      if (!Number.isInteger(left) || !Number.isInteger(right)) throw mismatch(op, left, right);
      if (right === 0) throw new EvalProblem('runtime error: integer divide by zero');
      return (left as number) % (right as number);
    case '**':
    case '^':
      return arithmetic(op, left, right, (a, b) => a ** b);
    case '..': {
      if (!Number.isInteger(left) || !Number.isInteger(right)) throw mismatch(op, left, right);
      const out: number[] = [];
      for (let i = left as number; i <= (right as number); i++) out.push(i);
      return out;
    }
    default:
      throw new EvalProblem(`unknown operator ${op}`);
  }
}

function arithmetic(op: string, left: unknown, right: unknown, fn: (a: number, b: number) => number): number {
  if (typeof left !== 'number' || typeof right !== 'number') throw mismatch(op, left, right);
  return fn(left, right);
}

/** expr's runtime.Equal: numbers compare by value whatever their Go type; otherwise deep equality. */
function equal(a: unknown, b: unknown): boolean {
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k]))
    );
  }
  return a === b;
}

function fetch(object: unknown, property: unknown): unknown {
  if (Array.isArray(object)) {
    if (typeof property !== 'number' || !Number.isInteger(property)) {
      throw new EvalProblem(`cannot fetch ${String(property)} from ${goType(object)}`);
    }
    const index = property < 0 ? object.length + property : property;
    if (index < 0 || index >= object.length) {
      throw new EvalProblem(`index out of range: ${property} (array length is ${object.length})`);
    }
    return object[index] ?? null;
  }
  if (isMap(object) && typeof property === 'string') {
    return Object.hasOwn(object, property) ? (object[property] ?? null) : null;
  }
  throw new EvalProblem(`cannot fetch ${String(property)} from ${goType(object)}`);
}

function slice(object: unknown, from: unknown, to: unknown): unknown {
  if (!Array.isArray(object) && typeof object !== 'string')
    throw new EvalProblem(`cannot slice ${goType(object)}`);
  const start = isNil(from) ? 0 : Number(from);
  const end = isNil(to) ? object.length : Number(to);
  return object.slice(start, end);
}

const BUILTINS: Readonly<Record<string, ExprFunction>> = {
  len: (value) => {
    if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
    if (Array.isArray(value)) return value.length;
    if (isMap(value)) return Object.keys(value).length;
    throw new EvalProblem(`invalid argument for len (type ${goType(value)})`);
  },
  abs: (value) => {
    if (typeof value !== 'number') throw new EvalProblem(`invalid argument for abs (type ${goType(value)})`);
    return Math.abs(value);
  },
  int: (value) => asInt(value),
  float: (value) => asFloat(value),
  upper: (value) => String(value).toUpperCase(),
  lower: (value) => String(value).toLowerCase(),
  trim: (value) => String(value).trim(),
};

function call(node: Extract<Node, { type: 'call' }>, env: Record<string, unknown>): unknown {
  let fn: unknown;
  if (node.callee.type === 'name') {
    const name = node.callee.name;
    fn = Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : Object.hasOwn(env, name) ? env[name] : undefined;
    if (fn === undefined) throw new EvalProblem(`unknown func ${name}`);
  } else {
    fn = evaluate(node.callee, env);
  }
  if (typeof fn !== 'function') throw new EvalProblem(`${goType(fn)} is not callable`);
  const args = node.args.map((arg) => evaluate(arg, env));
  try {
    return (fn as ExprFunction)(...args) ?? null;
  } catch (err) {
    if (err instanceof EvalProblem) throw err;
    // A panic inside a helper (Go) or a thrown error (here) fails the evaluation.
    throw new EvalProblem(err instanceof Error ? err.message : String(err));
  }
}

/** expr's builtin `int` (Argo's `asInt`): truncates numbers, parses decimal integer strings. */
function asInt(value: unknown): number {
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'string' && /^[+-]?[0-9]+$/.test(value)) return Number(value);
  throw new EvalProblem(`invalid operation: int(${typeof value === 'string' ? value : goType(value)})`);
}

/** expr's builtin `float` (Argo's `asFloat`). */
function asFloat(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() === value && value !== '' && !Number.isNaN(Number(value))) {
    return Number(value);
  }
  throw new EvalProblem(`invalid operation: float(${typeof value === 'string' ? value : goType(value)})`);
}

/** Argo's `toJson`, Go's json.Marshal: keys in byte order at every level, `<`, `>`, `&`, U+2028 and U+2029 escaped. */
function toJson(value: unknown): string {
  return goJsonEscape(goMarshalJson(value));
}

/**
 * Argo's `jsonpath(jsonString, path)` (evilmonkeyinc/jsonpath), minimal: `$`, `.name`, `['name']`, `[n]`
 * (negative from the end) and the `*` wildcard. A path with a wildcard yields an array of matches.
 */
function jsonpath(json: unknown, path: unknown): unknown {
  if (typeof json !== 'string' || typeof path !== 'string') {
    throw new EvalProblem('jsonpath expects a JSON string and a path string');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new EvalProblem(`invalid JSON: ${(err as Error).message}`);
  }
  if (!path.startsWith('$')) throw new EvalProblem(`invalid path ${path}: must start with $`);
  const segment = /^(?:\.([A-Za-z_$][\w$-]*|\*)|\[\s*(?:'([^']*)'|"([^"]*)"|(-?[0-9]+)|(\*))\s*\])/;
  let current: unknown[] = [doc];
  let wildcard = false;
  let rest = path.slice(1);
  while (rest.length > 0) {
    const m = segment.exec(rest);
    if (m === null) throw new EvalProblem(`invalid path ${path}: unexpected ${rest}`);
    rest = rest.slice(m[0].length);
    const name = m[1] ?? m[2] ?? m[3];
    if (name === '*' || m[5] !== undefined) {
      wildcard = true;
      current = current.flatMap((v) => (Array.isArray(v) ? v : isMap(v) ? Object.values(v) : []));
    } else if (name !== undefined) {
      current = current.flatMap((v) => (isMap(v) && Object.hasOwn(v, name) ? [v[name]] : []));
      if (current.length === 0 && !wildcard) throw new EvalProblem(`key not found: ${name}`);
    } else {
      const index = Number(m[4]);
      current = current.flatMap((v) => {
        if (!Array.isArray(v)) return [];
        const i = index < 0 ? v.length + index : index;
        return i >= 0 && i < v.length ? [v[i]] : [];
      });
      if (current.length === 0 && !wildcard) throw new EvalProblem(`index out of range: ${index}`);
    }
  }
  return wildcard ? current : current[0];
}
