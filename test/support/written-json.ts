/**
 * JSON text as providers write it, for properties over "the data as written": integers past 2^53, trailing
 * zeros, exponents, -0, escapes, spacing, and (unless asked not to) keys repeated in one object.
 */
import fc from 'fast-check';

/** Object keys that trip up readers: prototype names, integer-like keys (JavaScript orders them first). */
export const trickyKeys = fc.oneof(
  fc.constantFrom('a', 'b', 'length', '__proto__', 'X-Github-Event', '01', '00', '-1', 'd\\u0061ta'),
  fc.nat(3).map(String),
);

const numberText = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 80n }).map(String),
  fc
    .tuple(fc.integer({ min: -99, max: 99 }), fc.constantFrom('0', '50', '25', '125'))
    .map(([i, f]) => `${i}.${f}`),
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: -30, max: 400 })).map(([m, e]) => `${m}e${e}`),
  fc.constant('-0'),
);
const space = fc.constantFrom('', ' ', '\n  ');
// Strings with what a skipper must step over: quotes, backslashes, brackets, escapes.
const stringText = fc.oneof(
  fc.string().map((t) => JSON.stringify(t)),
  fc.constantFrom('"a\\"b"', '"\\\\"', '"{[}]"', '"caf\\u00e9"', '"\\\\\\""', '","', '":"'),
);

/** A JSON object or array as text; `uniqueKeys` leaves out repeated keys. */
export function writtenJson(options: { uniqueKeys?: boolean } = {}): fc.Arbitrary<string> {
  return fc.letrec<{ json: string; value: string }>((tie) => {
    const member = fc.tuple(trickyKeys, tie('value'), space);
    const members = options.uniqueKeys
      ? fc.uniqueArray(member, { maxLength: 4, selector: ([key]) => JSON.parse(`"${key}"`) as string })
      : fc.array(member, { maxLength: 4 });
    return {
      value: fc.oneof(
        { depthSize: 'small' },
        numberText,
        stringText,
        fc.constantFrom('true', 'false', 'null'),
        tie('json'),
      ),
      json: fc.oneof(
        members.map((ms) => `{${ms.map(([k, v, sp]) => `${sp}"${k}"${sp}:${sp}${v}${sp}`).join(',')}}`),
        fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
      ),
    };
  }).json;
}
