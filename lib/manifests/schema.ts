/**
 * A small strict schema language over YAML nodes. Each schema checks one node of a parsed document and
 * returns the plain value it stands for; every problem is recorded with the node's line and column, so a
 * message can point at the exact field (the way middy validates its options strictly, and Kubernetes'
 * strict decoder names the offending field).
 */
import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node, type Pair } from 'yaml';
import type { ManifestIssue } from '../errors.ts';
import { setOwn } from '../own.ts';

const maxAliases = 100;

/** A name seen while checking, resolved once the whole document has been read (conditions, dependency names). */
export interface NameReference {
  kind: 'dependency' | 'dependencyRef' | 'conditions';
  value: string;
  node: Node;
  path: string;
}

/** Where issues are recorded while one document is checked. */
export class SchemaContext {
  readonly issues: ManifestIssue[] = [];
  readonly warnings: ManifestIssue[] = [];
  readonly references: NameReference[] = [];
  private aliasCount = 0;

  constructor(
    readonly file: string,
    readonly lineCounter: LineCounter,
    readonly doc: Document,
  ) {}

  /** Records an error at `node` (or at the start of the file when there is no node). */
  error(node: Node | null | undefined, path: string, message: string): void {
    this.issues.push(this.issue(node, path, message, 'error'));
  }

  /** Records a warning at `node`. */
  warn(node: Node | null | undefined, path: string, message: string): void {
    this.warnings.push(this.issue(node, path, message, 'warning'));
  }

  private issue(
    node: Node | null | undefined,
    path: string,
    message: string,
    severity: ManifestIssue['severity'],
  ): ManifestIssue {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = this.lineCounter.linePos(offset);
    return { file: this.file, line, column: col, path, message, severity };
  }

  /** Follows an alias (`*anchor`) to the node it names. */
  resolve(node: unknown): Node | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      // Aliases can nest exponentially or loop (`&t {dlqTrigger: *t}`); bound them as yaml's toJS does.
      this.aliasCount++;
      if (this.aliasCount > maxAliases) {
        if (this.aliasCount === maxAliases + 1)
          this.error(node, '', `more than ${maxAliases} aliases; expand them`);
        return null;
      }
      return (node.resolve(this.doc) as Node | undefined) ?? null;
    }
    return node as Node;
  }
}

/** Checks one YAML node; returns the plain value, or undefined when the node is invalid. */
export interface Schema<T = unknown> {
  /** What the node must be, for messages ("a string", "a list"). */
  readonly expected: string;
  check(node: Node | null, path: string, ctx: SchemaContext): T | undefined;
}

// ---------------------------------------------------------------- helpers

/** Joins a field path: `spec` + `triggers` = `spec.triggers`. */
export function joinPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + cost);
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The closest candidate to `word`, when one is close enough to be a plausible typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    // Case-only differences (`openwhisk` for `openWhisk`) count as the closest possible match.
    const distance =
      candidate.toLowerCase() === word.toLowerCase()
        ? 0.5
        : editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** Human list: `a, b or c`. */
