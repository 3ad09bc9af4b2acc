import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanJson } from '../../lib/events/json-scan.ts';
import { compactJson } from '../../lib/events/raw-json.ts';
import { jsonBytes } from '../fuzz/targets.ts';

/** What JSON.parse says about the same bytes: the scan must agree with it exactly. */
function parseVerdict(bytes: Uint8Array): { compact: boolean } | undefined {
  const text = Buffer.from(bytes).toString('utf8');
  try {
    JSON.parse(text);
  } catch {
    return undefined;
  }
  return { compact: compactJson(text) === text };
}

const bytesOf = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

describe('scanJson', () => {
  it.each([
    ['an empty body', ''],
    ['whitespace only', ' \n\t\r'],
    ['an empty object and array', '{}'],
    ['an empty array', '[ ]'],
    ['nested values', '{"a":[1,-2.5e+3,true,false,null,"x"],"b":{"c":{}}}'],
    ['a trailing comma in an object', '{"a":1,}'],
    ['a trailing comma in an array', '[1,]'],
    ['a leading comma', '[,1]'],
    ['a missing comma', '[1 2]'],
    ['a missing colon', '{"a" 1}'],
    ['a non-string key', '{1:2}'],
    ['a single-quoted string', "{'a':1}"],
    ['an unclosed object', '{"a":1'],
    ['an unclosed string', '{"a":"b}'],
    ['an extra closing brace', '{"a":1}}'],
    ['mismatched brackets', '{"a":1]'],
    ['two documents', '{} {}'],
    ['a leading zero', '01'],
    ['minus zero', '-0'],
    ['a lone minus', '-'],
    ['a dot without digits', '1.'],
    ['a leading dot', '.5'],
    ['an exponent without digits', '1e+'],
    ['an upper-case exponent', '1E5'],
    ['a plus sign', '+1'],
    ['NaN', 'NaN'],
    ['Infinity', '-Infinity'],
    ['a truncated literal', 'tru'],
    ['a literal with a tail', 'nullx'],
    ['a capitalised literal', 'True'],
    ['every simple escape', '"\\" \\\\ \\/ \\b \\f \\n \\r \\t"'],
    ['a unicode escape', '"\\u00e9\\uD83D\\uDE00"'],
    ['a short unicode escape', '"\\u12"'],
    ['a unicode escape with a non-hex digit', '"\\u12g4"'],
    ['an unknown escape', '"\\x41"'],
    ['a backslash at the end', '"abc\\'],
    ['a raw tab inside a string', '"a\tb"'],
    ['a raw newline inside a string', '"a\nb"'],
    ['DEL inside a string', '"a\u007fb"'],
    ['UTF-8 text', '{"name":"café ☃ 😀"}'],
    ['a byte order mark', '\ufeff{}'],
    ['a no-break space between tokens', '{\u00a0}'],
    ['a form feed between tokens', '[1,\f2]'],
    ['whitespace around everything', ' { "a" : [ 1 , 2 ] } \n'],
    ['whitespace before the first colon only', '{"a" :1}'],
    ['whitespace before a later colon only', '{"a":1,"b"\t:2}'],
    ['a number with whitespace after it', '[1 ]'],
  ])('agrees with JSON.parse on %s', (_, text) => {
    // Prepare
    const bytes = bytesOf(text);

    // Act / Assert
    expect(scanJson(bytes)).toEqual(parseVerdict(bytes));
  });

  it('takes invalid UTF-8 inside a string (decoding makes it U+FFFD) and refuses it outside one', () => {
    // Prepare
    const inside = new Uint8Array([0x22, 0xff, 0xc3, 0x22]);
    const outside = new Uint8Array([0x5b, 0xff, 0x5d]);

    // Act / Assert
    expect(scanJson(inside)).toEqual({ compact: true });
    expect(parseVerdict(inside)).toEqual({ compact: true });
    expect(scanJson(outside)).toBeUndefined();
    expect(parseVerdict(outside)).toBeUndefined();
  });

  it('checks nesting 100,000 deep without running out of stack', () => {
    // Prepare
    const depth = 100_000;
    const valid = bytesOf(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    const unbalanced = bytesOf(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth - 1)}`);

    // Act / Assert
    expect(scanJson(valid)).toEqual({ compact: true });
    expect(scanJson(unbalanced)).toBeUndefined();
  });

  it('agrees with JSON.parse on random documents, their corruptions and noise', () => {
    // Act / Assert: fast-check shrinks a disagreement to its smallest input.
    fc.assert(
      fc.property(jsonBytes, (bytes) => {
        expect(scanJson(bytes)).toEqual(parseVerdict(bytes));
      }),
      { numRuns: 5_000 },
    );
  });
});
