/** Go's string order, shared by the template engine and sources that write JSON as Go's encoder does. */

const SURROGATE = /[\ud800-\udfff]/;

/** Byte-wise (UTF-8) string order, as Go compares strings (`sort.Strings`, map keys in json.Marshal). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // Without surrogates UTF-16 order is UTF-8 order; a character past U+FFFF needs the bytes compared.
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
