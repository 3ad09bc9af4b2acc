/**
 * JSON that Argo Events carries as `json.RawMessage`, such as a webhook or git provider's request body. Go
 * writes those bytes as received, only compacted (encoding/json `compact`) and HTML-escaped (`goJsonEscape`,
 * below), where JSON.stringify of the parsed value would move integer-like keys first and rewrite `1.0`,
 * `1e3`, integers past 2^53 and escapes such as `\u00e9`. Splicing the text in is also cheaper than
 * re-serialising (25-30 against 36-37 µs for a 7 KB push, UTF-8 included).
 *
 * The data keeps the request's bytes, not their text: a text kept beside the parsed body raised the webhook
 * function's peak RSS from ~125 to 131-136 MB under 512 KB pushes; the bytes exist anyway (109-111 MB).
 * The mark is a private field added to the data object (`RawMark`), not a WeakMap entry: a WeakMap's entries
 * cost in-process ingest a quarter of its throughput in garbage collection.
 */

import { isUtf8 } from 'node:buffer';
import { sortedKeys } from '../byte-order.ts';

interface RawField {
  key: string;
  /** The parsed value; undefined until a lazy field is first read (JSON never parses to undefined). */
  value: unknown;
  /** The bytes (the request's own buffer: no second copy is held) or text the value was parsed from. */
  source: Uint8Array | string;
  /** Known to have no whitespace outside strings (checked by `scanJson`), so compaction is skipped. */
  compact: boolean;
}

/** Its constructor returns the object it is given, so a subclass's private field lands on that object. */
class Stamp {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: how a private field is added to an existing object
    return target;
  }
}

/**
 * A record's raw field, kept in a private field of the record itself: JSON, spreads, `Reflect.ownKeys` and
 * deep equality never see it, and adding it costs 20 ns where a non-enumerable property cost 380.
 */
class RawMark extends Stamp {
  readonly #raw: RawField;

  private constructor(target: object, raw: RawField) {
    super(target);
    this.#raw = raw;
  }

  static mark(target: object, raw: RawField): void {
    new RawMark(target, raw);
  }

  static of(record: object): RawField | undefined {
    return #raw in record ? (record as RawMark).#raw : undefined;
  }
}

/**
 * Marks `data[key]` as parsed from the JSON `source`: `dataJson` writes that text in its place (compacted
 * unless `compact` says it already is).
 */
export function keepRawJson<T extends object>(
  data: T,
  key: keyof T & string,
  source: Uint8Array | string,
  compact = false,
): T {
  RawMark.mark(data, { key, value: data[key], source, compact });
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
  RawMark.mark(data, { key, value: undefined, source, compact });
  Object.defineProperty(data, key, { get: readLazy, set: writeLazy, enumerable: true, configurable: true });
  return data;
}

function readLazy(this: object): unknown {
  const raw = RawMark.of(this) as RawField;
  raw.value ??= JSON.parse(textOf(raw.source));
  return raw.value;
}

function writeLazy(this: object, value: unknown): void {
  const { key } = RawMark.of(this) as RawField;
  Object.defineProperty(this, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Whether `record[raw.key]` still holds what `source` says, read without parsing a lazy field. */
function unchanged(record: object, raw: RawField): boolean {
  const property = Object.getOwnPropertyDescriptor(record, raw.key);
  if (property === undefined) return false;
  if (property.get !== undefined) return property.get === readLazy;
  return raw.value !== undefined && property.value === raw.value;
}

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * Escapes what Go's encoding/json escapes and JSON.stringify does not. Argo serialises the event with
 * `json.Marshal(event)`, which re-compacts sdk-go's output with HTML escaping on
 * (argoproj/argo-events: pkg/eventsources/eventing.go). These characters only occur inside JSON strings,
 * so replacing them over the whole text keeps it valid and equal in value.
 */
export function goJsonEscape(json: string): string {
  // Most events have none of them: five indexOf scans cost 0.3 µs on a 7 KB push, the regex scan 10 µs.
  if (
    json.indexOf('<') === -1 &&
    json.indexOf('>') === -1 &&
    json.indexOf('&') === -1 &&
    json.indexOf('\u2028') === -1 &&
    json.indexOf('\u2029') === -1
  ) {
    return json;
  }
  return json.replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] ?? c);
}

// The same, as UTF-8: bytes holding none of it are written unchanged.
const GO_ESCAPED_BYTES = Object.keys(GO_ESCAPES).map((c) => Buffer.from(c, 'utf8'));

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
  return `${parts.before}${compactText(raw)}${parts.after}`;
}

/** The JSON `record[key]` was marked as parsed from, compacted, while the field still holds that value. */
export function rawJsonOf(record: object, key: string): string | undefined {
  const raw = rawFieldOf(record);
  return raw?.key === key && unchanged(record, raw) ? compactText(raw) : undefined;
}

function compactText(raw: RawField): string {
  const text = textOf(raw.source);
  return raw.compact ? text : compactJson(text);
}

/**
 * Event data's JSON as text around the raw field's bytes, when those bytes are what `dataJson` and
 * `goJsonEscape` would write for it (compact, valid UTF-8, nothing to escape); undefined otherwise (then
 * `dataJson` is the way). Copying them saves a
 * decode, the flattening of the text and an encode, each the size of the body (0.5 MB for a large push).
 */
export function dataJsonBytes(data: unknown): { before: string; bytes: Buffer; after: string } | undefined {
  const raw = rawFieldOf(data);
  if (!raw?.compact || typeof raw.source === 'string') return undefined;
  const bytes = Buffer.from(raw.source.buffer, raw.source.byteOffset, raw.source.byteLength);
  if (!isUtf8(bytes) || GO_ESCAPED_BYTES.some((c) => bytes.includes(c))) return undefined;
  const parts = dataParts(data as Record<string, unknown>, raw);
  return parts.raw ? { before: parts.before, bytes, after: parts.after } : undefined;
}

function rawFieldOf(data: unknown): RawField | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  return RawMark.of(data);
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

/**
 * Go's `json.Marshal` of a value decoded into `interface{}`: object keys in byte order at every level (a
 * JavaScript object would put integer-like keys first), `-0` kept, a lone surrogate as U+FFFD. Numbers are
 * doubles on both sides and print alike. HTML escaping is `goJsonEscape`'s (the envelope escapes the whole
 * event; expr-lang's `toJson` escapes its own text). Written as one string, with JSON.stringify only for
 * strings that need escapes: a 7 KB GitHub push took 130-150 µs as members joined per object, 48-57 here.
 */
export function goMarshalJson(value: unknown): string {
  if (typeof value === 'string') return quoteJson(value);
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'number')
      return Object.is(value, -0) ? '-0' : Number.isFinite(value) ? `${value}` : 'null';
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    let text = '[';
    let separator = '';
    for (const element of value) {
      text += `${separator}${goMarshalJson(element)}`;
      separator = ',';
    }
    return `${text}]`;
  }
  const record = value as Record<string, unknown>;
  let text = '{';
  let separator = '';
  for (const key of sortedKeys(record)) {
    text += `${separator}${quoteJson(key)}:${goMarshalJson(record[key])}`;
    separator = ',';
  }
  return `${text}}`;
}

// What JSON.stringify would escape in a string (quote, backslash, control characters), and surrogates (a
// lone one becomes U+FFFD, as Go writes it).
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it looks for
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A JSON string literal as Go writes it, before HTML escaping. */
function quoteJson(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text.toWellFormed()) : `"${text}"`;
}
