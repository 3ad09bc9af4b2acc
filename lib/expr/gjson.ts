/**
 * GJSON path queries (`tidwall/gjson` v1.19.0 semantics) over JSON text, as Argo Events evaluates data
 * filter paths and parameter `dataKey`/`contextKey`s. The document is scanned, not parsed: a lookup stops
 * at the value it needs, nested values it passes are skipped by bracket counting, and results keep the
 * raw text as written (`raw` of `1.50` is `1.50`). Malformed JSON or paths never throw; they give a
 * result that does not exist. Path syntax: `tidwall/gjson:SYNTAX.md`.
 *
 * @example
 * get('{"a":{"b":[1,2,3]}}', 'a.b.#').string(); // '3'
 */
import { setOwn } from '../own.ts';
import { formatGoFloat, parseGjsonInt, parseGoBool, parseGoFloat } from './gjson/go-number.ts';
import { matchLimit } from './gjson/match.ts';
import { defaultPrettyOptions, type PrettyOptions, prettyJson, uglyJson } from './gjson/pretty.ts';
import { jsonString, unescapeJson } from './gjson/strings.ts';
import { validJson } from './gjson/valid.ts';

/** gjson's value types, named as Go's `Type.String()` prints them. */
export type GjsonType = 'Null' | 'False' | 'Number' | 'String' | 'True' | 'JSON';

/** The outcome of a path query, with gjson's conversions. */
export interface GjsonResult {
  readonly exists: boolean;
  readonly type: GjsonType;
  /** Raw JSON text of the value ('' when missing). */
  readonly raw: string;
  /** gjson `String()`: strings unquoted, integers as written, other numbers shortest, null '', JSON raw. */
  string(): string;
  /** gjson `Float()`. */
  float(): number;
  /** gjson `Bool()`. */
  bool(): boolean;
  /** The parsed JS value (undefined when missing, null for JSON null). */
  value(): unknown;
}

const T_NULL = 0;
const T_FALSE = 1;
const T_NUMBER = 2;
const T_STRING = 3;
const T_TRUE = 4;
const T_JSON = 5;
const TYPE_NAMES: readonly GjsonType[] = ['Null', 'False', 'Number', 'String', 'True', 'JSON'];

const QUOTE = 34;
const BSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const LBRACK = 91;
const RBRACK = 93;
const LPAREN = 40;
const RPAREN = 41;

/** A gjson result; `index` is where `raw` starts in the queried text (-1 when it was computed). */
export class Result implements GjsonResult {
  kind: number;
  raw: string;
  str: string;
  num: number;
  /** Offset of `raw` in the queried JSON, or -1 when the value was computed (counts, modifiers...). */
  index: number;
  /** For `a.#.b` and `#(...)#` results: the offset of each element in the queried JSON. */
  indexes: number[] | undefined;

  constructor(kind = T_NULL, raw = '', str = '', num = 0, index = -1) {
    this.kind = kind;
    this.raw = raw;
    this.str = str;
    this.num = num;
    this.index = index;
    this.indexes = undefined;
  }

  get type(): GjsonType {
    return TYPE_NAMES[this.kind] ?? 'Null';
  }

  get exists(): boolean {
    return this.kind !== T_NULL || this.raw.length > 0;
  }

  string(): string {
    switch (this.kind) {
      case T_FALSE:
        return 'false';
      case T_TRUE:
        return 'true';
      case T_STRING:
        return this.str;
      case T_JSON:
        return this.raw;
      case T_NUMBER:
        return /^-?[0-9]*$/.test(this.raw) && this.raw.length > 0 ? this.raw : formatGoFloat(this.num);
      default:
        return '';
    }
  }

  float(): number {
    switch (this.kind) {
      case T_TRUE:
        return 1;
      case T_STRING:
        return parseGoFloat(this.str);
      case T_NUMBER:
        return this.num;
      default:
        return 0;
    }
  }

  /** gjson `Int()`: integers within ±2^53 exactly, strings only when they are plain integers. */
  int(): number {
    switch (this.kind) {
      case T_TRUE:
        return 1;
      case T_STRING:
        return parseGjsonInt(this.str) ?? 0;
      case T_NUMBER:
        return Number.isFinite(this.num) ? Math.trunc(this.num) : (parseGjsonInt(this.raw) ?? 0);
      default:
        return 0;
    }
  }

  bool(): boolean {
    switch (this.kind) {
      case T_TRUE:
        return true;
      case T_STRING:
        return parseGoBool(this.str.toLowerCase()) ?? false;
      case T_NUMBER:
        return this.num !== 0;
      default:
        return false;
    }
  }

  value(): unknown {
    if (!this.exists) return undefined;
    switch (this.kind) {
      case T_STRING:
        return this.str;
      case T_NUMBER:
        return this.num;
      case T_TRUE:
        return true;
      case T_FALSE:
        return false;
      case T_JSON:
        return valueize(this.raw);
      default:
        return null;
    }
  }

  /** True for a JSON object result. */
  isObject(): boolean {
    return this.kind === T_JSON && this.raw.charCodeAt(0) === LBRACE;
  }

  /** True for a JSON array result. */
  isArray(): boolean {
    return this.kind === T_JSON && this.raw.charCodeAt(0) === LBRACK;
  }

  /** Queries this result's raw text (gjson `Result.Get`). */
  get(path: string): Result {
    return getIn(this, path);
  }

  /** gjson `ForEach`: object members, array elements, or the scalar itself; stops when `fn` returns false. */
  each(fn: (key: Result, value: Result) => boolean | undefined): void {
    forEachMember(this, fn);
  }