export function listWords(words: readonly string[], last = 'or'): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${last} ${words[words.length - 1]}`;
}

function describeNode(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const value = node.value;
    if (value === null) return 'null';
    if (typeof value === 'string') return 'a string';
    if (typeof value === 'number' || typeof value === 'bigint') return 'a number';
    if (typeof value === 'boolean') return 'a boolean';
  }
  return 'another kind of value';
}

function mismatch(node: Node | null, path: string, ctx: SchemaContext, expected: string): undefined {
  ctx.error(node, path, `must be ${expected}, not ${describeNode(node)}`);
  return undefined;
}

function scalarValue(node: Node | null): unknown {
  return isScalar(node) ? node.value : undefined;
}

// ---------------------------------------------------------------- scalars

/** Extra checks on a string value; return a message to refuse it. */
export type StringCheck = (value: string) => string | undefined;

/** A string; numbers and booleans are refused (Kubernetes' decoder refuses them too), quoting is the fix. */
export function str(...checks: StringCheck[]): Schema<string> {
  return {
    expected: 'a string',
    check(node, path, ctx) {
      const value = scalarValue(node);
      if (typeof value !== 'string') {
        if (isScalar(node) && (typeof value === 'number' || typeof value === 'boolean')) {
          ctx.error(
            node,
            path,
            `must be a string, not ${describeNode(node)} (quote it: "${node.source ?? String(value)}")`,
          );
          return undefined;
        }
        return mismatch(node, path, ctx, 'a string');
      }
      for (const check of checks) {
        const problem = check(value);
        if (problem !== undefined) {
          ctx.error(node, path, problem);
          return undefined;
        }
      }
      return value;
    },
  };
}

/** A string that is one of `values` ("must be one of create, update, patch, delete"). */
export function enumOf<const V extends string>(
  values: readonly V[],
  options: { allowEmpty?: boolean } = {},
): Schema<V> {
  const inner = str();
  return {
    expected: `one of ${values.join(', ')}`,
    check(node, path, ctx) {
      const value = inner.check(node, path, ctx);
      if (value === undefined) return undefined;
      if (options.allowEmpty && value === '') return value as V;
      if (!(values as readonly string[]).includes(value)) {
        ctx.error(node, path, `must be one of ${values.join(', ')}`);
        return undefined;
      }
      return value as V;
    },
  };
}

/** An integer, optionally bounded. */
export function int(bounds: { min?: number; max?: number } = {}): Schema<number> {
  return {
    expected: 'an integer',
    check(node, path, ctx) {
      const value = scalarValue(node);
      if (typeof value !== 'number' || !Number.isInteger(value))
        return mismatch(node, path, ctx, 'an integer');
      if (bounds.min !== undefined && value < bounds.min) {
        ctx.error(node, path, `must be at least ${bounds.min}`);
        return undefined;
      }
      if (bounds.max !== undefined && value > bounds.max) {
        ctx.error(node, path, `must be at most ${bounds.max}`);
        return undefined;
      }
      return value;
    },
  };
}

/** Any number (Argo's `Amount`), or a string holding one. */
export function amount(): Schema<number | string> {
  return {
    expected: 'a number',
    check(node, path, ctx) {
      const value = scalarValue(node);
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return value;
      return mismatch(node, path, ctx, 'a number');
    },
  };
}

/** Argo's `Int64OrString`: an integer or a string (e.g. a Go duration `"2s"`). */
export function intOrString(check?: StringCheck): Schema<number | string> {
  const asString = check ? str(check) : str();
  return {
    expected: 'an integer or a string',
    check(node, path, ctx) {
      const value = scalarValue(node);
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string') return asString.check(node, path, ctx);
      return mismatch(node, path, ctx, 'an integer or a string');
    },
  };
}

/** A boolean (`true`/`false`; YAML 1.2 does not read `yes` as a boolean). */
export function bool(): Schema<boolean> {
  return {
    expected: 'a boolean',
    check(node, path, ctx) {
      const value = scalarValue(node);
      if (typeof value !== 'boolean') return mismatch(node, path, ctx, 'true or false');
      return value;
    },
  };
}

/** Anything; returns the plain value (an embedded Kubernetes object, a pod template). */
export function any(): Schema<unknown> {
  return {
    expected: 'any value',
    check(node, path, ctx) {
      if (node === null) return null;
      try {
        return node.toJS(ctx.doc, { maxAliasCount: maxAliases });
      } catch (err) {
        ctx.error(node, path, `cannot be read: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    },
  };
}

/** A mapping of any content (an embedded object), refusing scalars and lists. */
export function anyObject(): Schema<Record<string, unknown>> {
  const inner = any();
  return {
    expected: 'a mapping',
    check(node, path, ctx) {
      if (!isMap(node)) return mismatch(node, path, ctx, 'a mapping');
      return inner.check(node, path, ctx) as Record<string, unknown> | undefined;
    },
  };
}

// ---------------------------------------------------------------- collections

/** A list whose items follow `item`; paths read `field[0]`. */
export function arr<T>(item: Schema<T>, options: { minItems?: number } = {}): Schema<T[]> {
  return {
    expected: `a list of ${item.expected}`,
    check(node, path, ctx) {
      if (!isSeq(node)) return mismatch(node, path, ctx, 'a list');
      if (options.minItems !== undefined && node.items.length < options.minItems) {
        ctx.error(
          node,
          path,
          options.minItems === 1 ? 'must not be empty' : `must have at least ${options.minItems} items`,
        );
      }
      const out: T[] = [];
      let ok = true;
      node.items.forEach((raw, index) => {
        const value = item.check(ctx.resolve(raw), `${path}[${index}]`, ctx);
        if (value === undefined) ok = false;
        else out.push(value);
      });
      return ok ? out : undefined;
    },
  };
}

