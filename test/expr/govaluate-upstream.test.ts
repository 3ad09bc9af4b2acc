import { describe, expect, it } from 'vitest';
import { compileGovaluate, GovaluateError } from '../../lib/expr/govaluate/index.ts';

// The test tables of Knetic/govaluate at commit 9aa4983 (evaluation_test.go, evaluationFailure_test.go,
// parsingFailure_test.go), converted to data. Cases that need Go-only features (user functions, struct
// parameters with methods, pre-compiled regexp values, typed Go slices) are left out: Argo registers no
// functions and event data never holds structs. Failure cases assert, as upstream does, that the
// message contains the expected text.

interface ValueCase {
  name: string;
  input: string;
  params: Record<string, unknown>;
  expected: unknown;
}

interface FailureCase {
  name: string;
  input: string;
  params: Record<string, unknown>;
  expected: string;
}
const EVALUATION: ValueCase[] = [
  { name: 'Single PLUS', input: '51 + 49', params: {}, expected: 100.0 },
  { name: 'Single MINUS', input: '100 - 51', params: {}, expected: 49.0 },
  { name: 'Single BITWISE AND', input: '100 & 50', params: {}, expected: 32.0 },
  { name: 'Single BITWISE OR', input: '100 | 50', params: {}, expected: 118.0 },
  { name: 'Single BITWISE XOR', input: '100 ^ 50', params: {}, expected: 86.0 },
  { name: 'Single shift left', input: '2 << 1', params: {}, expected: 4.0 },
  { name: 'Single shift right', input: '2 >> 1', params: {}, expected: 1.0 },
  { name: 'Single BITWISE NOT', input: '~10', params: {}, expected: -11.0 },
  { name: 'Single MULTIPLY', input: '5 * 20', params: {}, expected: 100.0 },
  { name: 'Single DIVIDE', input: '100 / 20', params: {}, expected: 5.0 },
  { name: 'Single even MODULUS', input: '100 % 2', params: {}, expected: 0.0 },
  { name: 'Single odd MODULUS', input: '101 % 2', params: {}, expected: 1.0 },
  { name: 'Single EXPONENT', input: '10 ** 2', params: {}, expected: 100.0 },
  { name: 'Compound PLUS', input: '20 + 30 + 50', params: {}, expected: 100.0 },
  { name: 'Compound BITWISE AND', input: '20 & 30 & 50', params: {}, expected: 16.0 },
  { name: 'Mutiple operators', input: '20 * 5 - 49', params: {}, expected: 51.0 },
  { name: 'Parenthesis usage', input: '100 - (5 * 10)', params: {}, expected: 50.0 },
  { name: 'Nested parentheses', input: '50 + (5 * (15 - 5))', params: {}, expected: 100.0 },
  { name: 'Nested parentheses with bitwise', input: '100 ^ (23 * (2 | 5))', params: {}, expected: 197.0 },
  {
    name: 'Logical OR operation of two clauses',
    input: '(1 == 1) || (true == true)',
    params: {},
    expected: true,
  },
  {
    name: 'Logical AND operation of two clauses',
    input: '(1 == 1) && (true == true)',
    params: {},
    expected: true,
  },
  { name: 'Implicit boolean', input: '2 > 1', params: {}, expected: true },
  { name: 'Compound boolean', input: '5 < 10 && 1 < 5', params: {}, expected: true },
  {
    name: 'Evaluated true && false operation (for issue #8)',
    input: '1 > 10 && 11 > 10',
    params: {},
    expected: false,
  },
  {
    name: 'Evaluated true && false operation (for issue #8)',
    input: 'true == true && false == true',
    params: {},
    expected: false,
  },
  { name: 'Parenthesis boolean', input: '10 < 50 && (1 != 2 && 1 > 0)', params: {}, expected: true },
  { name: 'Comparison of string constants', input: "'foo' == 'foo'", params: {}, expected: true },
  { name: 'NEQ comparison of string constants', input: "'foo' != 'bar'", params: {}, expected: true },
  { name: 'REQ comparison of string constants', input: "'foobar' =~ 'oba'", params: {}, expected: true },
  { name: 'NREQ comparison of string constants', input: "'foo' !~ 'bar'", params: {}, expected: true },
  { name: 'Multiplicative/additive order', input: '5 + 10 * 2', params: {}, expected: 25.0 },
  { name: 'Multiple constant multiplications', input: '10 * 10 * 10', params: {}, expected: 1000.0 },
  {
    name: 'Multiple adds/multiplications',
    input: '10 * 10 * 10 + 1 * 10 * 10',
    params: {},
    expected: 1100.0,
  },
  { name: 'Modulus precedence', input: '1 + 101 % 2 * 5', params: {}, expected: 6.0 },
  { name: 'Exponent precedence', input: '1 + 5 ** 3 % 2 * 5', params: {}, expected: 6.0 },
  { name: 'Bit shift precedence', input: '50 << 1 & 90', params: {}, expected: 64.0 },
  { name: 'Bit shift precedence', input: '90 & 50 << 1', params: {}, expected: 64.0 },
  {
    name: 'Bit shift precedence amongst non-bitwise',
    input: '90 + 50 << 1 * 5',
    params: {},
    expected: 4480.0,
  },
  {
    name: 'Order of non-commutative same-precedence operators (additive)',
    input: '1 - 2 - 4 - 8',
    params: {},
    expected: -13.0,
  },
  {
    name: 'Order of non-commutative same-precedence operators (multiplicative)',
    input: '1 * 4 / 2 * 8',
    params: {},
    expected: 16.0,
  },
  { name: 'Null coalesce precedence', input: 'true ?? true ? 100 + 200 : 400', params: {}, expected: 300.0 },
  {
    name: 'Identical date equivalence',
    input: "'2014-01-02 14:12:22' == '2014-01-02 14:12:22'",
    params: {},
    expected: true,
  },
  {
    name: 'Positive date GT',
    input: "'2014-01-02 14:12:22' > '2014-01-02 12:12:22'",
    params: {},
    expected: true,
  },
  {
    name: 'Negative date GT',
    input: "'2014-01-02 14:12:22' > '2014-01-02 16:12:22'",
    params: {},
    expected: false,
  },
  {
    name: 'Positive date GTE',
    input: "'2014-01-02 14:12:22' >= '2014-01-02 12:12:22'",
    params: {},
    expected: true,
  },
  {
    name: 'Negative date GTE',
    input: "'2014-01-02 14:12:22' >= '2014-01-02 16:12:22'",
    params: {},
    expected: false,
  },
  {
    name: 'Positive date LT',
    input: "'2014-01-02 14:12:22' < '2014-01-02 16:12:22'",
    params: {},
    expected: true,
  },
  {
    name: 'Negative date LT',
    input: "'2014-01-02 14:12:22' < '2014-01-02 11:12:22'",
    params: {},
    expected: false,
  },
  {
    name: 'Positive date LTE',
    input: "'2014-01-02 09:12:22' <= '2014-01-02 12:12:22'",
    params: {},
    expected: true,
  },
  {
    name: 'Negative date LTE',
    input: "'2014-01-02 14:12:22' <= '2014-01-02 11:12:22'",
    params: {},
    expected: false,
  },
  { name: 'Sign prefix comparison', input: '-1 < 0', params: {}, expected: true },
  { name: 'Lexicographic LT', input: "'ab' < 'abc'", params: {}, expected: true },
  { name: 'Lexicographic LTE', input: "'ab' <= 'abc'", params: {}, expected: true },
  { name: 'Lexicographic GT', input: "'aba' > 'abc'", params: {}, expected: false },
  { name: 'Lexicographic GTE', input: "'aba' >= 'abc'", params: {}, expected: false },
  { name: 'Boolean sign prefix comparison', input: '!true == false', params: {}, expected: true },
  { name: 'Inversion of clause', input: '!(10 < 0)', params: {}, expected: true },
  { name: 'Negation after modifier', input: '10 * -10', params: {}, expected: -100.0 },
  { name: 'Ternary with single boolean', input: 'true ? 10', params: {}, expected: 10.0 },
  { name: 'Ternary nil with single boolean', input: 'false ? 10', params: {}, expected: null },
  { name: 'Ternary with comparator boolean', input: '10 > 5 ? 35.50', params: {}, expected: 35.5 },
  { name: 'Ternary nil with comparator boolean', input: '1 > 5 ? 35.50', params: {}, expected: null },
  { name: 'Ternary with parentheses', input: '(5 * (15 - 5)) > 5 ? 35.50', params: {}, expected: 35.5 },
  { name: 'Ternary precedence', input: 'true ? 35.50 > 10', params: {}, expected: true },
  { name: 'Ternary-else', input: 'false ? 35.50 : 50', params: {}, expected: 50.0 },
  { name: 'Ternary-else inside clause', input: '(false ? 5 : 35.50) > 10', params: {}, expected: true },
  {
    name: 'Ternary-else (true-case) inside clause',
    input: '(true ? 1 : 5) < 10',
    params: {},
    expected: true,
  },
  {
    name: 'Ternary-else before comparator (negative case)',
    input: 'true ? 1 : 5 > 10',
    params: {},
    expected: 1.0,
  },
  { name: 'Nested ternaries (#32)', input: '(2 == 2) ? 1 : (true ? 2 : 3)', params: {}, expected: 1.0 },
  {
    name: 'Nested ternaries, right case (#32)',
    input: 'false ? 1 : (true ? 2 : 3)',
    params: {},
    expected: 2.0,
  },
  {
    name: 'Doubly-nested ternaries (#32)',
    input: 'true ? (false ? 1 : (false ? 2 : 3)) : (false ? 4 : 5)',
    params: {},
    expected: 3.0,
  },
  { name: 'String to string concat', input: "'foo' + 'bar' == 'foobar'", params: {}, expected: true },
  { name: 'String to float64 concat', input: "'foo' + 123 == 'foo123'", params: {}, expected: true },
  { name: 'Float64 to string concat', input: "123 + 'bar' == '123bar'", params: {}, expected: true },
  { name: 'String to date concat', input: "'foo' + '02/05/1970' == 'foobar'", params: {}, expected: false },
  { name: 'String to bool concat', input: "'foo' + true == 'footrue'", params: {}, expected: true },
  { name: 'Bool to string concat', input: "true + 'bar' == 'truebar'", params: {}, expected: true },
  { name: 'Null coalesce left', input: '1 ?? 2', params: {}, expected: 1.0 },
  { name: 'Array membership literals', input: '1 in (1, 2, 3)', params: {}, expected: true },
  {
    name: 'Array membership literal with inversion',
    input: '!(1 in (1, 2, 3))',
    params: {},
    expected: false,
  },
  {
    name: 'Logical operator reordering (#30)',
    input: '(true && true) || (true && false)',
    params: {},
    expected: true,
  },
  {
    name: 'Logical operator reordering without parens (#30)',
    input: 'true && true || true && false',
    params: {},
    expected: true,
  },
  {
    name: 'Logical operator reordering with multiple OR (#30)',
    input: 'false || true && true || false',
    params: {},
    expected: true,
  },
  {
    name: 'Left-side multiple consecutive (should be reordered) operators',
    input: '(10 * 10 * 10) > 10',
    params: {},
    expected: true,
  },
  {
    name: 'Three-part non-paren logical op reordering (#44)',
    input: 'false && true || true',
    params: {},
    expected: true,
  },
  {
    name: 'Three-part non-paren logical op reordering (#44), second one',
    input: 'true || false && true',
    params: {},
    expected: true,
  },
  {
    name: 'Logical operator reordering without parens (#45)',
    input: 'true && true || false && false',
    params: {},
    expected: true,
  },
  { name: 'Single parameter modified by constant', input: 'foo + 2', params: { foo: 2.0 }, expected: 4.0 },
  {
    name: 'Single parameter modified by variable',
    input: 'foo * bar',
    params: { foo: 5.0, bar: 2.0 },
    expected: 10.0,
  },
  {
    name: 'Multiple multiplications of the same parameter',
    input: 'foo * foo * foo',
    params: { foo: 10.0 },
    expected: 1000.0,
  },
  {
    name: 'Multiple additions of the same parameter',
    input: 'foo + foo + foo',
    params: { foo: 10.0 },
    expected: 30.0,
  },
  {
    name: 'Parameter name sensitivity',
    input: 'foo + FoO + FOO',
    params: { foo: 8.0, FoO: 4.0, FOO: 2.0 },
    expected: 14.0,
  },
  {
    name: 'Sign prefix comparison against prefixed variable',
    input: '-1 < -foo',
    params: { foo: -8.0 },
    expected: true,
  },
  { name: 'Fixed-point parameter', input: 'foo > 1', params: { foo: 2.0 }, expected: true },
  { name: 'Modifier after closing clause', input: '(2 + 2) + 2 == 6', params: {}, expected: true },
  { name: 'Comparator after closing clause', input: '(2 + 2) >= 4', params: {}, expected: true },
  {
    name: 'Two-boolean logical operation (for issue #8)',
    input: '(foo == true) || (bar == true)',
    params: { foo: true, bar: false },
    expected: true,
  },
  {
    name: 'Two-variable integer logical operation (for issue #8)',
    input: 'foo > 10 && bar > 10',
    params: { foo: 1.0, bar: 11.0 },
    expected: false,
  },
  {
    name: 'Regex against right-hand parameter',
    input: "'foobar' =~ foo",
    params: { foo: 'obar' },
    expected: true,
  },
  {
    name: 'Not-regex against right-hand parameter',
    input: "'foobar' !~ foo",
    params: { foo: 'baz' },
    expected: true,
  },
  {
    name: 'Regex against two parameters',
    input: 'foo =~ bar',
    params: { foo: 'foobar', bar: 'oba' },
    expected: true,
  },
  {
    name: 'Not-regex against two parameters',
    input: 'foo !~ bar',
    params: { foo: 'foobar', bar: 'baz' },
    expected: true,
  },
  {
    name: 'Single boolean parameter',
    input: 'commission ? 10',
    params: { commission: true },
    expected: 10.0,
  },
  {
    name: 'True comparator with a parameter',
    input: "partner == 'amazon' ? 10",
    params: { partner: 'amazon' },
    expected: 10.0,
  },
  {
    name: 'False comparator with a parameter',
    input: "partner == 'amazon' ? 10",
    params: { partner: 'ebay' },
    expected: null,
  },
  {
    name: 'True comparator with multiple parameters',
    input: 'theft && period == 24 ? 60',
    params: { theft: true, period: 24.0 },
    expected: 60.0,
  },
  {
    name: 'False comparator with multiple parameters',
    input: 'theft && period == 24 ? 60',
    params: { theft: false, period: 24.0 },
    expected: null,
  },
  {
    name: 'String concat with single string parameter',
    input: "foo + 'bar'",
    params: { foo: 'baz' },
    expected: 'bazbar',
  },
  {
    name: 'String concat with multiple string parameter',
    input: 'foo + bar',
    params: { foo: 'baz', bar: 'quux' },
    expected: 'bazquux',
  },
  {
    name: 'String concat with float parameter',
    input: 'foo + bar',
    params: { foo: 'baz', bar: 123.0 },
    expected: 'baz123',
  },
  {
    name: 'Mixed multiple string concat',
    input: "foo + 123 + 'bar' + true",
    params: { foo: 'baz' },
    expected: 'baz123bartrue',
  },
  {
    name: 'Integer width spectrum',
    input: 'uint8 + uint16 + uint32 + uint64 + int8 + int16 + int32 + int64',
    params: {
      uint8: 0.0,
      uint16: 0.0,
      uint32: 0.0,
      uint64: 0.0,
      int8: 0.0,
      int16: 0.0,
      int32: 0.0,
      int64: 0.0,
    },
    expected: 0.0,
  },
  { name: 'Floats', input: 'float32 + float64', params: { float32: 0.0, float64: 0.0 }, expected: 0.0 },
  { name: 'Null coalesce right', input: 'foo ?? 1.0', params: { foo: null }, expected: 1.0 },
  {
    name: 'Multiple comparator/logical operators (#30)',
    input: '(foo >= 2887057408 && foo <= 2887122943) || (foo >= 168100864 && foo <= 168118271)',
    params: { foo: 2887057409.0 },
    expected: true,
  },
  {
    name: 'Multiple comparator/logical operators, opposite order (#30)',
    input: '(foo >= 168100864 && foo <= 168118271) || (foo >= 2887057408 && foo <= 2887122943)',
    params: { foo: 2887057409.0 },
    expected: true,
  },
  {
    name: 'Multiple comparator/logical operators, small value (#30)',
    input: '(foo >= 2887057408 && foo <= 2887122943) || (foo >= 168100864 && foo <= 168118271)',
    params: { foo: 168100865.0 },
    expected: true,
  },
  {
    name: 'Multiple comparator/logical operators, small value, opposite order (#30)',
    input: '(foo >= 168100864 && foo <= 168118271) || (foo >= 2887057408 && foo <= 2887122943)',
    params: { foo: 168100865.0 },
    expected: true,
  },
];
const EVALUATION_FAILURES: FailureCase[] = [
  {
    name: 'PLUS literal number to literal bool',
    input: '1 + true',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the modifier',
  },
  {
    name: 'PLUS number to bool',
    input: 'number + bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the modifier',
  },
  {
    name: 'MINUS number to bool',
    input: 'number - bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the modifier',
  },
  {
    name: 'MINUS number to bool',
    input: 'number - bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the modifier',
  },
  {
    name: 'MULTIPLY number to bool',
    input: 'number * bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the modifier',
  },
  {
    name: 'DIVIDE number to bool',
    input: 'number / bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the modifier',
  },
  {
    name: 'EXPONENT number to bool',
    input: 'number ** bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the modifier',
  },
  {
    name: 'MODULUS number to bool',
    input: 'number % bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the modifier',
  },
  {
    name: 'XOR number to bool',
    input: 'number % bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the modifier',
  },
  {
    name: 'BITWISE_OR number to bool',
    input: 'number | bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the modifier',
  },
  {
    name: 'BITWISE_AND number to bool',
    input: 'number & bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the modifier',
  },
  {
    name: 'BITWISE_XOR number to bool',
    input: 'number ^ bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the modifier',
  },
  {
    name: 'BITWISE_LSHIFT number to bool',
    input: 'number << bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the modifier',
  },
  {
    name: 'BITWISE_RSHIFT number to bool',
    input: 'number >> bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the modifier',
  },
  {
    name: 'AND number to number',
    input: 'number && number',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the logical operator',
  },
  {
    name: 'OR number to number',
    input: 'number || number',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the logical operator',
  },
  {
    name: 'AND string to string',
    input: 'string && string',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the logical operator',
  },
  {
    name: 'OR string to string',
    input: 'string || string',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the logical operator',
  },
  {
    name: 'AND number to string',
    input: 'number && string',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the logical operator',
  },
  {
    name: 'OR number to string',
    input: 'number || string',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the logical operator',
  },
  {
    name: 'AND bool to string',
    input: 'bool && string',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the logical operator',
  },
  {
    name: 'OR string to bool',
    input: 'string || bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the logical operator',
  },
  {
    name: 'GT literal bool to literal bool',
    input: 'true > true',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'GT bool to bool',
    input: 'bool > bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'GTE bool to bool',
    input: 'bool >= bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'LT bool to bool',
    input: 'bool < bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'LTE bool to bool',
    input: 'bool <= bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'GT number to string',
    input: 'number > string',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'GTE number to string',
    input: 'number >= string',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'LT number to string',
    input: 'number < string',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'REQ number to string',
    input: 'number =~ string',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'REQ number to bool',
    input: 'number =~ bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'REQ bool to number',
    input: 'bool =~ number',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'REQ bool to string',
    input: 'bool =~ string',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'NREQ number to string',
    input: 'number !~ string',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'NREQ number to bool',
    input: 'number !~ bool',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'NREQ bool to number',
    input: 'bool !~ number',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'NREQ bool to string',
    input: 'bool !~ string',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'IN non-array numeric',
    input: '1 in 2',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'IN non-array string',
    input: "1 in 'foo'",
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'IN non-array boolean',
    input: '1 in true',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the comparator',
  },
  {
    name: 'Ternary with number',
    input: '10 ? true',
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the ternary operator',
  },
  {
    name: 'Ternary with string',
    input: "'foo' ? true",
    params: { number: 1.0, string: 'foo', bool: true },
    expected: 'cannot be used with the ternary operator',
  },
  {
    name: 'Regex equality runtime parsing',
    input: "'foo' =~ foo",
    params: { foo: '[foo' },
    expected: 'Unable to compile regexp pattern',
  },
  {
    name: 'Regex inequality runtime parsing',
    input: "'foo' =~ foo",
    params: { foo: '[foo' },
    expected: 'Unable to compile regexp pattern',
  },
];
const PARSING_FAILURES: Omit<FailureCase, 'params'>[] = [
  { name: 'Invalid equality comparator', input: '1 = 1', expected: 'Invalid token' },
  { name: 'Invalid equality comparator', input: '1 === 1', expected: 'Invalid token' },
  { name: 'Too many characters for logical operator', input: 'true &&& false', expected: 'Invalid token' },
  { name: 'Too many characters for logical operator', input: 'true ||| false', expected: 'Invalid token' },
  {
    name: 'Premature end to expression, via modifier',
    input: '10 > 5 +',
    expected: 'Unexpected end of expression',
  },
  {
    name: 'Premature end to expression, via comparator',
    input: '10 + 5 >',
    expected: 'Unexpected end of expression',
  },
  {
    name: 'Premature end to expression, via logical operator',
    input: '10 > 5 &&',
    expected: 'Unexpected end of expression',
  },
  {
    name: 'Premature end to expression, via ternary operator',
    input: 'true ?',
    expected: 'Unexpected end of expression',
  },
  { name: 'Hanging REQ', input: "'wat' =~", expected: 'Unexpected end of expression' },
  { name: 'Invalid operator change to REQ', input: ' / =~', expected: 'Cannot transition token types' },
  { name: 'Invalid starting token, comparator', input: '> 10', expected: 'Cannot transition token types' },
  { name: 'Invalid starting token, modifier', input: '+ 5', expected: 'Cannot transition token types' },
  {
    name: 'Invalid starting token, logical operator',
    input: '&& 5 < 10',
    expected: 'Cannot transition token types',
  },
  { name: 'Invalid NUMERIC transition', input: '10 10', expected: 'Cannot transition token types' },
  { name: 'Invalid STRING transition', input: "'foo' 'foo'", expected: 'Cannot transition token types' },
  { name: 'Invalid operator transition', input: '10 > < 10', expected: 'Cannot transition token types' },
  { name: 'Starting with unbalanced parens', input: ' ) ( arg2', expected: 'Cannot transition token types' },
  { name: 'Unclosed bracket', input: '[foo bar', expected: 'Unclosed parameter bracket' },
  { name: 'Unclosed quote', input: "foo == 'responseTime", expected: 'Unclosed string literal' },
  { name: 'Constant regex pattern fail to compile', input: "foo =~ '[abc'", expected: 'missing closing ]' },
  { name: 'Unbalanced parenthesis', input: '10 > (1 + 50', expected: 'Unbalanced parenthesis' },
  { name: 'Multiple radix', input: '127.0.0.1', expected: 'Unable to parse numeric value' },
  { name: 'Undefined function', input: 'foobar()', expected: 'Undefined function' },
  { name: 'Hanging accessor', input: 'foo.Bar.', expected: 'Hanging accessor on token' },
  { name: 'Unexported parameter access', input: 'foo.bar', expected: 'Unable to access unexported' },
  { name: 'Incomplete Hex', input: '0x', expected: 'Cannot transition token types' },
  { name: 'Invalid Hex literal', input: '0x > 0', expected: 'Unable to parse hex value' },
  { name: 'Hex float (Unsupported)', input: '0x1.1', expected: 'Cannot transition token types' },
  { name: 'Hex invalid letter', input: '0x12g1', expected: 'Cannot transition token types' },
];

describe('govaluate upstream evaluation table', () => {
  it.each(EVALUATION)('$name: $input', ({ input, params, expected }) => {
    // Prepare
    const expression = compileGovaluate(input);

    // Act
    const result = expression.evaluate(params);

    // Assess
    expect(result).toEqual(expected);
  });
});

describe('govaluate upstream evaluation failures', () => {
  it.each(EVALUATION_FAILURES)('$name: $input', ({ input, params, expected }) => {
    // Prepare
    const expression = compileGovaluate(input);

    // Act
    const attempt = () => expression.evaluate(params);

    // Assess
    expect(attempt).toThrow(GovaluateError);
    expect(attempt).toThrow(expected);
  });
});

describe('govaluate upstream parsing failures', () => {
  it.each(PARSING_FAILURES)('$name: $input', ({ input, expected }) => {
    // Prepare, Act
    const attempt = () => compileGovaluate(input);

    // Assess
    expect(attempt).toThrow(GovaluateError);
    expect(attempt).toThrow(expected);
  });
});
