/**
 * sprig v3.3.0 lists, dicts, defaults and JSON (`list.go`, `dict.go`, `defaults.go`). Go's map iteration
 * order is random; where sprig's output depends on it (`keys`, `values`, `omit`) we use sorted order.
 */
import { FuncError, fn, MAX_BUILD, type TemplateFunc } from '../func.ts';
import { formatTime } from '../time.ts';
import {
  deepEqual,
  fromJs,
  GoInt,
  type GoMap,
  GoTime,
  isMap,
  kindName,
  mapGet,
  mapSet,
  NO_VALUE,
  newMap,
  sortedKeys,
  typeName,
  type Value,
} from '../value.ts';
import { floatToInt64, strval, toInt64 } from './convert.ts';

const NIL_DEREF = 'runtime error: invalid memory address or nil pointer dereference';

/** `reflect.TypeOf(list).Kind()` check shared by the list functions. */
function asList(v: Value, what: string): Value[] {
  if (v === null || v === NO_VALUE) throw new FuncError(NIL_DEREF);
  if (!Array.isArray(v)) throw new FuncError(`${what} ${kindName(v)}`);
  return v;
}

/** sprig's `empty`. */
export function empty(v: Value): boolean {
  if (v === null || v === NO_VALUE) return true;
  switch (typeof v) {
    case 'boolean':
      return !v;
    case 'number':
      return v === 0;
    case 'string':
      return v.length === 0;
  }
  if (v instanceof GoInt) return v.n === 0n;
  if (v instanceof GoTime) return false;
  if (Array.isArray(v)) return v.length === 0;
  return Object.keys(v).length === 0;
}

function deepCopy(v: Value): Value {
  if (Array.isArray(v)) return v.map(deepCopy);
  if (isMap(v)) {
    const out = newMap();
    for (const k of Object.keys(v)) mapSet(out, k, deepCopy(v[k] as Value));
    return out;
  }
  return v;
}

/** mergo.Merge (overwrite=false) / MergeWithOverwrite for map[string]interface{}. */
function mergeInto(dst: GoMap, src: GoMap, overwrite: boolean, depth = 0): void {
  if (depth > 64) return;
  for (const k of Object.keys(src)) {
    const s = src[k] as Value;
    const d = mapGet(dst, k);
    if (isMap(d) && isMap(s)) {
      mergeInto(d, s, overwrite, depth + 1);
    } else if (d === NO_VALUE || empty(d) || (overwrite && !empty(s))) {
      mapSet(dst, k, s);
    }
  }
}

function toMaps(args: readonly Value[]): GoMap[] {
  return args.map((a) => (isMap(a) ? a : newMap()));
}

// ---- JSON (Go encoding/json) ----

function jsonString(s: string, escapeHtml: boolean): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c < 0x20) {
      if (ch === '\n') out += '\\n';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\t') out += '\\t';
      else if (ch === '\b') out += '\\b';
      else if (ch === '\f') out += '\\f';
      else out += `\\u00${c.toString(16).padStart(2, '0')}`;
    } else if (escapeHtml && (ch === '<' || ch === '>' || ch === '&')) {
      out += `\\u00${c.toString(16)}`;
    } else if (c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16)}`;
    else if (c >= 0xd800 && c <= 0xdfff) out += '\ufffd';
    else out += ch;
  }
  return `${out}"`;
}

/** Go's encoding/json float format, which is JavaScript's number-to-string rule (exponent outside [1e-6, 1e21)). */
function jsonFloat(f: number): string {
  if (!Number.isFinite(f)) throw new FuncError(`json: unsupported value: ${f}`);
  return Object.is(f, -0) ? '-0' : String(f);
}

