import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compareStrings } from '../../lib/byte-order.ts';
import {
  compactJson,
  dataJson,
  goMarshalJson,
  keepRawJson,
  lazyRawJson,
  rawJsonOf,
} from '../../lib/events/raw-json.ts';

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

describe('lazyRawJson', () => {
  const text = '{ "b": 1, "10": 2, "n": 1.0 }';
  const make = () =>
    lazyRawJson(
      { header: { 'X-A': ['1'] }, body: undefined as unknown, tail: 't' },
      'body',
      bytesOf(text),
      false,
    );
  const bytesOf = (value: string) => new Uint8Array(Buffer.from(value, 'utf8'));

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('splices the bytes onto the bus without parsing them, in the field order of the data', () => {
    // Prepare
    const data = make();
    const parse = vi.spyOn(JSON, 'parse');

    // Act
    const json = dataJson(data);

    // Assert
    expect(json).toBe('{"header":{"X-A":["1"]},"body":{"b":1,"10":2,"n":1.0},"tail":"t"}');
    expect(parse).not.toHaveBeenCalled();
  });

  it('parses on the first read only, and still splices the bytes after it', () => {
    // Prepare
    const data = make();
    const parse = vi.spyOn(JSON, 'parse');

    // Act
    const first = data.body;
    const second = data.body;

    // Assert
    expect(first).toEqual({ b: 1, 10: 2, n: 1 });
    expect(second).toBe(first);
    expect(parse).toHaveBeenCalledTimes(1);
    expect(dataJson(data)).toBe('{"header":{"X-A":["1"]},"body":{"b":1,"10":2,"n":1.0},"tail":"t"}');
  });

  it('is an ordinary enumerable field to JSON.stringify, spread, Object.keys and structuredClone', () => {
    // Prepare
    const data = make();

    // Act / Assert
    expect(Object.keys(data)).toEqual(['header', 'body', 'tail']);
    expect(JSON.parse(JSON.stringify(data))).toEqual({
      header: { 'X-A': ['1'] },
      body: { 10: 2, b: 1, n: 1 },
      tail: 't',
    });
    expect({ ...data }.body).toEqual({ 10: 2, b: 1, n: 1 });
    expect(structuredClone(make()).body).toEqual({ 10: 2, b: 1, n: 1 });
    expect(Object.hasOwn(data, 'body')).toBe(true);
  });

  it('is replaced like any other field when written, before or after a read', () => {
    // Prepare
    const unread = make();
    const read = make();
    void read.body;

    // Act
    unread.body = { replaced: 1 };
    read.body = 'new';

    // Assert
    expect(unread.body).toEqual({ replaced: 1 });
    expect(dataJson(unread)).toBe('{"header":{"X-A":["1"]},"body":{"replaced":1},"tail":"t"}');
    expect(dataJson(read)).toBe('{"header":{"X-A":["1"]},"body":"new","tail":"t"}');
  });

  it('compacts the bytes unless the scan found them compact, and then does not look at them again', () => {
    // Prepare: `compact` is the scan's verdict, trusted as given: a wrong one would show in the output.
    const spaced = lazyRawJson({ body: undefined as unknown }, 'body', bytesOf('[1, 2]'), false);
    const trusted = lazyRawJson({ body: undefined as unknown }, 'body', bytesOf('[1, 2]'), true);

    // Act / Assert
    expect(dataJson(spaced)).toBe('{"body":[1,2]}');
    expect(dataJson(trusted)).toBe('{"body":[1, 2]}');
  });
});

describe('rawJsonOf', () => {
  it('gives the marked text, compacted, only while the field still holds what it was parsed into', () => {
    // Prepare
    const kept = keepRawJson({ data: { n: 1 } as unknown }, 'data', '{ "n": 1.0 }');
    const replaced = keepRawJson({ data: { n: 1 } as unknown }, 'data', '{ "n": 1.0 }');
    replaced.data = { n: 2 };

    // Act / Assert
    expect(rawJsonOf(kept, 'data')).toBe('{"n":1.0}');
    expect(rawJsonOf(kept, 'body')).toBeUndefined();
    expect(rawJsonOf(replaced, 'data')).toBeUndefined();
    expect(rawJsonOf({ data: 1 }, 'data')).toBeUndefined();
  });
});

describe('goMarshalJson', () => {
  /** The encoder spelled out member by member: keys by compareStrings, every string through JSON.stringify. */
  function plainGoMarshal(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(plainGoMarshal).join(',')}]`;
    if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      const members = Object.keys(record)
        .sort(compareStrings)
        .map((key) => `${JSON.stringify(key.toWellFormed())}:${plainGoMarshal(record[key])}`);
      return `{${members.join(',')}}`;
    }
    if (typeof value === 'string') return JSON.stringify(value.toWellFormed());
    if (Object.is(value, -0)) return '-0';
    return JSON.stringify(value) ?? 'null';
  }

  it('writes what Go writes for a decoded map', () => {
    // Prepare: integer-like keys, a key past U+FFFF beside one below it, -0, a lone surrogate, escapes,
    // a __proto__ key, an integer past 2^53 (a float64 in Go too)
    const value = JSON.parse(
      String.raw`{"b":1,"10":2,"9":{"2":1,"10":[-0,1.5e300]},"\ud83d\ude00":1,"\uffee":2,"s":"\ud800 \"q\" \\ \n","__proto__":{"x":null},"n":12345678901234567890,"t":[true,false,{}],"e":""}`,
    );

    // Act
    const text = goMarshalJson(value);

    // Assess: byte order puts U+FFEE (EF BF AE) before U+1F600 (F0 9F 98 80)
    expect(text).toBe(
      '{"10":2,"9":{"10":[-0,1.5e+300],"2":1},"__proto__":{"x":null},"b":1,"e":"","n":12345678901234567000,"s":"' +
        '\ufffd' +
        String.raw` \"q\" \\ \n","t":[true,false,{}],"` +
        '\uffee":2,"\ud83d\ude00":1}',
    );
  });

  it('agrees with the encoder spelled out member by member, on any JSON value and any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }))),
        (value) => {
          expect(goMarshalJson(value)).toBe(plainGoMarshal(value));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
