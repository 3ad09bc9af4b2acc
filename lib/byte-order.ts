/** Go's string order, shared by the template engine and sources that write JSON as Go's encoder does. */

const SURROGATE = /[\ud800-\udfff]/;

/** Byte-wise (UTF-8) string order, as Go compares strings (`sort.Strings`, map keys in json.Marshal). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // Without surrogates UTF-16 order is UTF-8 order; a character past U+FFFF needs the bytes compared.
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The own enumerable keys of `record` in Go's byte order. A list without surrogates sorts natively (UTF-16
 * order is UTF-8 order there): one check per key instead of two per comparison.
 */
export function sortedKeys(record: object): string[] {
  const keys = Object.keys(record);
  if (keys.length < 2) return keys;
  for (const key of keys) if (SURROGATE.test(key)) return keys.sort(compareStrings);
  return keys.sort();
}
