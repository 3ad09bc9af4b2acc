import { describe, expect, it } from 'vitest';
import {
  formatFloat,
  formatValue,
  quote,
  sprint,
  sprintf,
  sprintln,
} from '../../../lib/expr/template/fmt.ts';
import { GoInt, mapSet, newMap } from '../../../lib/expr/template/value.ts';

describe('formatValue of float64 (Go %v = shortest %g)', () => {
  // Expected strings are what Go's fmt.Sprint(float64(x)) prints.
  it.each([
    [0, '0'],
    [42, '42'],
    [-7, '-7'],
    [1.5, '1.5'],
    [100000, '100000'],
    [999999, '999999'],
    [1000000, '1e+06'],
    [1000001, '1.000001e+06'],
    [1234567, '1.234567e+06'],
    [123456789, '1.23456789e+08'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-0.000035, '-3.5e-05'],
    [0.1, '0.1'],
    [1e21, '1e+21'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [5e-324, '5e-324'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '+Inf'],
    [Number.NEGATIVE_INFINITY, '-Inf'],
  ])('prints %s as %s', (input, expected) => {
    // Prepare / Act
    const out = formatValue(input);
    // Assess
    expect(out).toBe(expected);
  });
});

describe('formatFloat with a precision (strconv, round half to even on the exact value)', () => {
  it.each([
    [3.14259, 'f', 2, '3.14'],
    [2.5, 'f', 0, '2'],
    [3.5, 'f', 0, '4'],
    [0.125, 'f', 2, '0.12'],
    [0.375, 'f', 2, '0.38'],
    [1.005, 'f', 2, '1.00'],
    [1234.5678, 'e', 3, '1.235e+03'],
    [0, 'e', 2, '0.00e+00'],
    [1234.5678, 'g', 3, '1.23e+03'],
    [0.000012345, 'g', 2, '1.2e-05'],
    [123, 'g', 6, '123'],
    [1e22, 'f', 0, '10000000000000000000000'],
  ] as const)('formats %s with %s and precision %s as %s', (v, f, p, expected) => {
    expect(formatFloat(v, f, p)).toBe(expected);
  });
});

describe('sprintf', () => {
  it.each([
    ['%d', [new GoInt(42n)], '42'],
    ['%d', [3], '%!d(float64=3)'],
    ['%s', [new GoInt(3n)], '%!s(int=3)'],
    ['%v|%s|%q', ['a', 'b', 'c"d'], 'a|b|"c\\"d"'],
    ['%x %X %o %b', [new GoInt(255n), new GoInt(255n), new GoInt(8n), new GoInt(5n)], 'ff FF 10 101'],
    ['%#x', [new GoInt(255n)], '0xff'],
    ['%x', ['hi'], '6869'],
    ['%5s|%-5s|%05d|%+d', ['ab', 'ab', new GoInt(42n), new GoInt(7n)], '   ab|ab   |00042|+7'],
    ['%.2f|%8.3f|%-8.1f|%08.2f', [3.14259, 2.5, 1.25, -3.5], '3.14|   2.500|1.2     |-0003.50'],
    ['%e|%E|%g', [1234.5678, 0.000123, 100000000], '1.234568e+03|1.230000E-04|1e+08'],
    ['%t %t', [true, 'x'], 'true %!t(string=x)'],
    ['%v', [null], '<nil>'],
    ['%s', [null], '%!s(<nil>)'],
    ['%T %T %T %T', [1.5, 'x', new GoInt(1n, 'int64'), [1]], 'float64 string int64 []interface {}'],
    ['%d%%', [new GoInt(50n)], '50%'],
    ['%d %d', [new GoInt(1n)], '1 %!d(MISSING)'],
    ['%d', [new GoInt(1n), 'x'], '1%!(EXTRA string=x)'],
    ['%.3s', ['abcdef'], 'abc'],
    ['%c|%U|%q', [new GoInt(65n), new GoInt(0x1f600n), new GoInt(97n)], "A|U+1F600|'a'"],
    ['%*d', [new GoInt(4n), new GoInt(7n)], '   7'],
    ['%[2]s %[1]s', ['a', 'b'], 'b a'],
    ['%v', [[1, 'a']], '[1 a]'],
    ['%d', [[1.5, 2]], '[%!d(float64=1.5) %!d(float64=2)]'],
    ['%z', [new GoInt(1n)], '%!z(int=1)'],
    ['abc%', [], 'abc%!(NOVERB)'],
  ] as const)('formats %s', (format, args, expected) => {
    expect(sprintf(format, args as never)).toBe(expected);
  });
});

describe('sprint and sprintln', () => {
  it('adds spaces between operands only when neither is a string', () => {
    expect(sprint([new GoInt(1n), new GoInt(2n), 'a', 'b', 3])).toBe('1 2ab3');
  });

  it('always separates operands and ends with a newline in sprintln', () => {
    expect(sprintln(['a', 'b', 1])).toBe('a b 1\n');
  });

  it('prints maps with sorted keys and nested values', () => {
    // Prepare
    const m = newMap();
    mapSet(m, 'b', [1, null]);
    mapSet(m, 'a', true);
    // Act / Assess
    expect(formatValue(m)).toBe('map[a:true b:[1 <nil>]]');
  });
});

describe('quote (strconv.Quote)', () => {
  it.each([
    ['plain', '"plain"'],
    ['tab\there', '"tab\\there"'],
    ['nl\n', '"nl\\n"'],
    ['\x01', '"\\x01"'],
    ['é', '"é"'],
    ['\u200b', '"\\u200b"'],
  ])('quotes %j', (s, expected) => {
    expect(quote(s)).toBe(expected);
  });
});