function keyOf(pair: Pair, path: string, ctx: SchemaContext): string | undefined {
  const key = ctx.resolve(pair.key);
  const value = scalarValue(key);
  if (typeof value === 'string') return value;
  // Kubernetes objects are JSON: keys are strings. A plain `1:` key reads as a number in YAML.
  if (isScalar(key) && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
  ctx.error(key, path, 'keys must be strings');
  return undefined;
}

/** A map with free keys (`spec.webhook.<eventName>`, labels); paths read `field.<key>`. */
export function map<T>(value: Schema<T>, options: { key?: StringCheck } = {}): Schema<Record<string, T>> {
  return {
    expected: `a mapping of ${value.expected}`,
    check(node, path, ctx) {
      if (!isMap(node)) return mismatch(node, path, ctx, 'a mapping');
      const out: Record<string, T> = {};
      let ok = true;
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = keyOf(pair, path, ctx);
        if (key === undefined) {
          ok = false;
          continue;
        }
        const keyPath = joinPath(path, key);
        if (seen.has(key)) {
          ctx.error(ctx.resolve(pair.key), keyPath, `duplicate key \`${key}\``);
          ok = false;
          continue;
        }
        seen.add(key);
        const problem = options.key?.(key);
        if (problem !== undefined) {
          ctx.error(ctx.resolve(pair.key), keyPath, problem);
          ok = false;
        }
        const checked = value.check(ctx.resolve(pair.value), keyPath, ctx);
        if (checked === undefined) ok = false;
        else setOwn(out, key, checked);
      }
      return ok ? out : undefined;
    },
  };
}

/** A map of strings (labels, annotations, metadata, headers). */
export function stringMap(): Schema<Record<string, string>> {
  return map(str());
}

// ---------------------------------------------------------------- objects

/** One field of an object schema. */
export interface FieldSpec {
  schema: Schema;
  required?: boolean;
}

/** A required field. */
export function required(schema: Schema): FieldSpec {
  return { schema, required: true };
}

/** A group of keys of which at most (or, when `required`, exactly) one may be set. */
export interface OneOfGroup {
  keys: readonly string[];
  /** Names the group in messages: "trigger type", "source". */
  label: string;
  required?: boolean;
}

/** Checks run after the fields, with the parsed value and the mapping node. */
export type ObjectCheck = (
  value: Record<string, unknown>,
  node: Node,
  path: string,
  ctx: SchemaContext,
) => void;

/** Options of an object schema beyond its fields. */
export interface ObjectOptions {
  oneOf?: readonly OneOfGroup[];
  /** Known keys refused with their own message (unsupported types, misplaced fields). */
  refused?: Readonly<Record<string, string>>;
  /** Keys accepted but reported once as a warning (cluster-only fields). */
  warned?: Readonly<Record<string, string>>;
  checks?: readonly ObjectCheck[];
}

/** Finds a key's pair in a mapping node. */
export function pairOf(node: Node, key: string): Pair | undefined {
  if (!isMap(node)) return undefined;
  return node.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === key);
}

/** The key node of `key` in a mapping node, for positioning an error on a field. */
export function keyNode(node: Node, key: string): Node {
  const pair = pairOf(node, key);
  return ((pair?.key as Node | undefined) ?? node) as Node;
}

/** The value node of `key` in a mapping node. */
export function valueNode(node: Node, key: string): Node {
  const pair = pairOf(node, key);
  return ((pair?.value as Node | undefined) ?? node) as Node;
}

