/**
 * The value model of the template engine: JSON data as Go's `encoding/json` decodes it into `interface{}`
 * (numbers are float64, objects `map[string]interface{}`, arrays `[]interface{}`), plus the few Go types
 * that template constants and sprig functions produce (int, int64, time.Time).
 */

import { setOwn } from '../../own.ts';

/** Go's invalid `reflect.Value`: a missing map key. Prints as `<no value>`; becomes nil when passed on. */
export const NO_VALUE: unique symbol = Symbol('no value');
export type NoValue = typeof NO_VALUE;

/** Go integer types that templates and sprig produce. */
export type IntType = 'int' | 'int64' | 'int32' | 'uint8';

/** A Go integer (JS numbers are float64, so integers carry their own type and a 64-bit payload). */
export class GoInt {
  readonly n: bigint;
  readonly type: IntType;

  constructor(n: bigint, type: IntType = 'int') {
    this.n = type === 'uint8' ? BigInt.asUintN(8, n) : BigInt.asIntN(type === 'int32' ? 32 : 64, n);
    this.type = type;
  }
}

/** A Go `time.Time`: an instant (ms + sub-ms nanoseconds) and the zone it is shown in. */
export class GoTime {
  /** Milliseconds since the Unix epoch. */
  readonly ms: number;
  /** Nanoseconds within the millisecond, 0..999999. */
  readonly nanos: number;
  /** IANA zone name, `UTC` or `Local`. */
  readonly zone: string;

  constructor(ms: number, nanos = 0, zone = 'UTC') {
    this.ms = ms;
    this.nanos = nanos;
    this.zone = zone;
  }
}

/** A `map[string]interface{}` (plain or null-prototype object). */
export interface GoMap {
  [key: string]: Value;
}

/** Any value a template can hold. `null` is a nil interface. */
export type Value = null | boolean | number | string | GoInt | GoTime | Value[] | GoMap | NoValue;

/** Builds an int value. */
export function goInt(n: number | bigint, type: IntType = 'int'): GoInt {
  return new GoInt(typeof n === 'bigint' ? n : BigInt(Math.trunc(n)), type);
}

/** Creates an empty map that is safe for any key (including `__proto__`). */
export function newMap(): GoMap {
  return Object.create(null) as GoMap;
}

/** True for a `map[string]interface{}`. */
export function isMap(v: unknown): v is GoMap {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Reads a map entry, `NO_VALUE` when the key is absent. */
export function mapGet(m: GoMap, key: string): Value {
  return Object.hasOwn(m, key) ? (m[key] as Value) : NO_VALUE;
}

/** Writes a map entry (own property, even for `__proto__`). */
export function mapSet(m: GoMap, key: string, v: Value): void {
  setOwn(m as Record<string, Value>, key, v);
}

// A map's keys in Go's printing and range order (sorted by bytes).
export { compareStrings, sortedKeys } from '../../byte-order.ts';

/** Go's type name of a value as `%T` prints it. */
export function typeName(v: Value): string {
  if (v === null || v === NO_VALUE) return '<nil>';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float64';
    case 'string':
      return 'string';
  }
  if (v instanceof GoInt) return v.type;
  if (v instanceof GoTime) return 'time.Time';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** Go's `reflect.Kind` name of a value (sprig `kindOf`). */
export function kindName(v: Value): string {
  if (v === null || v === NO_VALUE) return 'invalid';
  if (v instanceof GoTime) return 'struct';
  if (Array.isArray(v)) return 'slice';
  if (isMap(v)) return 'map';
  return typeName(v);
}

/** Go's `template.IsTrue`: the zero value of its type is false. */
export function isTrue(v: Value): boolean {
  if (v === null || v === NO_VALUE) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
    case 'string':
      return v.length > 0;
  }
  if (v instanceof GoInt) return v.n !== 0n;
  if (v instanceof GoTime) return true;
  if (Array.isArray(v)) return v.length > 0;
  return Object.keys(v).length > 0;
}

/** UTF-8 byte length (Go's `len` of a string). */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Go's `reflect.DeepEqual` over the value model. */
export function deepEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === NO_VALUE || b === NO_VALUE)
    return (a === NO_VALUE || a === null) && (b === NO_VALUE || b === null);
  if (a instanceof GoInt) return b instanceof GoInt && a.type === b.type && a.n === b.n;
  if (a instanceof GoTime)
    return b instanceof GoTime && a.ms === b.ms && a.nanos === b.nanos && a.zone === b.zone;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i] as Value));
  }
  if (isMap(a)) {
    if (!isMap(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k] as Value, b[k] as Value));
  }
  return false;
}

/** Converts arbitrary JS input (parsed JSON) to the value model; unknown things become strings. */
export function fromJs(v: unknown, depth = 0): Value {
  if (v === null || v === undefined) return null;
  if (depth > 512) return null;
  switch (typeof v) {
    case 'boolean':
    case 'number':
    case 'string':
      return v;
    case 'bigint':
      return new GoInt(v, 'int64');
  }
  if (v instanceof GoInt || v instanceof GoTime) return v;
  if (Array.isArray(v)) return v.map((x) => fromJs(x, depth + 1));
  if (isMap(v)) {
    // Parsed JSON is already in the model; only copy when something inside needs converting.
    let same = true;
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined || (typeof x === 'object' && x !== null && !isMap(x) && !Array.isArray(x))) {
        same = false;
        break;
      }
    }
    if (same) return v as GoMap;
    const out = newMap();
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) mapSet(out, k, fromJs(x, depth + 1));
    }
    return out;
  }
  if (v instanceof Date) return new GoTime(v.getTime(), 0, 'UTC');
  return String(v);
}
