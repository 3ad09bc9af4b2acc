import { describe, expect, it } from 'vitest';
import { compactJson, dataJson, keepRawJson } from '../../lib/events/raw-json.ts';

describe('compactJson', () => {
  it.each([
    ['already compact', '{"a":[1,2],"b":"x y"}', '{"a":[1,2],"b":"x y"}'],
    ['spaces, tabs and newlines between tokens', '{\n\t"a" : [ 1 ,\r\n 2 ] }', '{"a":[1,2]}'],
    ['whitespace inside strings kept', '{ "a b" : " c\\td " }', '{"a b":" c\\td "}'],
    [
      'an escaped quote does not end the string',
      '{ "a": "say \\" hi " , "b" : 1 }',
      '{"a":"say \\" hi ","b":1}',
    ],
    ['an escaped backslash before the closing quote', '[ "a\\\\" , "b c" ]', '["a\\\\","b c"]'],
    ['leading and trailing whitespace', '  \n 5 \n', '5'],
    ['a string alone', ' "x  y" ', '"x  y"'],
  ])('%s', (_, text, expected) => {
    // Act
    const out = compactJson(text);

    // Assert
    expect(out).toBe(expected);
  });

  it('returns the text itself when there is nothing to remove', () => {
    // Prepare
    const text = JSON.stringify({ a: 'b c', d: [1, { e: null }] });

    // Act / Assert
    expect(compactJson(text)).toBe(text);
  });

  it('equals JSON.stringify of the value for pretty-printed random documents', () => {
    // Prepare: a deterministic generator of nested values with awkward strings.
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const strings = ['', ' ', 'a b', 'q"uote', 'back\\slash', 'tab\there', 'new\nline', '\\"', 'é <&>'];
    const value = (depth: number): unknown => {
      const pick = Math.floor(next() * (depth > 3 ? 4 : 6));
      if (pick === 0) return Math.round(next() * 1e6) / 100;
      if (pick === 1) return strings[Math.floor(next() * strings.length)];
      if (pick === 2) return next() < 0.5;
      if (pick === 3) return null;
      if (pick === 4) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(next() * 4) }, (_, i) => [
          `${strings[i % strings.length]}${i}`,
          value(depth + 1),
        ]),
      );
    };

    for (let i = 0; i < 200; i++) {
      const doc = value(0);
      // Act / Assert
      expect(compactJson(JSON.stringify(doc, null, i % 3 === 0 ? '\t' : 2))).toBe(JSON.stringify(doc));
    }
  });
});

describe('dataJson', () => {
  const raw =
    '{ "b": 1, "10": 2, "2": 3, "n": 1.0, "e": 1e3, "big": 12345678901234567890, "s": "caf\\u00e9 \\/" }';

  it('writes the raw field as received (compacted): key order, number text and escapes kept', () => {
    // Prepare
    const data = keepRawJson({ header: { 'X-A': ['1'] }, body: JSON.parse(raw) as unknown }, 'body', raw);

    // Act
    const json = dataJson(data);

    // Assert: JSON.stringify of the parsed body would give {"2":3,"10":2,"b":1,"n":1,"e":1000,"big":12345678901234567000,"s":"café /"}
    expect(json).toBe(
      '{"header":{"X-A":["1"]},"body":{"b":1,"10":2,"2":3,"n":1.0,"e":1e3,"big":12345678901234567890,"s":"caf\\u00e9 \\/"}}',
    );
    expect(JSON.parse(json!)).toEqual(data);
  });

  it('is undefined for data with no raw field', () => {
    // Act / Assert
    expect([dataJson({ a: 1 }), dataJson('text'), dataJson(null), dataJson(undefined)]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('serialises a raw field replaced after it was marked like any other, and leaves out undefined fields', () => {
    // Prepare
    const data: { body: unknown; metadata?: Record<string, string> | undefined } = keepRawJson(
      { body: 1 as unknown },
      'body',
      '1.0',
    );
    data.body = { replaced: true };
    data.metadata = undefined;

    // Act / Assert
    expect(dataJson(data)).toBe('{"body":{"replaced":true}}');
  });
});