/** An object with known keys: unknown keys are errors with a "did you mean" suggestion. */
export function obj(
  fields: Readonly<Record<string, FieldSpec | Schema>>,
  options: ObjectOptions = {},
): Schema<Record<string, unknown>> {
  const specs: Record<string, FieldSpec> = {};
  for (const [key, spec] of Object.entries(fields)) specs[key] = 'schema' in spec ? spec : { schema: spec };
  const known = [
    ...Object.keys(specs),
    ...Object.keys(options.refused ?? {}),
    ...Object.keys(options.warned ?? {}),
  ];
  return {
    expected: 'a mapping',
    check(node, path, ctx) {
      if (!isMap(node)) return mismatch(node, path, ctx, 'a mapping');
      const out: Record<string, unknown> = {};
      let ok = true;
      let keyProblem = false;
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = keyOf(pair, path, ctx);
        if (key === undefined) {
          ok = false;
          keyProblem = true;
          continue;
        }
        const keyPath = joinPath(path, key);
        const keyNodeOf = ctx.resolve(pair.key);
        if (seen.has(key)) {
          ctx.error(keyNodeOf, keyPath, `duplicate key \`${key}\``);
          ok = false;
          continue;
        }
        seen.add(key);
        // Keys are the user's: `__proto__` or `toString` must not find Object.prototype's members.
        const refusal = ownValue(options.refused, key);
        if (refusal !== undefined) {
          ctx.error(keyNodeOf, keyPath, refusal);
          ok = false;
          keyProblem = true;
          continue;
        }
        const warning = ownValue(options.warned, key);
        if (warning !== undefined) {
          ctx.warn(keyNodeOf, keyPath, warning);
          continue;
        }
        const spec = ownValue(specs, key);
        if (spec === undefined) {
          const hint = suggest(key, known);
          ctx.error(
            keyNodeOf,
            keyPath,
            hint ? `unknown field \`${key}\`; did you mean \`${hint}\`?` : `unknown field \`${key}\``,
          );
          ok = false;
          keyProblem = true;
          continue;
        }
        const value = spec.schema.check(ctx.resolve(pair.value), keyPath, ctx);
        if (value === undefined) ok = false;
        else out[key] = value;
      }
      for (const [key, spec] of Object.entries(specs)) {
        if (spec.required && !seen.has(key)) {
          ctx.error(node, joinPath(path, key), `missing required field \`${key}\``);
          ok = false;
        }
      }
      for (const group of options.oneOf ?? []) {
        // In file order, so the error lands on the key the reader added last.
        const present = [...seen].filter((key) => group.keys.includes(key));
        if (present.length > 1) {
          ctx.error(
            keyNode(node, present[1]!),
            joinPath(path, present[1]!),
            `only one ${group.label} may be set; found ${present.map((key) => `\`${key}\``).join(' and ')}`,
          );
          ok = false;
        } else if (group.required && present.length === 0 && !keyProblem) {
          ctx.error(
            node,
            path,
            `needs one ${group.label}: ${listWords(group.keys.map((key) => `\`${key}\``))}`,
          );
          ok = false;
        }
      }
      if (!ok) return undefined;
      const before = ctx.issues.length;
      for (const check of options.checks ?? []) check(out, node, path, ctx);
      return ctx.issues.length === before ? out : undefined;
    },
  };
}

/** Adds checks to any schema, run on its parsed value. */
export function refine<T>(
  schema: Schema<T>,
  check: (value: T, node: Node, path: string, ctx: SchemaContext) => void,
): Schema<T> {
  return {
    expected: schema.expected,
    check(node, path, ctx) {
      const value = schema.check(node, path, ctx);
      if (value === undefined || node === null) return value;
      const before = ctx.issues.length;
      check(value, node, path, ctx);
      return ctx.issues.length === before ? value : undefined;
    },
  };
}

/** A schema defined later (recursive shapes such as `dlqTrigger`). */
export function lazy<T>(get: () => Schema<T>): Schema<T> {
  return {
    get expected() {
      return get().expected;
    },
    check(node, path, ctx) {
      return get().check(node, path, ctx);
    },
  };
}

/** Wraps a string schema so each valid value is remembered for checks across the document. */
export function recorded(kind: NameReference['kind'], schema: Schema<string>): Schema<string> {
  return {
    expected: schema.expected,
    check(node, path, ctx) {
      const value = schema.check(node, path, ctx);
      if (value !== undefined && node !== null) ctx.references.push({ kind, value, node, path });
      return value;
    },
  };
}

/** `record[key]` when `key` is the record's own: never a member of Object.prototype. */
function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
