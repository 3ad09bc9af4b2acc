import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../lib/errors.ts';
import { compileGovaluate, formatGoFloat, GovaluateError } from '../../lib/expr/govaluate/index.ts';

/** Binds each field to the value at its dotted path, as the exprs filter does with gjson; absent paths stay unbound. */
function bind(data: unknown, fields: { name: string; path: string }[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const { name, path } of fields) {
    let value: unknown = data;
    for (const key of path.split('.')) {
      value =
        typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    }
    if (value !== undefined) params[name] = value;
  }
  return params;
}

// Conformance vectors B. (filters.exprs) from ../shared/conformance/argo-vectors.yaml, expression level:
// the expression's result for the event's data, where every field path exists.
describe('Argo exprs vectors', () => {
  it.each([
    ['EX-04', 'a == "b"', { a: 'b' }, [{ name: 'a', path: 'a' }], true],
    ['EX-05', 'a != "b"', { a: 'c' }, [{ name: 'a', path: 'a' }], true],
    ['EX-06', 'b == "b"', { a: { b: 'c' } }, [{ name: 'b', path: 'a.b' }], false],
    ['EX-07', 'b == 2', { a: { b: 2 } }, [{ name: 'b', path: 'a.b' }], true],
    ['EX-08', 'b < 1', { a: { b: 2 } }, [{ name: 'b', path: 'a.b' }], false],
    ['EX-09', 'b =~ "start"', { a: { b: 'start long string' } }, [{ name: 'b', path: 'a.b' }], true],
    ['EX-10', 'b !~ "start"', { a: { b: 'long string' } }, [{ name: 'b', path: 'a.b' }], true],
    ['EX-11 first', 'b == "x"', { a: { b: 'x', d: 'y' } }, [{ name: 'b', path: 'a.b' }], true],
    ['EX-12 second', 'd == "d"', { a: { b: 'x', d: 'y' } }, [{ name: 'd', path: 'a.d' }], false],
    ['EX-15 third', 'e == true', { a: { d: { e: true } } }, [{ name: 'e', path: 'a.d.e' }], true],
    [
      'EX-19',
      'b != "b" && d == true',
      { a: { b: 'x', c: { d: true } } },
      [
        { name: 'b', path: 'a.b' },
        { name: 'd', path: 'a.c.d' },
      ],
      true,
    ],
    [
      'EX-20',
      'b == "b" || d == true',
      { a: { b: 'b', c: { d: false } } },
      [
        { name: 'b', path: 'a.b' },
        { name: 'd', path: 'a.c.d' },
      ],
      true,
    ],
  ])('%s: %s', (_id, expr, data, fields, expected) => {
    // Prepare
    const expression = compileGovaluate(expr);

    // Act
    const result = expression.evaluate(bind(data, fields));

    // Assess
    expect(result).toBe(expected);
  });

  it('EX-21: does not reach an unbound variable behind a true left side of ||', () => {
    // Prepare
    const expression = compileGovaluate('b == "b" || (d == true && e == 2)');
    const params = bind({ a: { b: 'b', c: { d: false }, e: 2 } }, [
      { name: 'b', path: 'a.b' },
      { name: 'd', path: 'a.c.d' },
    ]);

    // Act
    const result = expression.evaluate(params);

    // Assess
    expect(result).toBe(true);
    expect(expression.variables).toEqual(['b', 'd', 'e']);
  });

  it('reports an unbound variable once it is reached', () => {
    // Prepare
    const expression = compileGovaluate('b != "x" && e == 2');

    // Act
    const attempt = () => expression.evaluate({ b: 'y' });

    // Assess
    expect(attempt).toThrow(GovaluateError);
    expect(attempt).toThrow("No parameter 'e' found.");
  });

  it('EX-22: refuses the operator !== at compile time', () => {
    // Prepare, Act
    const attempt = () => compileGovaluate('k !== "x"');

    // Assess
    expect(attempt).toThrow("Invalid token: '!=='");
  });

  it('compares without type coercion, so "2" is not 2', () => {
    // Prepare
    const expression = compileGovaluate('a == 2');

    // Act
    const results = [expression.evaluate({ a: '2' }), expression.evaluate({ a: 2 })];

    // Assess
    expect(results).toEqual([false, true]);
  });

  it('compares maps and arrays deeply with ==', () => {
    // Prepare
    const expression = compileGovaluate('a == b');

    // Act
    const results = [
      expression.evaluate({ a: { x: [1, 'y'] }, b: { x: [1, 'y'] } }),
      expression.evaluate({ a: { x: [1, 'y'] }, b: { x: [1, 'z'] } }),
      expression.evaluate({ a: null, b: null }),
      expression.evaluate({ a: [], b: {} }),
    ];

    // Assess
    expect(results).toEqual([true, false, true, false]);
  });

  it('refuses to order a number against a string', () => {
    // Prepare
    const expression = compileGovaluate('b < "x"');

    // Act
    const attempt = () => expression.evaluate({ b: 2 });

    // Assess
    expect(attempt).toThrow("Value '2' cannot be used with the comparator '<', it is not a number");
  });

  it('reads a dependency name with an escaped dash as one variable, as Argo conditions do', () => {
    // Prepare: Argo rewrites conditions `-` to `\-` before compiling (CO-03, CO-04).
    const expression = compileGovaluate('(test\\-dep\\-1 && test\\-dep\\-2) || test\\-dep\\-3');

    // Act
    const results = [
      expression.evaluate({ 'test-dep-1': true, 'test-dep-2': false, 'test-dep-3': false }),
      expression.evaluate({ 'test-dep-1': true, 'test-dep-2': true, 'test-dep-3': false }),
      expression.evaluate({ 'test-dep-1': false, 'test-dep-2': false, 'test-dep-3': true }),
    ];

    // Assess
    expect(expression.variables).toEqual(['test-dep-1', 'test-dep-2', 'test-dep-3']);
    expect(results).toEqual([false, true, true]);
  });

  it('parses an unescaped dash in a name as subtraction', () => {
    // Prepare
    const expression = compileGovaluate('dep-1 || dep_1a');

    // Act
    const attempt = () => expression.evaluate({ dep: true, dep_1a: true });

    // Assess
    expect(expression.variables).toEqual(['dep', 'dep_1a']);
    expect(attempt).toThrow("Value 'true' cannot be used with the modifier '-', it is not a number");
  });
});

