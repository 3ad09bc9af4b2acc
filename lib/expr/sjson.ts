/**
 * SJSON writes (`tidwall/sjson` v1.2.5 semantics), as Argo Events applies trigger parameters to a `dest`
 * path. The document is edited as text: the value found by gjson is replaced in place and everything else
 * is kept byte for byte; missing objects are created, numeric keys create arrays padded with `null`, `-1`
 * appends, and a `:` prefix forces an object key (`users.:2313`). Syntax: `tidwall/sjson:README.md`.
 *
 * @example
 * set('{"a":1}', 'b.0', 'x'); // '{"a":1,"b":["x"]}'
 */
import { ExpressionError } from '../errors.ts';
import { formatGoFloat } from './gjson/go-number.ts';
import { jsonString } from './gjson/strings.ts';
import { get, parse, type Result } from './gjson.ts';

/** How `set` writes the value. */
export interface SetOptions {
  /** The value is a string of JSON text to insert as-is (sjson `SetRaw`). */
  raw?: boolean;
}

/** One component of a simple path (upstream `pathResult`). */
interface PathPart {
  /** The key with escapes removed. */
  part: string;
  /** The key as gjson must see it (escapes kept). */
  gpart: string;
  /** The path after this component. */
  path: string;
  /** `:` prefix: always an object key, never an array index. */
  force: boolean;
  more: boolean;
}

/** Paths using these characters are gjson queries, resolved by `setComplexPath`. */
function isSimpleChar(c: string): boolean {
  return c !== '|' && c !== '#' && c !== '@' && c !== '*' && c !== '?';
}

/** Upstream `parsePath`: the first component, or undefined when the path is not simple. */
function parsePath(input: string): PathPart | undefined {
  const r: PathPart = { part: '', gpart: '', path: '', force: false, more: false };
  let path = input;
  if (path[0] === ':') {
    r.force = true;
    path = path.slice(1);
  }
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '.') {
      r.part = path.slice(0, i);
      r.gpart = r.part;
      r.path = path.slice(i + 1);
      r.more = true;
      return r;
    }
    if (!isSimpleChar(c)) return undefined;
    if (c === '\\') {
      // Escape mode: `part` loses the backslashes, `gpart` keeps them for gjson.
      let part = path.slice(0, i);
      let gpart = path.slice(0, i + 1);
      i++;
      if (i < path.length) {
        part += path[i];
        gpart += path[i];
        for (i++; i < path.length; i++) {
          const d = path[i]!;
          if (d === '\\') {
            gpart += '\\';
            i++;
            if (i < path.length) {
              part += path[i];
              gpart += path[i];
            }
            continue;
          }
          if (d === '.') {
            r.part = part;
            r.gpart = gpart;
            r.path = path.slice(i + 1);
            r.more = true;
            return r;
          }
          if (!isSimpleChar(d)) return undefined;
          part += d;
          gpart += d;
        }
      }
      r.part = part;
      r.gpart = gpart;
      return r;
    }
  }
  r.part = path;
  r.gpart = path;
  return r;
}

function mustMarshalString(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c > 0x7f || c === 34 || c === 92) return true;
  }
  return false;
}

/** Upstream `appendStringify`: plain ASCII is quoted as is, anything else goes through Go's encoder. */
function stringify(s: string): string {
  return mustMarshalString(s) ? jsonString(s) : `"${s}"`;
}

/** Upstream `atoui`: a non-forced, all-digit key (the empty key counts as 0). */
function arrayIndex(p: PathPart): number | undefined {
  if (p.force || !/^[0-9]*$/.test(p.part)) return undefined;
  return p.part === '' ? 0 : Number(p.part);
}

function isAppend(p: PathPart): boolean {
  return !p.force && p.part === '-1';
}

/** Upstream `appendBuild`: the text for a value nested under components that do not exist yet. */
function build(array: boolean, paths: PathPart[], raw: string, quote: boolean): string {
  let out = array ? '' : `${stringify(paths[0]!.part)}:`;
  const next = paths[1];
  if (next === undefined) return out + (quote ? stringify(raw) : raw);
  const n = arrayIndex(next);
  if (n !== undefined || isAppend(next)) {
    out += `[${'null,'.repeat(n ?? 0)}${build(true, paths.slice(1), raw, quote)}]`;
  } else {
    out += `{${build(false, paths.slice(1), raw, quote)}}`;
  }
  return out;
}

/** Upstream `deleteTailItem`: drops the key (or comma) before a deleted value. */
function deleteTailItem(buf: string): [string, boolean] {
  for (let i = buf.length - 1; i >= 0; i--) {
    const c = buf[i];
    if (c === '[') return [buf, true];
    if (c === ',') return [buf.slice(0, i), false];
    if (c === ':') {
      for (i--; i >= 0; i--) {
        if (buf[i] !== '"') continue;
        for (i--; i >= 0; i--) {
          if (buf[i] !== '"') continue;
          i--;
          if (i >= 0 && buf[i] === '\\') {
            i--;
            continue;
          }
          for (; i >= 0; i--) {
            if (buf[i] === '{') return [buf.slice(0, i + 1), true];
            if (buf[i] === ',') return [buf.slice(0, i), false];
          }
        }
        break;
      }
      break;
    }
  }
  return [buf, false];
}

const NO_CHANGE = Symbol('no change');