  /** gjson `Array()`: the elements of an array, [] for null or missing, else the value alone. */
  array(): Result[] {
    if (this.kind === T_NULL) return [];
    if (!this.isArray()) return [this];
    const out: Result[] = [];
    this.each((_, v) => {
      out.push(v);
      return true;
    });
    return out;
  }
}

/** Scanner state for one `get` (upstream `parseContext`). */
interface Ctx {
  json: string;
  value: Result;
  pipe: string;
  piped: boolean;
  /** Where the last parseObject/parseArray call stopped. */
  pos: number;
}

// ---------------------------------------------------------------------------------------------------
// Low-level scanning. Positions are UTF-16 indexes into the JSON text; every structural character is
// ASCII, so this walks the same tokens upstream walks byte by byte.

/** Index after the closing quote of a string whose content starts at `i`, or -1 if unterminated. */
function stringEnd(json: string, i: number): number {
  for (;;) {
    const q = json.indexOf('"', i);
    if (q < 0) return -1;
    if (json.charCodeAt(q - 1) !== BSLASH) return q + 1;
    let j = q - 2;
    let n = 1;
    while (j >= 0 && json.charCodeAt(j) === BSLASH) {
      n++;
      j--;
    }
    if (n % 2 === 0) return q + 1;
    i = q + 1;
  }
}

/** Index after the container (or parenthesis group) opening at `i`; the text's end if unbalanced. */
function squashEnd(json: string, i: number): number {
  let depth = 1;
  const n = json.length;
  for (i++; i < n; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      const e = stringEnd(json, i + 1);
      if (e < 0) return n;
      i = e - 1;
    } else if (c === LBRACE || c === LBRACK || c === LPAREN) {
      depth++;
    } else if (c === RBRACE || c === RBRACK || c === RPAREN) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return n;
}

/** Upstream `squash`: the prefix of `s` holding one string or container. */
function squash(s: string): string {
  if (s.charCodeAt(0) === QUOTE) {
    const e = stringEnd(s, 1);
    return e < 0 ? s : s.slice(0, e);
  }
  return s.slice(0, squashEnd(s, 0));
}

function numberEnd(json: string, i: number): number {
  for (i++; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c <= 32 || c === 44 || c === RBRACK || c === RBRACE) return i;
  }
  return i;
}

function literalEnd(json: string, i: number): number {
  for (i++; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c < 97 || c > 122) return i;
  }
  return i;
}

/** Upstream reads `n` as null unless another character follows that is not `u` (then it is `nan`). */
function isNullAt(json: string, i: number): boolean {
  return i + 1 >= json.length || json.charCodeAt(i + 1) === 117;
}

function isNumberStart(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 105 || c === 73 || c === 78;
}

function unescapeIfNeeded(s: string): string {
  return s.indexOf('\\') < 0 ? s : unescapeJson(s);
}

function stringResult(json: string, start: number, end: number): Result {
  return new Result(
    T_STRING,
    json.slice(start, end),
    unescapeIfNeeded(json.slice(start + 1, end - 1)),
    0,
    start,
  );
}

function numberResult(raw: string, index: number): Result {
  return new Result(T_NUMBER, raw, '', parseGoFloat(raw), index);
}

function literalResult(c: number, raw: string, index: number): Result {
  return new Result(c === 116 ? T_TRUE : c === 102 ? T_FALSE : T_NULL, raw, '', 0, index);
}

/** Upstream `tostr`: the raw text and value of the string at the start of `s` (lenient when unterminated). */
function leadingString(s: string): [raw: string, str: string] {
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) return [s.slice(0, i + 1), s.slice(1, i)];
    if (c === BSLASH) {
      const e = stringEnd(s, i);
      if (e >= 0) return [s.slice(0, e), unescapeJson(s.slice(1, e - 1))];
      return [s, unescapeJson(s.slice(1))];
    }
  }
  return [s, s.slice(1)];
}

/** Upstream `Parse`: the first value of the text; objects and arrays take all the remaining text. */
export function parse(json: string): Result {
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === LBRACE || c === LBRACK) return new Result(T_JSON, json.slice(i), '', 0, i);
    if (c <= 32) continue;
    if (c === 110 && isNullAt(json, i)) {
      return new Result(T_NULL, json.slice(i, literalEnd(json, i)), '', 0, i);
    }
    if (isNumberStart(c) || c === 110) return numberResult(json.slice(i, numberEnd(json, i)), i);
    if (c === 116 || c === 102) return literalResult(c, json.slice(i, literalEnd(json, i)), i);
    if (c === QUOTE) {
      const [raw, str] = leadingString(json.slice(i));
      return new Result(T_STRING, raw, str, 0, i);
    }
    return new Result();
  }
  return new Result();
}

/** Upstream `parseAny`: the value starting at or after `i`, or undefined at the end of the text. */
function parseAny(json: string, i: number): { end: number; value: Result } | undefined {
  for (; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === LBRACE || c === LBRACK) {
      const end = squashEnd(json, i);
      return { end, value: new Result(T_JSON, json.slice(i, end), '', 0, i) };
    }
    if (c <= 32) continue;
    if (c === QUOTE) {
      const end = stringEnd(json, i + 1);
      if (end < 0) return undefined;
      return { end, value: stringResult(json, i, end) };
    }
    if (c === 110 && isNullAt(json, i)) {
      const end = literalEnd(json, i);
      return { end, value: literalResult(c, json.slice(i, end), i) };
    }
    if (c === 116 || c === 102) {
      const end = literalEnd(json, i);
      return { end, value: literalResult(c, json.slice(i, end), i) };
    }
    if (isNumberStart(c) || c === 110) {
      const end = numberEnd(json, i);
      return { end, value: numberResult(json.slice(i, end), i) };
    }
  }
  return undefined;
}