describe('govaluate precedence', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['10 - 4 - 3', 3],
    ['100 / 10 / 5', 2],
    ['2 ** 3 ** 2', 64],
    ['-2 ** 2', 4],
    ['1 | 2 + 3', 5],
    ['1 << 2 + 1', 8],
    ['6 & 3 == 2', true],
    ['1 + 1 == 2 && 3 > 2', true],
    ['true || false && false', true],
    ['false && true || true', true],
    ['(1 + 2) * 3', 9],
    ['true ? 1 : 2', 1],
    ['false ? 1 : 2', 2],
    ['1 > 2 ? "a" : "b"', 'b'],
    ['x ?? 3', 3],
    ['"a" + 1 + 2', 'a12'],
    ['1 + 2 + "a"', '3a'],
  ])('evaluates %s as govaluate groups it', (input, expected) => {
    // Prepare
    const expression = compileGovaluate(input);

    // Act
    const result = expression.evaluate({ x: null });

    // Assess
    expect(result).toEqual(expected);
  });

  it('falls through to the else branch when the then branch is null, as govaluate does', () => {
    // Prepare: govaluate evaluates `a ? b : c` as `(a ? b) : c`.
    const expression = compileGovaluate('a ? b : c');

    // Act
    const result = expression.evaluate({ a: true, b: null, c: 'else' });

    // Assess
    expect(result).toBe('else');
  });

  it('short-circuits && and the ternary', () => {
    // Prepare
    const and = compileGovaluate('false && missing');
    const ternary = compileGovaluate('false ? missing : 1');

    // Act
    const results = [and.evaluate({}), ternary.evaluate({})];

    // Assess
    expect(results).toEqual([false, 1]);
  });
});

