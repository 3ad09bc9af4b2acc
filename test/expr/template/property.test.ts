import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../../lib/errors.ts';
import { formatValue, sprintf } from '../../../lib/expr/template/fmt.ts';
import { compileTemplate } from '../../../lib/expr/template/index.ts';

const DATA = { Input: { a: 1, s: 'x', l: [1, 'two', null, { k: 'v' }], m: { b: [true], c: 1e21 }, n: null } };

/** Runs a template; returns normally or with an ExpressionError, anything else fails the property. */
function runsSafely(text: string): boolean {
  const started = Date.now();
  try {
    compileTemplate(text).execute(DATA);
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
  }
  return Date.now() - started < 5_000;
}

const TOKENS = [
  '{{',
  '}}',
  '{{- ',
  ' -}}',
  ' ',
  'if ',
  'else ',
  'end',
  'range ',
  'with ',
  'break',
  'continue',
  'define "t"',
  'template "t" .',
  'block "b" .',
  '.Input',
  '.a',
  '.l',
  '.m.b',
  '$',
  '$x := ',
  '$x = ',
  '$x',
  '|',
  '(',
  ')',
  'upper',
  'repeat 3',
  'until 5',
  'printf "%v %d"',
  'index',
  'len',
  'eq',
  'lt',
  'and',
  'or',
  'not',
  'default 1',
  'toJson',
  'add 1',
  'list',
  'dict "k"',
  'b64dec',
  'regexFind "a+"',
  'fail "x"',
  '1',
  '1.5',
  '"str"',
  '`raw`',
  "'c'",
  'nil',
  'true',
  '/*',
  '*/',
  'text',
  '\n',
];

describe('templates never escape the typed error', () => {
  it('handles arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), runsSafely), { numRuns: 500 });
  });

  it('handles arbitrary sequences of template tokens', () => {
    const tokens = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((t) => t.join(''));
    fc.assert(fc.property(tokens, runsSafely), { numRuns: 1500 });
  });

  it('handles deeply nested parentheses without crashing', () => {
    const text = `{{ ${'('.repeat(5000)}1${')'.repeat(5000)} }}`;
    expect(runsSafely(text)).toBe(true);
  });

  it('bounds work that the data does not limit', () => {
    // Prepare: nested ranges over integers multiply to 10^12 iterations.
    const text = '{{ range 1000000 }}{{ range 1000000 }}x{{ end }}{{ end }}';
    // Act / Assess
    expect(() => compileTemplate(text).execute({})).toThrowError(ExpressionError);
  });

  it('bounds output growth', () => {
    const text = '{{ $s := "xxxxxxxxxx" }}{{ range until 30 }}{{ $s = print $s $s }}{{ end }}{{ $s }}';
    expect(() => compileTemplate(text).execute({})).toThrowError(ExpressionError);
  });
});

describe('printing properties', () => {
  it('prints every finite float64 so that it parses back to the same number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        const printed = formatValue(d);
        // Go prints negative zero as -0, which also parses back to -0.
        expect(Object.is(Number(printed), d)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('prints integers below one million without an exponent, like Go', () => {
    fc.assert(fc.property(fc.integer({ min: -999_999, max: 999_999 }), (n) => formatValue(n) === String(n)));
  });

  it('never throws from sprintf, whatever the format and arguments', () => {
    const arg = fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null));
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.array(arg, { maxLength: 4 }), (f, args) => {
        expect(typeof sprintf(f, args)).toBe('string');
      }),
      { numRuns: 1000 },
    );
  });
});
