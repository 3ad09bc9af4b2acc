import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../lib/errors.ts';
import {
  buildExprEnv,
  compileExprLang,
  ExprLangError,
  registerSprigFunctions,
} from '../../lib/expr/expr-lang/index.ts';

const PERSON = {
  id: 1,
  first_name: 'John',
  last_name: 'Doe',
  email: 'johndoe@intuit.com',
  gender: 'Male',
  dept: 'devp',
  uuid: 'test-case-hyphen',
};

function run(expression: string, data: unknown): unknown {
  return compileExprLang(expression).evaluate(buildExprEnv(data));
}

// Conformance vectors M. from ../shared/conformance/argo-vectors.yaml (pkg/shared/expr/eval_test.go).
describe('Argo filter.expression vectors', () => {
  it('ES-01: (id == 1) && (last_name == "Doe") is true', () => {
    // Prepare, Act
    const result = run("(id == 1) && (last_name == 'Doe')", PERSON);

    // Assess
    expect(result).toBe(true);
  });

  it('ES-02: (id == 2) || (gender == "Female") is false', () => {
    // Prepare, Act
    const result = run("(id == 2) || (gender == 'Female')", PERSON);

    // Assess
    expect(result).toBe(false);
  });

  it('ES-03: an unknown name is an error', () => {
    // Prepare
    const expression = compileExprLang('invalidexpression');

    // Act
    const attempt = () => expression.evaluate(buildExprEnv(PERSON));

    // Assess
    expect(attempt).toThrow(ExprLangError);
    expect(attempt).toThrow('unknown name invalidexpression');
  });

  it('ES-04: a value with dashes compares like any string', () => {
    // Prepare, Act
    const result = run("(uuid == 'test-case-hyphen')", PERSON);

    // Assess
    expect(result).toBe(true);
  });

  it('ES-05: expands dotted keys and drops a key that has dotted children', () => {
    // Prepare
    const data = { 'a.b': 1, 'a.c.d': 2, a: 3, ab: 4, abb: 5 };

    // Act
    const env = buildExprEnv(data);

    // Assess
    expect({ a: env.a, ab: env.ab, abb: env.abb }).toEqual({ a: { b: 1, c: { d: 2 } }, ab: 4, abb: 5 });
  });

  it('replaces dashes in top-level keys with underscores', () => {
    // Prepare
    const data = { 'x-request-id': 'abc', body: { 'kebab-key': 1 } };

    // Act
    const result = run('x_request_id == "abc" && body["kebab-key"] == 1', data);

    // Assess
    expect(result).toBe(true);
  });

  it('filters a webhook event on its body and headers', () => {
    // Prepare
    const data = {
      header: { 'X-Github-Event': ['pull_request'] },
      body: { action: 'opened', pull_request: { title: 'Fix bug', labels: [{ name: 'bug' }] } },
    };

    // Act
    const result = run(
      'body.action in ["opened", "reopened"] && header["X-Github-Event"][0] == "pull_request" && body.pull_request.labels[0].name == "bug"',
      data,
    );

    // Assess
    expect(result).toBe(true);
  });
});

describe('expr-lang operators', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['2 ** 3 ** 2', 512],
    ['-2 ** 2', -4],
    ['7 / 2', 3.5],
    ['7 % 3', 1],
    ['"ab" + "cd"', 'abcd'],
    ['not true', false],
    ['!false and true', true],
    ['true or false and false', true],
    ['1 < 2 && "a" < "b"', true],
    ['1 == 1.0', true],
    ['"1" == 1', false],
    ['2 in [1, 2, 3]', true],
    ['4 not in [1, 2, 3]', true],
    ['"k" in {k: 1}', true],
    ['"refs/heads/main" matches "^refs/heads/(main|master)$"', true],
    ['"Hello" matches "(?i)^hello$"', true],
    ['"foobar" contains "oba"', true],
    ['"foobar" startsWith "foo"', true],
    ['"foobar" endsWith "bar"', true],
    ['"foobar" not startsWith "bar"', true],
    ['nil ?? "default"', 'default'],
    ['1 > 2 ? "yes" : "no"', 'no'],
    ['1..3', [1, 2, 3]],
    ['[1, 2, 3][1:]', [2, 3]],
    ['[1, 2, 3][-1]', 3],
    ['{a: {b: 1}}.a.b', 1],
    ['{a: 1}?.b?.c', null],
    ['len("héllo") + len([1, 2]) + len({a: 1})', 9],
  ])('evaluates %s', (expression, expected) => {
    // Prepare
    const compiled = compileExprLang(expression);

    // Act
    const result = compiled.evaluate(buildExprEnv({}));

    // Assess
    expect(result).toEqual(expected);
  });

  it('short-circuits and/or so the unevaluated side may be invalid', () => {
    // Prepare, Act
    const results = [run('false && missing', {}), run('true || missing', {})];

    // Assess
    expect(results).toEqual([false, true]);
  });

  it.each([
    ['1 + "a"', 'invalid operation: + (mismatched types int and string)'],
    ['1 && true', 'invalid operation: && (mismatched types int and bool)'],
    ['"a" < 1', 'invalid operation: < (mismatched types string and int)'],
    ['x.y', 'cannot fetch y from <nil>'],
    ['[1][5]', 'index out of range: 5 (array length is 1)'],
    ['"a" matches "(?=x)"', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
    ['nope(1)', 'unknown func nope'],
  ])('reports %s as an evaluation error', (expression, message) => {
    // Prepare
    const compiled = compileExprLang(expression);

    // Act
    const attempt = () => compiled.evaluate(buildExprEnv({ x: null }));

    // Assess
    expect(attempt).toThrow(ExprLangError);
    expect(attempt).toThrow(message);
  });

  it.each([
    ['1 +', 'unexpected token EOF (1:4)'],
    ['(1', 'unexpected token EOF (1:3)'],
    ['"abc', 'literal not terminated (1:1)'],
    ['a b', 'unexpected token Identifier("b") (1:3)'],
    ['1 @ 2', "unrecognized character: U+0040 '@' (1:3)"],
  ])('refuses %s at compile time', (expression, message) => {
    // Prepare, Act
    let error: unknown;
    try {
      compileExprLang(expression);
    } catch (err) {
      error = err;
    }

    // Assess
    expect(error).toBeInstanceOf(ExprLangError);
    expect((error as ExprLangError).message).toBe(message);
    expect((error as ExprLangError).phase).toBe('compile');
    expect((error as ExprLangError).code).toBe(ErrorCode.ExpressionInvalid);
  });
});