describe('govaluate literals and values', () => {
  it('coerces date string literals to Unix seconds', () => {
    // Prepare
    const cases = [
      "'2024-01-01'",
      "'2024-01-01T10:00:00Z'",
      "'2024-01-01T12:00:00+02:00'",
      "'2024-01-01 10:00'",
      "'2024-01-01 10:00:00.5'",
      "'Mon Jan  1 10:00:00 2024'",
    ];

    // Act
    const results = cases.map((literal) => compileGovaluate(`${literal} + 0`).evaluate({}));

    // Assess
    expect(results).toEqual([
      Date.UTC(2024, 0, 1) / 1000,
      Date.UTC(2024, 0, 1, 10) / 1000,
      Date.UTC(2024, 0, 1, 10) / 1000,
      Date.UTC(2024, 0, 1, 10) / 1000,
      Date.UTC(2024, 0, 1, 10) / 1000,
      Date.UTC(2024, 0, 1, 10) / 1000,
    ]);
  });

  it('so a date-valued field never equals a date literal', () => {
    // Prepare
    const expression = compileGovaluate("d == '2024-01-01'");

    // Act
    const result = expression.evaluate({ d: '2024-01-01' });

    // Assess
    expect(result).toBe(false);
  });

  it('keeps strings that are not valid dates as strings', () => {
    // Prepare
    const cases = ["'2024-02-30'", "'2024-13-01'", "'2024-01-01 '", "'24-01-01'", "'hello'"];

    // Act
    const results = cases.map((literal) => compileGovaluate(`${literal} + ''`).evaluate({}));

    // Assess
    expect(results).toEqual(['2024-02-30', '2024-13-01', '2024-01-01 ', '24-01-01', 'hello']);
  });

  it('reads hex literals, bracketed names and either quote', () => {
    // Prepare
    const expression = compileGovaluate('[my var] + 0xFF == 256 && "x" == \'x\'');

    // Act
    const result = expression.evaluate({ 'my var': 1 });

    // Assess
    expect(result).toBe(true);
  });

  it('tests membership with IN against a literal list or an array parameter', () => {
    // Prepare
    const literal = compileGovaluate('a IN ("x", "y")');
    const param = compileGovaluate('a in list');

    // Act
    const results = [
      literal.evaluate({ a: 'y' }),
      literal.evaluate({ a: 'z' }),
      param.evaluate({ a: 2, list: [1, 2] }),
    ];

    // Assess
    expect(results).toEqual([true, false, true]);
  });

  it('concatenates with Go %v formatting of numbers', () => {
    // Prepare
    const expression = compileGovaluate('"n=" + n');

    // Act
    const results = [1, 1.5, 1234567, 0.00001, 123456].map((n) => expression.evaluate({ n }));

    // Assess
    expect(results).toEqual(['n=1', 'n=1.5', 'n=1.234567e+06', 'n=1e-05', 'n=123456']);
  });

  it('formats floats as Go %v', () => {
    // Prepare
    const values = [0, -0, 100000, 1e6, 1e21, 1.25e-7, Number.NaN, Number.POSITIVE_INFINITY];

    // Act
    const texts = values.map(formatGoFloat);

    // Assess
    expect(texts).toEqual(['0', '-0', '100000', '1e+06', '1e+21', '1.25e-07', 'NaN', '+Inf']);
  });

  it('evaluates bitwise operators on int64 values', () => {
    // Prepare
    const cases = ['~0', '-1 >> 60', '1 << 64', '5 ^ 3', '-8 & 0xF'];

    // Act
    const results = cases.map((c) => compileGovaluate(c).evaluate({}));

    // Assess
    expect(results).toEqual([-1, 15, 0, 6, 8]);
  });
});

