/** Header handling shared by every HTTP source: Go's canonical keys and `http.Header`'s array values. */
import { boundedMemo } from '../memo.ts';

/** Go's `textproto.CanonicalMIMEHeaderKey`: `x-github-event` → `X-Github-Event`. */
export const canonicalHeaderKey: (key: string) => string = boundedMemo(512, canonicalize);

function canonicalize(key: string): string {
  // Go leaves keys with spaces or invalid token characters untouched.
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(key)) return key;
  let upper = true;
  let out = '';
  for (const ch of key) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === '-';
  }
  return out;
}

/** Raw headers as the runtime hands them over: single values, arrays, or comma-joined repeats. */
export type RawHeaders = Record<string, string | string[] | undefined>;

/** Case-insensitive lookup of the first value of a header. */
export function headerValue(headers: RawHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  // A hot path (a dozen lookups a request): no entries array, and names of another length are not lowered.
  for (const key in headers) {
    if (key.length !== wanted.length || !Object.hasOwn(headers, key)) continue;
    const value = headers[key];
    if (value === undefined || key.toLowerCase() !== wanted) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}