/** gjson `Valid`: strict RFC 8259 JSON. */
export function valid(json: string): boolean {
  return validJson(json);
}

// ---------------------------------------------------------------------------------------------------
// Iteration and conversion to JS values.

function forEachMember(t: Result, fn: (key: Result, value: Result) => boolean | undefined): void {
  if (!t.exists) return;
  if (t.kind !== T_JSON) {
    fn(new Result(), t);
    return;
  }
  const json = t.raw;
  let i = 0;
  let obj = false;
  for (; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === LBRACE || c === LBRACK) {
      obj = c === LBRACE;
      i++;
      break;
    }
    if (c > 32) return;
  }
  let position = -1;
  let idx = 0;
  for (; i < json.length; i++) {
    let key: Result;
    if (obj) {
      if (json.charCodeAt(i) !== QUOTE) continue;
      const end = stringEnd(json, i + 1);
      if (end < 0) return;
      key = stringResult(json, i, end);
      if (t.index >= 0) key.index += t.index;
      i = end;
    } else {
      position++;
      key = new Result(T_NUMBER, '', '', position, -1);
    }
    for (; i < json.length; i++) {
      const c = json.charCodeAt(i);
      if (c <= 32 || c === 44 || c === 58) continue;
      break;
    }
    const next = parseAny(json, i);
    if (next === undefined) return;
    const value = next.value;
    if (t.indexes !== undefined) {
      value.index = t.indexes[idx] ?? -1;
    } else {
      value.index = t.index >= 0 ? value.index + t.index : -1;
    }
    i = next.end;
    if (fn(key, value) === false) return;
    idx++;
  }
}

function setMember(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (!Object.hasOwn(obj, key)) setOwn(obj, key, value);
}

/** Upstream `arrayOrMap(0, true)`: the JS value of raw object/array text; the first duplicate key wins. */
function valueize(raw: string): unknown {
  let i = 0;
  let isObj: boolean | undefined;
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === LBRACE || c === LBRACK) {
      isObj = c === LBRACE;
      i++;
      break;
    }
    if (c > 32) return null;
  }
  if (isObj === undefined) return null;
  const arr: unknown[] = [];
  const obj: Record<string, unknown> = {};
  let count = 0;
  let key = '';
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c <= 32) continue;
    if (c === RBRACK || c === RBRACE) break;
    let value: unknown;
    let keyText: string | undefined;
    let end: number;
    if ((c >= 48 && c <= 57) || c === 45) {
      end = numberEnd(raw, i);
      value = parseGoFloat(raw.slice(i, end));
      keyText = '';
    } else if (c === LBRACE || c === LBRACK) {
      end = squashEnd(raw, i);
      value = valueize(raw.slice(i, end));
      keyText = '';
    } else if (c === 110 || c === 116 || c === 102) {
      end = literalEnd(raw, i);
      value = c === 116 ? true : c === 102 ? false : null;
      keyText = '';
    } else if (c === QUOTE) {
      const e = stringEnd(raw, i + 1);
      end = e < 0 ? raw.length : e;
      const str = unescapeIfNeeded(raw.slice(i + 1, e < 0 ? raw.length : e - 1));
      value = str;
      keyText = str;
    } else {
      continue;
    }
    i = end - 1;
    if (isObj) {
      if (count % 2 === 0) key = keyText;
      else setMember(obj, key, value);
      count++;
    } else {
      arr.push(value);
    }
  }
  return isObj ? obj : arr;
}

// ---------------------------------------------------------------------------------------------------
// Path components.

interface ObjectPath {
  part: string;
  path: string;
  pipe: string;
  piped: boolean;
  wild: boolean;
  more: boolean;
}

/** Whether the component after a `.` starts a modifier or multipath, which then acts like a `|`. */
function isDotPiperChar(s: string): boolean {
  const c = s[0];
  if (c === '@') {
    let i = 1;
    for (; i < s.length; i++) {
      const d = s[i];
      if (d === '.' || d === '|' || d === ':') break;
    }
    return Object.hasOwn(modifiers, s.slice(1, i));
  }
  return c === '[' || c === '{';
}

function splitAtDot(r: ObjectPath, path: string, i: number): void {
  if (i < path.length - 1 && isDotPiperChar(path.slice(i + 1))) {
    r.pipe = path.slice(i + 1);
    r.piped = true;
  } else {
    r.path = path.slice(i + 1);
    r.more = true;
  }
}

function parseObjectPath(path: string): ObjectPath {
  const r: ObjectPath = { part: path, path: '', pipe: '', piped: false, wild: false, more: false };
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '|') {
      r.part = path.slice(0, i);
      r.pipe = path.slice(i + 1);
      r.piped = true;
      return r;
    }
    if (c === '.') {
      r.part = path.slice(0, i);
      splitAtDot(r, path, i);
      return r;
    }
    if (c === '*' || c === '?') {
      r.wild = true;
      continue;
    }
    if (c === '\\') {
      // Escapes: strip the backslash from the key part (upstream's slower escape mode).
      let part = path.slice(0, i);
      i++;
      if (i < path.length) {
        part += path[i];
        for (i++; i < path.length; i++) {
          const d = path[i];
          if (d === '\\') {
            i++;
            if (i < path.length) part += path[i];
            continue;
          }
          if (d === '.') {
            r.part = part;
            splitAtDot(r, path, i);
            return r;
          }
          if (d === '|') {
            r.part = part;
            r.pipe = path.slice(i + 1);
            r.piped = true;
            return r;
          }
          if (d === '*' || d === '?') r.wild = true;
          part += d;
        }
      }
      r.part = part;
      return r;
    }
  }
  return r;
}

interface Query {
  on: boolean;
  all: boolean;
  path: string;
  op: string;
  value: string;
}

