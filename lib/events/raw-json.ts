/**
 * JSON that Argo Events carries as `json.RawMessage`, such as a webhook or git provider's request body. Go
 * writes those bytes as received, only compacted (encoding/json `compact`; the HTML escaping is
 * `goJsonEscape`'s), where JSON.stringify of the parsed value would move integer-like keys first and rewrite
 * `1.0`, `1e3`, integers past 2^53 and escapes such as `\u00e9`. Splicing the text in is also cheaper than
 * re-serialising (25-30 against 36-37 µs for a 7 KB push, UTF-8 included).
 *
 * The data keeps the request's bytes, not their text: a text kept beside the parsed body raised the webhook
 * function's peak RSS from ~125 to 131-136 MB under 512 KB pushes; the bytes exist anyway (109-111 MB).
 * A symbol property rather than a WeakMap: a WeakMap's entries cost in-process ingest a quarter of its
 * throughput in garbage collection.
 */

import { isUtf8 } from 'node:buffer';

interface RawField {
  key: string;
  /** The parsed value; `parsed` says whether it has been parsed yet. */
  value: unknown;
  parsed: boolean;
  /** The bytes (the request's own buffer: no second copy is held) or text the value was parsed from. */
  source: Uint8Array | string;
  /** Known to have no whitespace outside strings (checked by `scanJson`), so compaction is skipped. */
  compact: boolean;
}

const RAW = Symbol('outrigger.rawJson');

type WithRaw = Record<PropertyKey, unknown> & { [RAW]: RawField };

/** Marks `data[key]` as parsed from the JSON `source`: `dataJson` writes that text in its place. */
export function keepRawJson<T extends object>(
  data: T,
  key: keyof T & string,
  source: Uint8Array | string,
): T {
  const raw: RawField = { key, value: data[key], parsed: true, source, compact: false };
  Object.defineProperty(data, RAW, { value: raw });
  return data;
}

/**
 * Sets `data[key]` to the JSON in `source`, parsed on first read. For bytes `scanJson` has found valid: a
 * source function publishes them as they are, so only a consumer that reads the value (a filter expression,
 * the local runner's sensor) pays for the parse. Writing the field replaces it like any other.
 */
export function lazyRawJson<T extends object>(
  data: T,
  key: keyof T & string,
  source: Uint8Array,
  compact: boolean,
): T {
  const raw: RawField = { key, value: undefined, parsed: false, source, compact };
  Object.defineProperty(data, RAW, { value: raw });
  Object.defineProperty(data, key, { get: readLazy, set: writeLazy, enumerable: true, configurable: true });
  return data;
}

function readLazy(this: WithRaw): unknown {
  const raw = this[RAW];
  if (!raw.parsed) {
    raw.value = JSON.parse(textOf(raw.source));
    raw.parsed = true;
  }
  return raw.value;
}

function writeLazy(this: WithRaw, value: unknown): void {
  Object.defineProperty(this, this[RAW].key, { value, writable: true, enumerable: true, configurable: true });
}

/** Whether `record[raw.key]` still holds what `source` says, read without parsing a lazy field. */
function unchanged(record: object, raw: RawField): boolean {
  const property = Object.getOwnPropertyDescriptor(record, raw.key);
  if (property === undefined) return false;
  if (property.get !== undefined) return property.get === readLazy;
  return raw.parsed && property.value === raw.value;
}

/** Event data's JSON around its raw field's value: `before` + the raw JSON + `after`. */
interface DataParts {
  before: string;
  /** Undefined when the data has no unchanged raw field; then `before` is all of it. */
  raw: RawField | undefined;
  after: string;
}

function dataParts(record: Record<string, unknown>, raw: RawField): DataParts {
  let before = '';
  let after: string | undefined;
  let found: RawField | undefined;
  for (const key of Object.keys(record)) {
    const isRaw = key === raw.key && unchanged(record, raw);
    const json = isRaw ? '' : JSON.stringify(record[key]);
    if (json === undefined) continue; // undefined and functions are left out, as JSON.stringify does
    const field = `${before === '' ? '{' : ','}${JSON.stringify(key)}:${json}`;
    if (after !== undefined) after += field;
    else before += field;
    if (isRaw) {
      found = raw;
      after = '';
    }
  }
  if (before === '') return { before: '{}', raw: undefined, after: '' };
  if (after === undefined) return { before: `${before}}`, raw: undefined, after: '' };
  return { before, raw: found, after: `${after}}` };
}

/**
 * The JSON text of event data with its raw field written as received (compacted), the other fields as
 * JSON.stringify writes them; undefined when `data` has no raw field. A field replaced since it was marked
 * is serialised like the others.
 */
export function dataJson(data: unknown): string | undefined {
  const raw = rawFieldOf(data);
  if (!raw) return undefined;
  const parts = dataParts(data as Record<string, unknown>, raw);
  if (!parts.raw) return parts.before;
  const text = textOf(raw.source);
  return `${parts.before}${raw.compact ? text : compactJson(text)}${parts.after}`;
}

// What Go's encoder escapes inside strings (see goJsonEscape) and JSON.stringify does not, as UTF-8.
const GO_ESCAPED = ['<', '>', '&', '\u2028', '\u2029'].map((c) => Buffer.from(c, 'utf8'));

/**
 * Event data's JSON as text around bytes to copy onto the wire unchanged: the raw field when it is compact,
 * valid UTF-8 and has nothing Go escapes; undefined otherwise (then `dataJson` is the way). Copying saves a
 * decode, the flattening of the text and an encode, each the size of the body (0.5 MB for a large push).
 */
export function dataJsonBytes(
  data: unknown,
): { before: string; bytes: Uint8Array; after: string } | undefined {
  const raw = rawFieldOf(data);
  if (!raw?.compact || typeof raw.source === 'string') return undefined;
  const bytes = Buffer.from(raw.source.buffer, raw.source.byteOffset, raw.source.byteLength);
  if (!isUtf8(bytes) || GO_ESCAPED.some((c) => bytes.includes(c))) return undefined;
  const parts = dataParts(data as Record<string, unknown>, raw);
  return parts.raw ? { before: parts.before, bytes, after: parts.after } : undefined;
}

function rawFieldOf(data: unknown): RawField | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  return (data as { [RAW]?: RawField })[RAW];
}

const decoder = new TextDecoder();
const textOf = (source: Uint8Array | string) =>
  typeof source === 'string' ? source : decoder.decode(source);

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Index of the quote closing the string opened at `open` (`text.length` when there is none). */
function closingQuote(text: string, open: number): number {
  for (let at = text.indexOf('"', open + 1); at !== -1; at = text.indexOf('"', at + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
  return text.length;
}

/**
 * Valid JSON `text` without the whitespace outside its strings (Go's `json.Compact`); `text` when it has none.
 * Strings are skipped with indexOf: a character-by-character scan of a 7 KB push cost 40 µs, this 7–12 µs.
 */
export function compactJson(text: string): string {
  let parts: string[] | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = closingQuote(text, i);
    } else if (isSpace(c)) {
      parts ??= [];
      parts.push(text.slice(start, i));
      while (i + 1 < text.length && isSpace(text.charCodeAt(i + 1))) i++;
      start = i + 1;
    }
  }
  if (!parts) return text;
  parts.push(text.slice(start));
  return parts.join('');
}
