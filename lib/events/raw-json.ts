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

interface RawField {
  key: string;
  value: unknown;
  /** The bytes (the request's own buffer: no second copy is held) or text the value was parsed from. */
  source: Uint8Array | string;
}

const RAW = Symbol('outrigger.rawJson');

/** Marks `data[key]` as parsed from the JSON `source`: `dataJson` writes that text in its place. */
export function keepRawJson<T extends object>(
  data: T,
  key: keyof T & string,
  source: Uint8Array | string,
): T {
  Object.defineProperty(data, RAW, { value: { key, value: data[key], source } satisfies RawField });
  return data;
}

/**
 * The JSON text of event data with its raw field written as received (compacted), the other fields as
 * JSON.stringify writes them; undefined when `data` has no raw field. A field replaced since it was marked
 * is serialised like the others.
 */
export function dataJson(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const raw = (data as { [RAW]?: RawField })[RAW];
  if (!raw) return undefined;
  const record = data as Record<string, unknown>;
  let out = '';
  for (const key of Object.keys(record)) {
    const value = record[key];
    const json =
      key === raw.key && value === raw.value ? compactJson(textOf(raw.source)) : JSON.stringify(value);
    if (json === undefined) continue; // undefined and functions are left out, as JSON.stringify does
    out += `${out === '' ? '{' : ','}${JSON.stringify(key)}:${json}`;
  }
  return out === '' ? '{}' : `${out}}`;
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