interface ArrayPath {
  part: string;
  path: string;
  pipe: string;
  piped: boolean;
  more: boolean;
  alogok: boolean;
  arrch: boolean;
  alogkey: string;
  query: Query;
}

function trimWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) <= 32) a++;
  while (b > a && s.charCodeAt(b - 1) <= 32) b--;
  return s.slice(a, b);
}

interface ParsedQuery {
  path: string;
  op: string;
  value: string;
  /** Index just after the closing bracket of the query. */
  end: number;
  escaped: boolean;
}

/** Upstream `parseQuery`: splits `#(path op value)` into its parts. */
function parseQuery(query: string): ParsedQuery | undefined {
  if (query.length < 2 || query[0] !== '#' || (query[1] !== '(' && query[1] !== '[')) return undefined;
  let i = 2;
  let j = 0;
  let depth = 1;
  let escaped = false;
  for (; i < query.length; i++) {
    const c = query[i];
    if (depth === 1 && j === 0 && (c === '!' || c === '=' || c === '<' || c === '>' || c === '%')) {
      j = i;
      continue;
    }
    if (c === '\\') {
      i++;
    } else if (c === '[' || c === '(') {
      depth++;
    } else if (c === ']' || c === ')') {
      depth--;
      if (depth === 0) break;
    } else if (c === '"') {
      for (i++; i < query.length; i++) {
        if (query[i] === '\\') {
          escaped = true;
          i++;
        } else if (query[i] === '"') {
          break;
        }
      }
    }
  }
  if (depth > 0) return undefined;
  if (j === 0) return { path: trimWs(query.slice(2, i)), op: '', value: '', end: i + 1, escaped };
  const path = trimWs(query.slice(2, j));
  let value = trimWs(query.slice(j, i));
  let size = 0;
  const two = value.slice(0, 2);
  if (value.length === 1) size = 1;
  else if (two === '!=' || two === '!%' || two === '<=' || two === '>=') size = 2;
  else if (two === '==') {
    value = value.slice(1);
    size = 1;
  } else if (value[0] === '<' || value[0] === '>' || value[0] === '=' || value[0] === '%') size = 1;
  const op = value.slice(0, size);
  return { path, op, value: trimWs(value.slice(size)), end: i + 1, escaped };
}

function parseArrayPath(path: string): ArrayPath {
  const r: ArrayPath = {
    part: path,
    path: '',
    pipe: '',
    piped: false,
    more: false,
    alogok: false,
    arrch: false,
    alogkey: '',
    query: { on: false, all: false, path: '', op: '', value: '' },
  };
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '|') {
      r.part = path.slice(0, i);
      r.pipe = path.slice(i + 1);
      r.piped = true;
      return r;
    }
    if (c === '.') {
      r.part = path.slice(0, i);
      if (!r.arrch && i < path.length - 1 && isDotPiperChar(path.slice(i + 1))) {
        r.pipe = path.slice(i + 1);
        r.piped = true;
      } else {
        r.path = path.slice(i + 1);
        r.more = true;
      }
      return r;
    }
    if (c === '#') {
      r.arrch = true;
      if (i === 0 && path.length > 1) {
        if (path[1] === '.') {
          r.alogok = true;
          r.alogkey = path.slice(2);
          r.path = path.slice(0, 1);
        } else if (path[1] === '[' || path[1] === '(') {
          r.query.on = true;
          const q = parseQuery(path.slice(i));
          if (q === undefined) break;
          let value = q.value;
          if (value.length >= 2 && value[0] === '"' && value[value.length - 1] === '"') {
            value = value.slice(1, -1);
            if (q.escaped) value = unescapeJson(value);
          }
          r.query.path = q.path;
          r.query.op = q.op;
          r.query.value = value;
          i = q.end - 1;
          if (path[i + 1] === '#') r.query.all = true;
        }
      }
    }
  }
  r.part = path;
  r.path = '';
  return r;
}

// ---------------------------------------------------------------------------------------------------
// Queries.

function truthy(t: Result): boolean {
  if (t.kind === T_TRUE) return true;
  if (t.kind === T_STRING) return parseGoBool(t.str.toLowerCase()) === true;
  if (t.kind === T_NUMBER) return t.num !== 0;
  return false;
}

function falsy(t: Result): boolean {
  if (t.kind === T_NULL || t.kind === T_FALSE) return true;
  if (t.kind === T_STRING) return parseGoBool(t.str.toLowerCase()) === false;
  if (t.kind === T_NUMBER) return t.num === 0;
  return false;
}

function compare<T extends string | number>(op: string, a: T, b: T): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      return false;
  }
}

function queryMatches(q: Query, candidate: Result): boolean {
  let value = candidate;
  let want = q.value;
  if (want.startsWith('~')) {
    // `~true`, `~false`, `~null`, `~*` compare the value's truthiness instead of the value.
    const mode = want.slice(1);
    let ish: boolean | undefined;
    if (mode === '*') ish = value.exists;
    else if (mode === 'null') ish = value.kind === T_NULL;
    else if (mode === 'true') ish = truthy(value);
    else if (mode === 'false') ish = falsy(value);
    if (ish === undefined) {
      want = '';
      value = new Result();
    } else {
      want = 'true';
      value = new Result(ish ? T_TRUE : T_FALSE);
    }
  }
  if (!value.exists) return false;
  if (q.op === '') return true;
  switch (value.kind) {
    case T_STRING:
      if (q.op === '%') return matchLimit(value.str, want);
      if (q.op === '!%') return !matchLimit(value.str, want);
      return compare(q.op, value.str, want);
    case T_NUMBER:
      return compare(q.op, value.num, parseGoFloat(want));
    case T_TRUE:
      if (q.op === '=') return want === 'true';
      if (q.op === '!=') return want !== 'true';
      if (q.op === '>') return want === 'false';
      return q.op === '>=';
    case T_FALSE:
      if (q.op === '=') return want === 'false';
      if (q.op === '!=') return want !== 'false';
      if (q.op === '<') return want === 'true';
      return q.op === '<=';
    default:
      return false;
  }
}