describe('expr-lang helpers', () => {
  afterEach(() => {
    registerSprigFunctions({});
  });

  it('converts with asInt and asFloat', () => {
    // Prepare
    const data = { n: '42', f: '2.5', x: 3.9 };

    // Act
    const result = run('asInt(n) + asFloat(f) + asInt(x)', data);

    // Assess
    expect(result).toBe(47.5);
  });

  it('refuses asInt of a non-integer string', () => {
    // Prepare
    const compiled = compileExprLang('asInt(s)');

    // Act
    const attempt = () => compiled.evaluate(buildExprEnv({ s: '1.5' }));

    // Assess
    expect(attempt).toThrow('invalid operation: int(1.5)');
  });

  it('serialises with toJson as Go json.Marshal does', () => {
    // Prepare
    const data = { body: { z: 1, a: '<b>&' } };

    // Act
    const result = run('toJson(body)', data);

    // Assess
    expect(result).toBe('{"a":"\\u003cb\\u003e\\u0026","z":1}');
  });

  it('serialises keys in Go byte order at every level, integer-like and __proto__ keys included', () => {
    // Prepare: JavaScript puts integer-like keys first; UTF-16 sorts U+10000 before U+FFFF, UTF-8 after
    const data = JSON.parse('{"body":{"b":1,"10":2,"2":[{"\uffff":1,"\ud800\udc00":2}],"__proto__":3}}');

    // Act
    const result = run('toJson(body)', data);

    // Assess
    expect(result).toBe('{"10":2,"2":[{"\uffff":1,"\ud800\udc00":2}],"__proto__":3,"b":1}');
  });

  it('keeps a __proto__ key as data and leaves Object.prototype alone', () => {
    // Prepare
    const data = JSON.parse('{"__proto__.polluted":"yes","__proto__":{"x":1},"body":{}}');

    // Act
    const env = buildExprEnv(data);

    // Assess
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(env)).toBe(Object.prototype);
    expect(Object.hasOwn(env, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(env, '__proto__')?.value).toEqual({ polluted: 'yes' });
  });

  it('queries a JSON string with jsonpath', () => {
    // Prepare
    const data = { raw: JSON.stringify({ items: [{ id: 1 }, { id: 2 }], meta: { 'a-b': 'x' } }) };

    // Act
    const results = [
      run('jsonpath(raw, "$.items[1].id")', data),
      run('jsonpath(raw, "$.items[*].id")', data),
      run('jsonpath(raw, "$.meta[\'a-b\']")', data),
    ];

    // Assess
    expect(results).toEqual([2, [1, 2], 'x']);
  });

  it('calls sprig functions through the registry, without env and expandenv', () => {
    // Prepare
    registerSprigFunctions({
      upper: (s) => String(s).toUpperCase(),
      env: () => 'secret',
    });

    // Act
    const upper = run('sprig.upper(name) == "BOB"', { name: 'bob' });
    const env = () => run('sprig.env("HOME")', {});

    // Assess
    expect(upper).toBe(true);
    expect(env).toThrow('<nil> is not callable');
  });

  it('refuses event data that is not a JSON object', () => {
    // Prepare, Act
    const attempt = () => buildExprEnv([1, 2]);

    // Assess
    expect(attempt).toThrow(ExprLangError);
  });
});

describe('expr-lang robustness', () => {
  it('compiles any input or throws ExprLangError, and evaluation only throws ExprLangError', () => {
    const piece = fc.constantFrom(
      ...'ab1. _"\'()[]{},:?!+-*/%<>='.split(''),
      ' and ',
      ' or ',
      ' not ',
      ' in ',
      ' matches ',
      '==',
      '??',
      '?.',
      '..',
      'len(',
      'nil',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 25 }), fc.jsonValue(), (parts, value) => {
        let compiled: ReturnType<typeof compileExprLang>;
        try {
          compiled = compileExprLang(parts.join(''));
        } catch (err) {
          expect(err).toBeInstanceOf(ExprLangError);
          return;
        }
        try {
          compiled.evaluate(buildExprEnv({ a: value, b: 'x' }));
        } catch (err) {
          expect(err).toBeInstanceOf(ExprLangError);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
