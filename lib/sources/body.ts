/** Body and query parsing with Go's rules, so event data matches what Argo Events publishes. */
import { ErrorCode, PayloadError } from '../errors.ts';
import { scanJson } from '../events/json-scan.ts';
import { keepRawJson, lazyRawJson } from '../events/raw-json.ts';
import { setOwn } from '../own.ts';

/** Parses JSON bytes; PayloadError (400) when they are not JSON. Never quotes the body. */
export function parseJson(body: Buffer, what = 'body'): unknown {
  const text = body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw notJson(what);
  }
}

const notJson = (what: string) => new PayloadError(`${what} is not valid JSON`);

/**
 * Sets `data[key]` to the JSON request body, which the bus will carry as received (Argo's json.RawMessage):
 * parsed now when `parse`, else checked now and parsed on first read. PayloadError (400) when it is not JSON.
 */
export function withJsonBody<T extends object>(
  data: T,
  key: keyof T & string,
  body: Buffer,
  parse: boolean,
): T {
  if (!parse) {
    const scan = scanJson(body);
    if (!scan) throw notJson('body');
    return lazyRawJson(data, key, body, scan.compact);
  }
  (data as Record<string, unknown>)[key] = parseJson(body);
  return keepRawJson(data, key, body);
}

/** Parses JSON that must be an object (GitHub decodes into a map: arrays and scalars are refused). */
export function parseJsonObject(body: Buffer, what = 'body'): Record<string, unknown> {
  const value = parseJson(body, what);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PayloadError(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function unescapeQuery(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/**
 * Go's `url.ParseQuery` as `URL.Query()` uses it: `&`-separated, `+` is a space, a pair with `;` or a bad
 * escape is dropped. Returns values per key with keys sorted, as Go marshals `url.Values`.
 */
export function parseGoQuery(raw: string): Record<string, string[]> {
  const values = new Map<string, string[]>();
  for (const pair of raw.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const key = unescapeQuery(eq < 0 ? pair : pair.slice(0, eq));
    const value = unescapeQuery(eq < 0 ? '' : pair.slice(eq + 1));
    if (key === undefined || value === undefined) continue;
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  const out: Record<string, string[]> = {};
  for (const key of [...values.keys()].sort()) setOwn(out, key, values.get(key)!);
  return out;
}

/** Strict variant for form bodies (Go's `ParseForm` fails on a bad pair): PayloadError instead of dropping. */
export function parseGoForm(body: Buffer): Record<string, string[]> {
  const raw = body.toString('utf8');
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (pair.includes(';') || unescapeQuery(pair.slice(0, eq < 0 ? undefined : eq)) === undefined) {
      throw new PayloadError('form body is not valid application/x-www-form-urlencoded');
    }
    if (eq >= 0 && unescapeQuery(pair.slice(eq + 1)) === undefined) {
      throw new PayloadError('form body is not valid application/x-www-form-urlencoded');
    }
  }
  return parseGoQuery(raw);
}

/** Media type of a Content-Type value, lower-cased and without parameters (`mime.ParseMediaType`). */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === '' ? undefined : type;
}

/** PayloadError with 415 for a content type a source cannot read. */
export function unsupportedMediaType(contentType: string | undefined): PayloadError {
  return new PayloadError(
    contentType === undefined
      ? 'missing Content-Type'
      : `unsupported Content-Type ${JSON.stringify(contentType.slice(0, 100))}`,
    { code: ErrorCode.UnsupportedMediaType, statusCode: 415 },
  );
}