/** Upstream `splitPossiblePipe`: splits `left|right` at the first pipe outside queries. */
function splitPossiblePipe(path: string): [string, string] | undefined {
  if (!path.includes('|')) return undefined;
  if (path[0] === '{') {
    const squashed = squash(path.slice(1));
    if (squashed.length < path.length - 1) {
      const left = path.slice(0, squashed.length + 1);
      const remain = path.slice(left.length);
      if (remain[0] === '|') return [left, remain.slice(1)];
    }
    return undefined;
  }
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\') {
      i++;
    } else if (c === '.') {
      if (i === path.length - 1) return undefined;
      if (path[i + 1] === '#') {
        i += 2;
        if (i === path.length) return undefined;
        if (path[i] === '[' || path[i] === '(') {
          const open = path[i];
          const close = open === '[' ? ']' : ')';
          let depth = 1;
          for (i++; i < path.length; i++) {
            const d = path[i];
            if (d === '\\') {
              i++;
            } else if (d === open) {
              depth++;
            } else if (d === close) {
              depth--;
              if (depth === 0) break;
            } else if (d === '"') {
              for (i++; i < path.length; i++) {
                if (path[i] === '\\') i++;
                else if (path[i] === '"') break;
              }
            }
          }
        }
      }
    } else if (c === '|') {
      return [path.slice(0, i), path.slice(i + 1)];
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// The scanner proper (upstream `parseObject` / `parseArray`).

function parseObject(c: Ctx, i: number, path: string): boolean {
  const json = c.json;
  const n = json.length;
  const rp = parseObjectPath(path);
  if (!rp.more && rp.piped) {
    c.pipe = rp.pipe;
    c.piped = true;
  }
  while (i < n) {
    let key: string | undefined;
    for (; i < n; i++) {
      const ch = json.charCodeAt(i);
      if (ch === QUOTE) {
        const e = stringEnd(json, i + 1);
        if (e < 0) {
          c.pos = n;
          return false;
        }
        key = json.slice(i + 1, e - 1);
        i = e;
        break;
      }
      if (ch === RBRACE) {
        c.pos = i + 1;
        return false;
      }
    }
    if (key === undefined) break;
    const k = unescapeIfNeeded(key);
    const pmatch = rp.wild ? matchLimit(k, rp.part) : rp.part === k;
    const hit = pmatch && !rp.more;
    for (; i < n; i++) {
      const ch = json.charCodeAt(i);
      if (ch === QUOTE) {
        const e = stringEnd(json, i + 1);
        if (e < 0) {
          c.pos = n;
          return false;
        }
        if (hit) {
          c.value = stringResult(json, i, e);
          c.pos = e;
          return true;
        }
        i = e;
      } else if (ch === LBRACE || ch === LBRACK) {
        if (pmatch && !hit) {
          const found = ch === LBRACE ? parseObject(c, i + 1, rp.path) : parseArray(c, i + 1, rp.path);
          if (found) return true;
          i = c.pos;
        } else {
          const e = squashEnd(json, i);
          if (hit) {
            c.value = new Result(T_JSON, json.slice(i, e), '', 0, i);
            c.pos = e;
            return true;
          }
          i = e;
        }
      } else if (ch === 116 || ch === 102 || (ch === 110 && isNullAt(json, i))) {
        const e = literalEnd(json, i);
        if (hit) {
          c.value = literalResult(ch, json.slice(i, e), i);
          c.pos = e;
          return true;
        }
        i = e;
      } else if (isNumberStart(ch) || ch === 110) {
        const e = numberEnd(json, i);
        if (hit) {
          c.value = numberResult(json.slice(i, e), i);
          c.pos = e;
          return true;
        }
        i = e;
      } else {
        continue;
      }
      break;
    }
  }
  c.pos = i;
  return false;
}

function parseUintStrict(s: string): number {
  return /^[0-9]+$/.test(s) ? Number(s) : -1;
}

function rawOrString(r: Result): string {
  return r.raw.length > 0 ? r.raw : r.string();
}

function parseArray(c: Ctx, start: number, path: string): boolean {
  const json = c.json;
  const n = json.length;
  const rp = parseArrayPath(path);
  const partidx = rp.arrch ? -1 : parseUintStrict(rp.part);
  if (!rp.more && rp.piped) {
    c.pipe = rp.pipe;
    c.piped = true;
  }
  let multires: string[] | undefined;
  const queryIndexes: number[] = [];
  const alog: number[] = [];

  // Tests one element against the query; true when a single-match query is done.
  const procQuery = (qval: Result): boolean => {
    if (rp.query.all && multires === undefined) multires = [];
    let res: Result;
    if (qval.kind === T_JSON) {
      res = getIn(qval, rp.query.path);
    } else {
      if (rp.query.path !== '') return false;
      res = qval;
    }
    if (!queryMatches(rp.query, res)) return false;
    if (rp.more) {
      const split = splitPossiblePipe(rp.path);
      if (split !== undefined) {
        rp.path = split[0];
        c.pipe = split[1];
        c.piped = true;
      }
      res = getIn(qval, rp.path);
    } else {
      res = qval;
    }
    if (rp.query.all) {
      const raw = rawOrString(res);
      if (raw !== '') {
        multires!.push(raw);
        queryIndexes.push(res.index);
      }
      return false;
    }
    c.value = res;
    return true;
  };

  // A scanned element is taken when a query accepts it, or when it is the element the path asked for.
  const wants = (hit: boolean) => rp.query.on || (hit && !rp.alogok);
  const take = (value: Result, end: number): boolean => {
    if (rp.query.on) {
      if (!procQuery(value)) return false;
    } else {
      c.value = value;
    }
    c.pos = end;
    return true;
  };

  let i = start;
  let h = 0;
  while (i < n + 1) {
    let pmatch = false;
    let hit = false;
    if (!rp.arrch) {
      pmatch = partidx === h;
      hit = pmatch && !rp.more;
    }
    h++;
    if (rp.alogok) alog.push(i);
    for (; ; i++) {
      if (i > n) break;
      const ch = i === n ? RBRACK : json.charCodeAt(i);
      if (ch === QUOTE) {
        const e = stringEnd(json, i + 1);
        if (e < 0) {
          c.pos = n;
          return false;
        }
        if (wants(hit) && take(stringResult(json, i, e), e)) return true;
        i = e;
      } else if (ch === LBRACE || ch === LBRACK) {
        if (pmatch && !hit) {
          const found = ch === LBRACE ? parseObject(c, i + 1, rp.path) : parseArray(c, i + 1, rp.path);
          if (found && !rp.alogok) return true;
          i = c.pos;
        } else {
          const e = squashEnd(json, i);
          if (wants(hit) && take(new Result(T_JSON, json.slice(i, e), '', 0, i), e)) return true;
          i = e;
        }
      } else if (ch === 116 || ch === 102 || (ch === 110 && isNullAt(json, i))) {
        const e = literalEnd(json, i);
        if (wants(hit) && take(literalResult(ch, json.slice(i, e), i), e)) return true;
        i = e;
      } else if (isNumberStart(ch) || ch === 110) {
        const e = numberEnd(json, i);
        if (wants(hit) && take(numberResult(json.slice(i, e), i), e)) return true;
        i = e;
      } else if (ch === RBRACK) {
        if (rp.arrch && rp.part === '#') {
          if (rp.alogok) {
            collectAll(c, rp, alog);
            c.pos = i + 1;
            return true;
          }
          c.value = new Result(T_NUMBER, String(h - 1), '', h - 1, -1);
          c.pos = i + 1;
          return true;
        }
        if (!c.value.exists) {
          if (multires !== undefined && multires.length > 0) {
            c.value = new Result(T_JSON, `[${multires.join(',')}]`, '', 0, -1);
            c.value.indexes = queryIndexes;
          } else if (rp.query.all) {
            c.value = new Result(T_JSON, '[]', '', 0, -1);
          }
        }
        c.pos = i + 1;
        return false;
      } else {
        continue;
      }
      break;
    }
  }
  c.pos = i;
  return false;
}

/** `a.#.b`: evaluates the rest of the path on every element and gathers what exists into an array. */
function collectAll(c: Ctx, rp: ArrayPath, alog: number[]): void {
  const json = c.json;
  const split = splitPossiblePipe(rp.alogkey);
  if (split !== undefined) {
    rp.alogkey = split[0];
    c.pipe = split[1];
    c.piped = true;
  }
  const parts: string[] = [];
  const indexes: number[] = [];
  for (let idx of alog) {
    while (idx < json.length) {
      const ch = json.charCodeAt(idx);
      if (ch !== 32 && ch !== 9 && ch !== 13 && ch !== 10) break;
      idx++;
    }
    if (idx >= json.length || json.charCodeAt(idx) === RBRACK) continue;
    const element = parseAny(json, idx);
    if (element === undefined) continue;
    const res = getIn(element.value, rp.alogkey);
    if (!res.exists) continue;
    parts.push(rawOrString(res));
    indexes.push(res.index);
  }
  c.value = new Result(T_JSON, `[${parts.join(',')}]`, '', 0, -1);
  c.value.indexes = indexes;
}

// ---------------------------------------------------------------------------------------------------
// Multipaths, literals and modifiers.

interface SubSelector {
  name: string;
  path: string;
}

/** Upstream `parseSubSelectors`: the comma-separated members of `[a,b]` / `{a,"n":b}` and what follows. */
function parseSubSelectors(path: string): { sels: SubSelector[]; rest: string } | undefined {
  const sels: SubSelector[] = [];
  let modifier = 0;
  let depth = 1;
  let colon = 0;
  let start = 1;
  const push = (i: number): void => {
    if (colon === 0) sels.push({ name: '', path: path.slice(start, i) });
    else sels.push({ name: path.slice(start, colon), path: path.slice(colon + 1, i) });
    colon = 0;
    modifier = 0;
    start = i + 1;
  };
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (c === '\\') {
      i++;
    } else if (c === '@') {
      if (modifier === 0 && (path[i - 1] === '.' || path[i - 1] === '|')) modifier = i;
    } else if (c === ':') {
      if (modifier === 0 && colon === 0 && depth === 1) colon = i;
    } else if (c === ',') {
      if (depth === 1) push(i);
    } else if (c === '"') {
      for (i++; i < path.length; i++) {
        if (path[i] === '\\') i++;
        else if (path[i] === '"') break;
      }
    } else if (c === '[' || c === '(' || c === '{') {
      depth++;
    } else if (c === ']' || c === ')' || c === '}') {
      depth--;
      if (depth === 0) {
        push(i);
        return { sels, rest: path.slice(i + 1) };
      }
    }
  }
  return undefined;
}

