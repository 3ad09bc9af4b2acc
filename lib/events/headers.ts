/** Header handling shared by every HTTP source: Go's canonical keys and `http.Header`'s array values. */

/** Go's `textproto.CanonicalMIMEHeaderKey`: `x-github-event` → `X-Github-Event`. */
export function canonicalHeaderKey(key: string): string {
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

/**
 * Headers as Argo Events puts them in event data: canonical keys, every value an array of strings.
 * `Host` is dropped as Go's server does.
 */
export function toEventHeaders(headers: RawHeaders): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = canonicalHeaderKey(name);
    if (key === 'Host') continue;
    const values = Array.isArray(value) ? value : [value];
    const existing = out[key];
    if (existing) existing.push(...values);
    else out[key] = [...values];
  }
  return out;
}

/** Case-insensitive lookup of the first value of a header. */
export function headerValue(headers: RawHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}