describe('govaluate errors', () => {
  it('reports a regex literal error at compile time with RE2s message', () => {
    // Prepare, Act
    const attempt = () => compileGovaluate('a =~ "(unclosed"');

    // Assess
    expect(attempt).toThrow('error parsing regexp: missing closing ): `(unclosed`');
  });

  it('reports a regex from a parameter at evaluation time', () => {
    // Prepare
    const expression = compileGovaluate('a =~ p');

    // Act
    const attempt = () => expression.evaluate({ a: 'x', p: '[' });

    // Assess
    expect(attempt).toThrow(
      "Unable to compile regexp pattern '[': error parsing regexp: missing closing ]: `[`",
    );
  });

  it('refuses accessors into maps, which govaluate can only apply to Go structs', () => {
    // Prepare
    const exported = compileGovaluate('a.B == 1');

    // Act
    const unexported = () => compileGovaluate('a.b == 1');
    const access = () => exported.evaluate({ a: { B: 1 } });

    // Assess
    expect(unexported).toThrow("Unable to access unexported field 'b' in token 'a.b'");
    expect(access).toThrow("Unable to access 'B', 'a' is not a struct");
  });

  it.each([
    ['', 'Unexpected end of expression'],
    ['a ==', 'Unexpected end of expression'],
    ['(a', 'Unbalanced parenthesis'],
    [')(', 'Cannot transition token types from UNKNOWN [<nil>] to CLAUSE_CLOSE [41]'],
    ['1 2', 'Cannot transition token types from NUMERIC [1] to NUMERIC [2]'],
    ['a==-1', "Invalid token: '==-'"],
    ['foo(1)', 'Undefined function foo'],
    ["'abc", 'Unclosed string literal'],
    ['[abc', 'Unclosed parameter bracket'],
    ['1.2.3', "Unable to parse numeric value '1.2.3' to float64"],
    ['a.', "Hanging accessor on token 'a.'"],
    ['1 \\', 'Unexpected end of expression after escape character'],
  ])('refuses %s at compile time', (input, message) => {
    // Prepare, Act
    let error: unknown;
    try {
      compileGovaluate(input);
    } catch (err) {
      error = err;
    }

    // Assess
    expect(error).toBeInstanceOf(GovaluateError);
    expect((error as GovaluateError).message).toBe(message);
    expect((error as GovaluateError).phase).toBe('compile');
    expect((error as GovaluateError).code).toBe(ErrorCode.ExpressionInvalid);
  });

  it('turns absurd nesting into a typed error rather than a crash', () => {
    // Prepare
    const input = `${'('.repeat(20_000)}1${')'.repeat(20_000)}`;

    // Act
    const attempt = () => compileGovaluate(input).evaluate({});

    // Assess
    expect(attempt).toThrow(GovaluateError);
  });
});

describe('govaluate robustness', () => {
  const alphabet = fc.constantFrom(
    ...'ab01 ._-+*/%&|^~!=<>?:,()[]\'"\\'.split(''),
    '&&',
    '||',
    '==',
    '!=',
    '=~',
    '??',
    ' in ',
    'true',
    '2024-01-01',
  );
  const expression = fc.array(alphabet, { maxLength: 25 }).map((parts) => parts.join(''));

  it('compiles any input or throws GovaluateError, and never hangs', () => {
    fc.assert(
      fc.property(expression, (input) => {
        try {
          compileGovaluate(input);
        } catch (err) {
          expect(err).toBeInstanceOf(GovaluateError);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('evaluates any compiled input to a value or a GovaluateError', () => {
    fc.assert(
      fc.property(expression, fc.jsonValue(), (input, value) => {
        let compiled: ReturnType<typeof compileGovaluate>;
        try {
          compiled = compileGovaluate(input);
        } catch {
          return;
        }
        try {
          compiled.evaluate({ a: value, b: 'x', a0: 1 });
        } catch (err) {
          expect(err).toBeInstanceOf(GovaluateError);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('compiles arbitrary strings to a typed result', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (input) => {
        try {
          compileGovaluate(input);
        } catch (err) {
          expect(err).toBeInstanceOf(GovaluateError);
        }
      }),
    );
  });
});