function nameOfLast(path: string): string {
  for (let i = path.length - 1; i >= 0; i--) {
    if ((path[i] === '|' || path[i] === '.') && !(i > 0 && path[i - 1] === '\\')) return path.slice(i + 1);
  }
  return path;
}

function isSimpleName(component: string): boolean {
  for (let i = 0; i < component.length; i++) {
    if (component.charCodeAt(i) < 32 || '[]{}()#|!'.includes(component[i]!)) return false;
  }
  return true;
}

function getMultipath(json: string, kind: string, sels: SubSelector[], rest: string): Result {
  const members: string[] = [];
  for (const sel of sels) {
    const res = getRes(json, sel.path);
    if (!res.exists) continue;
    let member = '';
    if (kind === '{') {
      if (sel.name.length > 0) {
        member = sel.name[0] === '"' && validJson(sel.name) ? sel.name : jsonString(sel.name);
      } else {
        const last = nameOfLast(sel.path);
        member = isSimpleName(last) ? jsonString(last) : '"_"';
      }
      member += ':';
    }
    let raw = res.raw;
    if (raw.length === 0) raw = res.string() || 'null';
    members.push(member + raw);
  }
  const close = kind === '{' ? '}' : ']';
  let res = new Result(T_JSON, kind + members.join(',') + close, '', 0, -1);
  if (rest.length > 0) res = getIn(res, rest.slice(1));
  res.index = -1;
  return res;
}

