import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../lib/errors.ts';
import { mediaType, parseGoForm, parseGoQuery, parseJson } from '../../lib/sources/body.ts';

describe('Go query parsing', () => {
  it.each([
    ['', {}],
    ['a=1', { a: ['1'] }],
    ['a', { a: [''] }],
    ['a=1&a=2', { a: ['1', '2'] }],
    ['b=x+y&a=%41', { a: ['A'], b: ['x y'] }],
    ['a=%zz&b=1', { b: ['1'] }],
    ['a=1;b=2&c=3', { c: ['3'] }],
    ['&&a=1&&', { a: ['1'] }],
  ])('parses %j', (raw, expected) => {
    expect(parseGoQuery(raw)).toEqual(expected);
  });

  it('round-trips any encoded key/value pairs', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 8 }), (pairs) => {
        // Prepare
        const raw = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

        // Act
        const parsed = parseGoQuery(raw);

        // Assess
        const expected = new Map<string, string[]>();
        for (const [k, v] of pairs) expected.set(k, [...(expected.get(k) ?? []), v]);
        expect(new Map(Object.entries(parsed))).toEqual(expected);
        // JS always lists integer-like keys first, whatever the insertion order: compare the others.
        const named = Object.keys(parsed).filter((k) => !/^(0|[1-9]\d*)$/.test(k));
        expect(named).toEqual([...named].sort());
      }),
    );
  });

  it('refuses a malformed form body instead of dropping pairs', () => {
    expect(() => parseGoForm(Buffer.from('a=%zz'))).toThrow(PayloadError);
    expect(() => parseGoForm(Buffer.from('a=1;b=2'))).toThrow(PayloadError);
  });
});

describe('JSON and media types', () => {
  it('never quotes the body in a JSON error', () => {
    expect(() => parseJson(Buffer.from('{"password":"hunter2"'))).toThrow(/^body is not valid JSON$/);
  });

  it('never throws anything but PayloadError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          parseJson(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(PayloadError);
        }
      }),
    );
  });

  it.each([
    [undefined, undefined],
    ['', undefined],
    ['Application/JSON; charset=utf-8', 'application/json'],
    ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
  ])('reads the media type of %j', (header, expected) => {
    expect(mediaType(header)).toBe(expected);
  });

  it('keeps a __proto__ key as data', () => {
    const parsed = parseJson(Buffer.from('{"__proto__":{"x":1},"a":1}'));
    expect(Object.keys(parsed as object)).toEqual(['__proto__', 'a']);
    expect(Object.keys(parseGoQuery('__proto__=1'))).toEqual(['__proto__']);
  });
});