/** Upstream `appendRawPaths`: writes (or deletes) along a simple path. */
function setPaths(
  jstr: string,
  paths: PathPart[],
  raw: string,
  quote: boolean,
  del: boolean,
): string | typeof NO_CHANGE {
  const head = paths[0]!;
  let res: Result | undefined;
  if (del && isAppend(head)) {
    const count = get(jstr, '#').int();
    if (count > 0) res = get(jstr, String(count - 1));
  }
  res ??= get(jstr, head.gpart);
  if (res.index > 0) {
    const before = jstr.slice(0, res.index);
    const after = res.index + res.raw.length;
    if (paths.length > 1) {
      const inner = setPaths(res.raw, paths.slice(1), raw, quote, del);
      if (inner === NO_CHANGE) return NO_CHANGE;
      return before + inner + jstr.slice(after);
    }
    if (!del) return before + (quote ? stringify(raw) : raw) + jstr.slice(after);
    const [kept, dropNextComma] = deleteTailItem(before);
    let skip = 0;
    if (dropNextComma) {
      for (let i = after, j = 0; i < jstr.length; i++, j++) {
        if (jstr.charCodeAt(i) <= 32) continue;
        if (jstr[i] === ',') skip = j + 1;
        break;
      }
    }
    return kept + jstr.slice(after + skip);
  }
  if (del) return NO_CHANGE;
  const n = arrayIndex(head);
  let doc = jstr.trim() === '' ? (n !== undefined ? '[]' : '{}') : jstr;
  let container = parse(doc);
  if (container.kind !== 5) {
    doc = n !== undefined ? '[]' : '{}';
    container = parse(doc);
  }
  const text = container.raw;
  // Whether the container already has members, so the new one needs a comma.
  let comma = false;
  for (let i = 1; i < text.length; i++) {
    if (text.charCodeAt(i) <= 32) continue;
    comma = text[i] !== '}' && text[i] !== ']';
    break;
  }
  if (text[0] === '{') {
    const end = Math.max(0, text.lastIndexOf('}'));
    return `${text.slice(0, end)}${comma ? ',' : ''}${build(false, paths, raw, quote)}}`;
  }
  if (n === undefined) {
    if (!isAppend(head)) {
      throw new ExpressionError(`cannot set array element for non-numeric key '${head.part}'`);
    }
    let body = text.trim();
    if (body.endsWith(']')) body = body.slice(0, -1);
    return `${body}${comma ? ',' : ''}${build(true, paths, raw, quote)}]`;
  }
  const elements = container.array().map((e) => e.raw);
  let out = `[${elements.join(',')}`;
  if (elements.length === 0) {
    out += 'null,'.repeat(n);
  } else {
    out += ',null'.repeat(Math.max(0, n - elements.length));
    if (comma) out += ',';
  }
  return `${out}${build(true, paths, raw, quote)}]`;
}

/** Upstream `setComplexPath`: replaces whatever a gjson query (`a.#.b`, `#(...)`) selects. */
function setComplexPath(jstr: string, path: string, raw: string, quote: boolean): string {
  const res = get(jstr, path);
  const text = quote ? stringify(raw) : raw;
  if (!res.exists || !(res.index > 0 || (res.indexes?.length ?? 0) > 0)) return jstr;
  let out = jstr;
  if (res.index > 0) out = out.slice(0, res.index) + text + out.slice(res.index + res.raw.length);
  const indexes = res.indexes;
  if (indexes !== undefined && indexes.length > 0) {
    const values = res.array();
    if (values.length !== indexes.length) return out;
    const edits = values.map((v, k) => ({ index: indexes[k]!, raw: v.raw }));
    // Replace from the end so earlier offsets stay valid.
    edits.sort((a, b) => b.index - a.index);
    for (const edit of edits) {
      if (edit.index < 0) continue;
      out = out.slice(0, edit.index) + text + out.slice(edit.index + edit.raw.length);
    }
  }
  return out;
}

function splitPath(path: string): PathPart[] | undefined {
  const parts: PathPart[] = [];
  let r = parsePath(path);
  while (r !== undefined) {
    parts.push(r);
    if (!r.more) return parts;
    r = parsePath(r.path);
  }
  return undefined;
}

function write(json: string, path: string, raw: string, quote: boolean, del: boolean): string {
  if (path === '') throw new ExpressionError('path cannot be empty');
  const paths = splitPath(path);
  if (paths === undefined) {
    if (del) throw new ExpressionError('cannot delete value from a complex path');
    return setComplexPath(json, path, raw, quote);
  }
  const out = setPaths(json, paths, raw, quote, del);
  return out === NO_CHANGE ? json : out;
}

/** Go `json.Marshal`-like text for a JS value: HTML characters escaped, numbers never in exponent form. */
function encode(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ExpressionError(`cannot write ${value} as JSON`);
    return formatGoFloat(value);
  }
  const text: unknown = JSON.stringify(value);
  if (typeof text !== 'string') throw new ExpressionError(`cannot write a ${typeof value} as JSON`);
  // Those characters can only occur inside strings in JSON.stringify output.
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Writes `value` at `path` (sjson `Set`, or `SetRaw` with `raw: true`). Strings are written as JSON strings,
 * other values JSON-encoded. Throws an `ExpressionError` for an empty path or a non-numeric key into an
 * array, as upstream returns an error; a complex path that selects nothing leaves the JSON unchanged.
 */
export function set(json: string, path: string, value: unknown, options: SetOptions = {}): string {
  if (options.raw === true)
    return write(json, path, typeof value === 'string' ? value : encode(value), false, false);
  if (typeof value === 'string') return write(json, path, value, true, false);
  return write(json, path, encode(value), false, false);
}

/** Removes the value at a simple `path` (sjson `Delete`); a missing value leaves the JSON unchanged. */
export function del(json: string, path: string): string {
  return write(json, path, '', false, true);
}