/** Upstream `execStatic`: a `!literal` path component. */
function execStatic(path: string): { rest: string; json: string } | undefined {
  const name = path.slice(1);
  if (name.length > 0 && '{["+-0123456789'.includes(name[0]!)) {
    // Upstream squashes every literal as if it opened a container, so a string or number literal
    // swallows the rest of the path.
    const lit = name.slice(0, squashEnd(name, 0));
    return { rest: name.slice(lit.length), json: lit };
  }
  let rest = '';
  let word = name;
  for (let i = 1; i < path.length; i++) {
    if (path[i] === '|' || path[i] === '.') {
      rest = path.slice(i);
      word = path.slice(1, i);
      break;
    }
  }
  const lower = word.toLowerCase();
  if (lower === 'true' || lower === 'false' || lower === 'null' || lower === 'nan' || lower === 'inf') {
    return { rest, json: word };
  }
  return undefined;
}

/** Upstream `execModifier`: runs `@name` or `@name:arg` on the JSON. */
function execModifier(json: string, path: string): { rest: string; json: string } | undefined {
  let name = path.slice(1);
  let rest = '';
  let hasArgs = false;
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (c === ':') {
      rest = path.slice(i + 1);
      name = path.slice(1, i);
      hasArgs = rest.length > 0;
      break;
    }
    if (c === '|' || c === '.') {
      rest = path.slice(i);
      name = path.slice(1, i);
      break;
    }
  }
  if (!Object.hasOwn(modifiers, name)) return undefined;
  const fn = modifiers[name]!;
  let args = '';
  if (hasArgs) {
    let parsed = false;
    const first = rest[0];
    if ((first === '{' || first === '[' || first === '"') && parse(rest).exists) {
      args = squash(rest);
      rest = rest.slice(args.length);
      parsed = true;
    }
    if (!parsed) {
      let i = 0;
      for (; i < rest.length; i++) {
        const c = rest[i];
        if (c === '|') break;
        if (c === '{' || c === '[' || c === '"' || c === '(') i += squash(rest.slice(i)).length - 1;
      }
      args = rest.slice(0, i);
      rest = rest.slice(i);
    }
  }
  return { rest, json: fn(json, args) };
}

type Modifier = (json: string, arg: string) => string;

function unwrap(json: string): string {
  const t = trimWs(json);
  return t.length >= 2 && (t[0] === '[' || t[0] === '{') ? t.slice(1, -1) : t;
}

function cleanWs(s: string): string {
  return s.replace(/[^ \t\n\r]/g, '');
}

function argFlag(arg: string, name: string): boolean {
  let flag = false;
  if (arg === '') return flag;
  parse(arg).each((key, value) => {
    if (key.string() === name) flag = value.bool();
    return true;
  });
  return flag;
}

function modPretty(json: string, arg: string): string {
  if (arg.length === 0) return prettyJson(json);
  const opts: PrettyOptions = { ...defaultPrettyOptions };
  parse(arg).each((key, value) => {
    switch (key.string()) {
      case 'sortKeys':
        opts.sortKeys = value.bool();
        break;
      case 'indent':
        opts.indent = cleanWs(value.string());
        break;
      case 'prefix':
        opts.prefix = cleanWs(value.string());
        break;
      case 'width':
        opts.width = value.int();
        break;
    }
    return true;
  });
  return prettyJson(json, opts);
}

function modReverse(json: string): string {
  const res = parse(json);
  if (res.isArray()) {
    const values: string[] = [];
    res.each((_, v) => {
      values.push(v.raw);
      return true;
    });
    return `[${values.reverse().join(',')}]`;
  }
  if (res.isObject()) {
    const members: string[] = [];
    res.each((k, v) => {
      members.push(`${k.raw}:${v.raw}`);
      return true;
    });
    return `{${members.reverse().join(',')}}`;
  }
  return json;
}

function modFlatten(json: string, arg: string): string {
  const res = parse(json);
  if (!res.isArray()) return json;
  const deep = argFlag(arg, 'deep');
  const out: string[] = [];
  res.each((_, v) => {
    let raw = v.isArray() ? unwrap(deep ? modFlatten(v.raw, arg) : v.raw) : v.raw;
    raw = raw.trim();
    if (raw.length > 0) out.push(raw);
    return true;
  });
  return `[${out.join(',')}]`;
}

function modKeys(json: string): string {
  const v = parse(json);
  if (!v.exists) return '[]';
  const obj = v.isObject();
  const out: string[] = [];
  v.each((key) => {
    out.push(obj ? key.raw : 'null');
    return true;
  });
  return `[${out.join(',')}]`;
}