/** Go's `json.Marshal` / `MarshalIndent(v, "", "  ")`. */
export function toJson(v: Value, escapeHtml: boolean, indent: string, depth = 0, prefix = ''): string {
  if (depth > 1000) throw new FuncError('json: unsupported value: encountered a cycle');
  if (v === null || v === NO_VALUE) return 'null';
  switch (typeof v) {
    case 'boolean':
      return String(v);
    case 'number':
      return jsonFloat(v);
    case 'string':
      return jsonString(v, escapeHtml);
  }
  if (v instanceof GoInt) return v.n.toString();
  if (v instanceof GoTime)
    return jsonString(formatTime(v, '2006-01-02T15:04:05.999999999Z07:00'), escapeHtml);
  const inner = prefix + indent;
  const nl = indent ? '\n' : '';
  const colon = indent ? ': ' : ':';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${nl}${v.map((x) => inner + toJson(x, escapeHtml, indent, depth + 1, inner)).join(`,${nl}`)}${nl}${prefix}]`;
  }
  const keys = sortedKeys(v);
  if (keys.length === 0) return '{}';
  const body = keys
    .map(
      (k) =>
        `${inner}${jsonString(k, escapeHtml)}${colon}${toJson(v[k] as Value, escapeHtml, indent, depth + 1, inner)}`,
    )
    .join(`,${nl}`);
  return `{${nl}${body}${nl}${prefix}}`;
}

/** Go's `json.Unmarshal` into interface{}; throws on invalid input. */
export function fromJson(s: string): Value {
  try {
    return fromJs(JSON.parse(s));
  } catch (err) {
    throw new FuncError(err instanceof Error ? err.message : String(err));
  }
}

function dig(ps: readonly Value[]): Value {
  if (ps.length < 3) throw new FuncError('dig needs at least three arguments');
  const dict = ps[ps.length - 1] as Value;
  if (!isMap(dict))
    throw new FuncError(
      `interface conversion: interface {} is ${typeName(dict)}, not map[string]interface {}`,
    );
  const def = ps[ps.length - 2] as Value;
  const keys = ps.slice(0, -2).map((k) => {
    if (typeof k !== 'string')
      throw new FuncError(`interface conversion: interface {} is ${typeName(k)}, not string`);
    return k;
  });
  let cur: GoMap = dict;
  for (let i = 0; i < keys.length; i++) {
    const step = mapGet(cur, keys[i] as string);
    if (step === NO_VALUE) return def;
    if (i === keys.length - 1) return step;
    if (!isMap(step)) {
      throw new FuncError(
        `interface conversion: interface {} is ${typeName(step)}, not map[string]interface {}`,
      );
    }
    cur = step;
  }
  return def;
}

function chunk(size: number, list: Value): Value {
  const l = asList(list, 'Cannot chunk type');
  if (size <= 0) throw new FuncError('runtime error: integer divide by zero');
  const out: Value[] = [];
  for (let i = 0; i < l.length; i += size) out.push(l.slice(i, i + size));
  return l.length === 0 ? [[]] : out;
}

function sliceList(list: Value, indices: readonly Value[]): Value {
  const l = asList(list, 'list should be type of slice or array but');
  if (l.length === 0) return null;
  const start = indices.length > 0 ? Number(toIntValue(indices[0] as Value)) : 0;
  const end = indices.length < 2 ? l.length : Number(toIntValue(indices[1] as Value));
  if (start < 0 || end > l.length || start > end) {
    throw new FuncError(`reflect: slice index out of range`);
  }
  return l.slice(start, end);
}

function toIntValue(v: Value): bigint {
  return typeof v === 'number' ? floatToInt64(v) : toInt64(v);
}

/** sprig list, dict, default and JSON functions. */
export const COLLECTION_FUNCS: Record<string, TemplateFunc> = {
  list: fn([], (args) => [...args], 'any'),
  tuple: fn([], (args) => [...args], 'any'),
  push: fn(['any', 'any'], ([l, v]) => [...asList(l as Value, 'Cannot push on type'), v as Value]),
  append: fn(['any', 'any'], ([l, v]) => [...asList(l as Value, 'Cannot push on type'), v as Value]),
  mustPush: fn(['any', 'any'], ([l, v]) => [...asList(l as Value, 'Cannot push on type'), v as Value]),
  mustAppend: fn(['any', 'any'], ([l, v]) => [...asList(l as Value, 'Cannot push on type'), v as Value]),
  prepend: fn(['any', 'any'], ([l, v]) => [v as Value, ...asList(l as Value, 'Cannot prepend on type')]),
  mustPrepend: fn(['any', 'any'], ([l, v]) => [v as Value, ...asList(l as Value, 'Cannot prepend on type')]),
  first: fn(['any'], ([l]) => asList(l as Value, 'Cannot find first on type')[0] ?? null),
  mustFirst: fn(['any'], ([l]) => asList(l as Value, 'Cannot find first on type')[0] ?? null),
  last: fn(['any'], ([l]) => {
    const a = asList(l as Value, 'Cannot find last on type');
    return a.length === 0 ? null : (a[a.length - 1] as Value);
  }),
  mustLast: fn(['any'], ([l]) => {
    const a = asList(l as Value, 'Cannot find last on type');
    return a.length === 0 ? null : (a[a.length - 1] as Value);
  }),
  rest: fn(['any'], ([l]) => {
    const a = asList(l as Value, 'Cannot find rest on type');
    return a.slice(1);
  }),
  mustRest: fn(['any'], ([l]) => {
    const a = asList(l as Value, 'Cannot find rest on type');
    return a.slice(1);
  }),
  initial: fn(['any'], ([l]) => {
    const a = asList(l as Value, 'Cannot find initial on type');
    return a.slice(0, -1);
  }),
  mustInitial: fn(['any'], ([l]) => {
    const a = asList(l as Value, 'Cannot find initial on type');
    return a.slice(0, -1);
  }),
  reverse: fn(['any'], ([l]) => [...asList(l as Value, 'Cannot find reverse on type')].reverse()),
  mustReverse: fn(['any'], ([l]) => [...asList(l as Value, 'Cannot find reverse on type')].reverse()),
  uniq: fn(['any'], ([l]) => {
    const out: Value[] = [];
    for (const x of asList(l as Value, 'Cannot find uniq on type'))
      if (!out.some((y) => deepEqual(x, y))) out.push(x);
    return out;
  }),
  mustUniq: fn(['any'], ([l]) => {
    const out: Value[] = [];
    for (const x of asList(l as Value, 'Cannot find uniq on type'))
      if (!out.some((y) => deepEqual(x, y))) out.push(x);
    return out;
  }),
  without: fn(
    ['any'],
    ([l, ...omit]) =>
      asList(l as Value, 'Cannot find without on type').filter((x) => !omit.some((o) => deepEqual(x, o))),
    'any',
  ),
  mustWithout: fn(
    ['any'],
    ([l, ...omit]) =>
      asList(l as Value, 'Cannot find without on type').filter((x) => !omit.some((o) => deepEqual(x, o))),
    'any',
  ),
  has: fn(['any', 'any'], ([needle, hay]) => {
    if (hay === null || hay === NO_VALUE) return false;
    return asList(hay as Value, 'Cannot find has on type').some((x) => deepEqual(needle as Value, x));
  }),
  mustHas: fn(['any', 'any'], ([needle, hay]) => {
    if (hay === null || hay === NO_VALUE) return false;
    return asList(hay as Value, 'Cannot find has on type').some((x) => deepEqual(needle as Value, x));
  }),
  compact: fn(['any'], ([l]) => asList(l as Value, 'Cannot compact on type').filter((x) => !empty(x))),
  mustCompact: fn(['any'], ([l]) => asList(l as Value, 'Cannot compact on type').filter((x) => !empty(x))),
  slice: fn(['any'], ([l, ...ix]) => sliceList(l as Value, ix), 'any'),
  mustSlice: fn(['any'], ([l, ...ix]) => sliceList(l as Value, ix), 'any'),
  concat: fn(
    [],
    (lists) => {
      const out: Value[] = [];
      for (const l of lists) {
        if (l === null || l === NO_VALUE) throw new FuncError(NIL_DEREF);
        if (!Array.isArray(l)) throw new FuncError(`Cannot concat type ${kindName(l)} as list`);
        out.push(...l);
        if (out.length > MAX_BUILD / 8) throw new FuncError('list exceeds the template limit');
      }
      return out;
    },
    'any',
  ),
  chunk: fn(['int', 'any'], ([s, l]) => chunk(Number((s as GoInt).n), l as Value)),
  mustChunk: fn(['int', 'any'], ([s, l]) => chunk(Number((s as GoInt).n), l as Value)),
  dig: fn([], (ps) => dig(ps), 'any'),

  dict: fn(
    [],
    (v) => {
      const d = newMap();
      for (let i = 0; i < v.length; i += 2)
        mapSet(d, strval(v[i] as Value), i + 1 < v.length ? (v[i + 1] as Value) : '');
      return d;
    },
    'any',
  ),
  get: fn(['map', 'string'], ([d, k]) => {
    if (d === null) return '';
    const v = mapGet(d as GoMap, k as string);
    return v === NO_VALUE ? '' : v;
  }),
  set: fn(['map', 'string', 'any'], ([d, k, v]) => {
    if (d === null) throw new FuncError('assignment to entry in nil map');
    mapSet(d as GoMap, k as string, v as Value);
    return d as GoMap;
  }),
  unset: fn(['map', 'string'], ([d, k]) => {
    if (d !== null) delete (d as GoMap)[k as string];
    return d as Value;
  }),
  hasKey: fn(['map', 'string'], ([d, k]) => d !== null && Object.hasOwn(d as GoMap, k as string)),
  pluck: fn(
    ['string'],
    ([k, ...ds]) =>
      ds
        .filter((d) => isMap(d) && Object.hasOwn(d, k as string))
        .map((d) => (d as GoMap)[k as string] as Value),
    'map',
  ),
  keys: fn([], (ds) => toMaps(ds).flatMap((d) => sortedKeys(d)), 'map'),
  pick: fn(
    ['map'],
    ([d, ...ks]) => {
      const out = newMap();
      for (const k of ks)
        if (d !== null && Object.hasOwn(d as GoMap, k as string))
          mapSet(out, k as string, (d as GoMap)[k as string] as Value);
      return out;
    },
    'string',
  ),
  omit: fn(
    ['map'],
    ([d, ...ks]) => {
      const out = newMap();
      if (d === null) return out;
      for (const k of sortedKeys(d as GoMap)) if (!ks.includes(k)) mapSet(out, k, (d as GoMap)[k] as Value);
      return out;
    },
    'string',
  ),
  merge: fn(['map'], ([d, ...srcs]) => mergeAll(d as Value, srcs, false), 'map'),
  mustMerge: fn(['map'], ([d, ...srcs]) => mergeAll(d as Value, srcs, false), 'map'),
  mergeOverwrite: fn(['map'], ([d, ...srcs]) => mergeAll(d as Value, srcs, true), 'map'),
  mustMergeOverwrite: fn(['map'], ([d, ...srcs]) => mergeAll(d as Value, srcs, true), 'map'),
  values: fn(['map'], ([d]) =>
    d === null ? [] : sortedKeys(d as GoMap).map((k) => (d as GoMap)[k] as Value),
  ),
  deepCopy: fn(['any'], ([v]) => deepCopy(v as Value)),
  mustDeepCopy: fn(['any'], ([v]) => deepCopy(v as Value)),

  default: fn(
    ['any'],
    ([d, ...given]) => (given.length === 0 || empty(given[0] as Value) ? (d as Value) : (given[0] as Value)),
    'any',
  ),
  empty: fn(['any'], ([v]) => empty(v as Value)),
  coalesce: fn([], (vs) => vs.find((v) => !empty(v)) ?? null, 'any'),
  all: fn([], (vs) => vs.every((v) => !empty(v)), 'any'),
  any: fn([], (vs) => vs.some((v) => !empty(v)), 'any'),
  ternary: fn(['any', 'any', 'bool'], ([t, f, c]) => (c ? (t as Value) : (f as Value))),
  fail: fn(['string'], ([msg]) => {
    throw new FuncError(msg as string);
  }),
  fromJson: fn(['string'], ([s]) => {
    try {
      return fromJson(s as string);
    } catch {
      return null;
    }
  }),
  mustFromJson: fn(['string'], ([s]) => fromJson(s as string)),
  toJson: fn(['any'], ([v]) => {
    try {
      return toJson(v as Value, true, '');
    } catch {
      return '';
    }
  }),
  mustToJson: fn(['any'], ([v]) => toJson(v as Value, true, '')),
  toPrettyJson: fn(['any'], ([v]) => {
    try {
      return toJson(v as Value, true, '  ');
    } catch {
      return '';
    }
  }),
  mustToPrettyJson: fn(['any'], ([v]) => toJson(v as Value, true, '  ')),
  toRawJson: fn(['any'], ([v]) => toJson(v as Value, false, '')),
  mustToRawJson: fn(['any'], ([v]) => toJson(v as Value, false, '')),
};

function mergeAll(dst: Value, srcs: readonly Value[], overwrite: boolean): Value {
  if (dst === null) return '';
  const d = dst as GoMap;
  for (const s of srcs) if (isMap(s)) mergeInto(d, s, overwrite);
  return d;
}