function modValues(json: string): string {
  const v = parse(json);
  if (!v.exists) return '[]';
  if (v.isArray()) return json;
  const out: string[] = [];
  v.each((_, value) => {
    out.push(value.raw);
    return true;
  });
  return `[${out.join(',')}]`;
}

function modJoin(json: string, arg: string): string {
  const res = parse(json);
  if (!res.isArray()) return json;
  const out: string[] = [];
  if (argFlag(arg, 'preserve')) {
    res.each((_, value) => {
      if (value.isObject()) out.push(unwrap(value.raw));
      return true;
    });
  } else {
    // Later duplicates win, first occurrence keeps its place (upstream's stable ordering).
    const order: Result[] = [];
    const values = new Map<string, string>();
    res.each((_, value) => {
      if (!value.isObject()) return true;
      value.each((key, member) => {
        const k = key.string();
        if (!values.has(k)) order.push(key);
        values.set(k, member.raw);
        return true;
      });
      return true;
    });
    for (const key of order) out.push(`${key.raw}:${values.get(key.string())}`);
  }
  return `{${out.join(',')}}`;
}

function modGroup(json: string): string {
  const res = parse(json);
  if (!res.isObject()) return '';
  const all: string[][] = [];
  res.each((key, value) => {
    if (!value.isArray()) return true;
    let idx = 0;
    value.each((_, element) => {
      if (idx === all.length) all.push([]);
      all[idx]!.push(`${key.raw}:${element.raw}`);
      idx++;
      return true;
    });
    return true;
  });
  return `[${all.map((members) => `{${members.join(',')}}`).join(',')}]`;
}

function digInto(all: Result[], parent: Result, path: string): void {
  const res = getIn(parent, path);
  if (res.exists) all.push(res);
  if (parent.isArray() || parent.isObject()) {
    parent.each((_, value) => {
      digInto(all, value, path);
      return true;
    });
  }
}

function modDig(json: string, arg: string): string {
  const all: Result[] = [];
  digInto(all, parse(json), arg);
  return `[${all.map((r) => r.raw).join(',')}]`;
}

const modifiers: Record<string, Modifier> = {
  pretty: modPretty,
  ugly: (json) => uglyJson(json),
  reverse: modReverse,
  this: (json) => json,
  flatten: modFlatten,
  join: modJoin,
  valid: (json) => (validJson(json) ? json : ''),
  keys: modKeys,
  values: modValues,
  tostr: (json) => jsonString(json),
  fromstr: (json) => (validJson(json) ? parse(json).string() : ''),
  group: modGroup,
  dig: modDig,
};

// ---------------------------------------------------------------------------------------------------
// Entry points.

/** Queries a result's raw text, keeping offsets relative to the text the result came from. */
function getIn(t: Result, path: string): Result {
  const r = getRes(t.raw, path);
  if (r.indexes !== undefined) {
    r.indexes = t.index >= 0 ? r.indexes.map((x) => (x >= 0 ? x + t.index : -1)) : r.indexes.map(() => -1);
  } else if (r.index >= 0) {
    r.index = t.index >= 0 ? r.index + t.index : -1;
  }
  return r;
}

function getRes(json: string, path: string): Result {
  if (path.length > 1) {
    const first = path[0];
    if (first === '@' || first === '!') {
      const done = first === '@' ? execModifier(json, path) : execStatic(path);
      if (done !== undefined) {
        const rest = done.rest;
        if (rest.length > 0 && (rest[0] === '|' || rest[0] === '.')) {
          const res = getRes(done.json, rest.slice(1));
          res.index = -1;
          res.indexes = undefined;
          return res;
        }
        const res = parse(done.json);
        res.index = -1;
        return res;
      }
    }
    if (first === '[' || first === '{') {
      const sub = parseSubSelectors(path);
      if (sub !== undefined && (sub.rest.length === 0 || sub.rest[0] === '|' || sub.rest[0] === '.')) {
        return getMultipath(json, first, sub.sels, sub.rest);
      }
      // Upstream carries on with whatever followed the selectors (nothing when they did not parse).
      path = sub === undefined ? '' : sub.rest;
    }
  }
  const c: Ctx = { json, value: new Result(), pipe: '', piped: false, pos: 0 };
  if (path.length >= 2 && path[0] === '.' && path[1] === '.') {
    // JSON Lines: `..0`, `..#` treat the document as an array of whitespace-separated values.
    parseArray(c, 0, path.slice(2));
  } else {
    for (let i = 0; i < json.length; i++) {
      const ch = json.charCodeAt(i);
      if (ch === LBRACE) {
        parseObject(c, i + 1, path);
        break;
      }
      if (ch === LBRACK) {
        parseArray(c, i + 1, path);
        break;
      }
    }
  }
  if (c.piped) {
    const res = getIn(c.value, c.pipe);
    res.index = -1;
    return res;
  }
  return c.value;
}

/**
 * Evaluates a gjson path on JSON text. Never throws: malformed JSON, a malformed path or a document
 * nested too deeply for the stack give a result that does not exist.
 */
export function get(json: string, path: string): Result {
  try {
    return getRes(json, path);
  } catch {
    return new Result();
  }
}

function isSafePathKeyChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c <= 32 ||
    c > 126 ||
    c === 95 ||
    c === 45 ||
    c === 58
  );
}

/** Escapes a key so it can be used as one path component (gjson `Escape`). */
export function escapePathComponent(component: string): string {
  let out = '';
  for (let i = 0; i < component.length; i++) {
    const c = component.charCodeAt(i);
    out += isSafePathKeyChar(c) ? component[i] : `\\${component[i]}`;
  }
  return out;
}
