import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { DataFilter, Sensor } from '../../../lib/manifests/types.ts';
import { evaluateDataFilters, parseGoFloatStrict } from '../../../lib/sensors/filters/data.ts';
import { sharedPath } from '../../support/shared.ts';

const stringFilter = (pathExpr: string, ...value: string[]): DataFilter => ({
  path: pathExpr,
  type: 'string',
  value,
});
const numberFilter = (pathExpr: string, comparator: string, ...value: string[]): DataFilter => ({
  path: pathExpr,
  type: 'number',
  value,
  comparator,
});
const boolFilter = (pathExpr: string, ...value: string[]): DataFilter => ({
  path: pathExpr,
  type: 'bool',
  value,
});

const json = (value: unknown) => JSON.stringify(value);

describe('string data filters', () => {
  it('match anywhere in the value: refs/heads/main also matches refs/heads/main-old', () => {
    // Prepare
    const filters = [stringFilter('ref', 'refs/heads/main')];

    // Act
    const exact = evaluateDataFilters(filters, json({ ref: 'refs/heads/main' }), undefined);
    const longer = evaluateDataFilters(filters, json({ ref: 'refs/heads/main-old' }), undefined);

    // Assess
    expect(exact).toEqual({ pass: true });
    expect(longer).toEqual({ pass: true });
  });

  it('match exactly only when the regex is anchored', () => {
    // Prepare
    const filters = [stringFilter('ref', '^refs/heads/main$')];

    // Act
    const longer = evaluateDataFilters(filters, json({ ref: 'refs/heads/main-old' }), undefined);

    // Assess
    expect(longer).toEqual({ pass: false });
  });

  it('search inside the raw JSON text of arrays such as header values', () => {
    // Prepare
    const data = { headers: { 'X-Github-Event': ['pull_request'] } };

    // Act
    const result = evaluateDataFilters(
      [stringFilter('headers.X-Github-Event', 'pull_request')],
      json(data),
      'and',
    );
    const quoted = evaluateDataFilters(
      [stringFilter('headers.X-Github-Event', '^\\["pull_request"\\]$')],
      json(data),
      'and',
    );

    // Assess
    expect(result).toEqual({ pass: true });
    expect(quoted).toEqual({ pass: true });
  });

  it('treat a JSON null as existing with an empty string form', () => {
    // Act
    const empty = evaluateDataFilters([stringFilter('k', '^$')], json({ k: null }), undefined);

    // Assess
    expect(empty).toEqual({ pass: true });
  });

  it('with != pass when any value fails to match', () => {
    // Prepare
    const filter: DataFilter = { ...stringFilter('k', 'a', 'z'), comparator: '!=' };

    // Act
    const oneMatches = evaluateDataFilters([filter], json({ k: 'abc' }), undefined);
    const bothMatch = evaluateDataFilters([{ ...filter, value: ['a', 'b'] }], json({ k: 'abc' }), undefined);

    // Assess
    expect(oneMatches).toEqual({ pass: true });
    expect(bothMatch).toEqual({ pass: false });
  });

  it('never pass with an ordering comparator, without an error', () => {
    // Act
    const result = evaluateDataFilters(
      [{ ...stringFilter('k', 'v'), comparator: '>' }],
      json({ k: 'v' }),
      undefined,
    );

    // Assess
    expect(result).toEqual({ pass: false });
  });

  it('report an invalid regex as a data filter error', () => {
    // Act
    const result = evaluateDataFilters([stringFilter('k', '(')], json({ k: 'v' }), undefined);

    // Assess
    expect(result.pass).toBe(false);
    expect(result.error).toMatch(/^data filter error \(.*missing closing \)/);
  });
});

describe("the article's build sensor filters", () => {
  const articleFile = sharedPath('article/github-build-sensor.yaml');
  const sensor = parse(readFileSync(articleFile, 'utf8')) as Sensor;
  const filters = sensor.spec.dependencies[0]?.filters?.data ?? [];
  const push = (ref: string, repo = 'myorg/backend-api') =>
    json({ body: { ref, repository: { full_name: repo } } });

  it.each(['refs/heads/main', 'refs/heads/release/1.4'])('let a push to %s through', (ref) => {
    // Act
    const result = evaluateDataFilters(filters, push(ref), undefined);

    // Assess
    expect(result).toEqual({ pass: true });
  });

  it.each(['refs/heads/feature-x', 'refs/tags/v1.0'])('drop a push to %s', (ref) => {
    // Act
    const result = evaluateDataFilters(filters, push(ref), undefined);

    // Assess
    expect(result).toEqual({ pass: false });
  });

  it('drop a push to main of another repository', () => {
    // Act
    const result = evaluateDataFilters(filters, push('refs/heads/main', 'myorg/frontend'), undefined);

    // Assess
    expect(result).toEqual({ pass: false });
  });

  it('fail with the upstream error when the body has no ref', () => {
    // Act
    const result = evaluateDataFilters(filters, json({ body: { zen: 'ping' } }), undefined);

    // Assess
    expect(result).toEqual({ pass: false, error: "data filter error (path 'body.ref' does not exist)" });
  });
});

describe('number data filters', () => {
  it.each([
    ['a number', 5, '=', '5.0', true],
    ['a numeric string', '2.5', '>', '2', true],
    ['a non-numeric string as 0', 'abc', '=', '0', true],
    ['true as 1', true, '=', '1', true],
    ['false as 0', false, '=', '0', true],
    ['null as 0', null, '=', '0', true],
    ['an object as 0', { a: 1 }, '=', '0', true],
    ['an empty comparator as =', 10, '', '10', true],
    ['a number below the value with <=', 1, '<=', '1', true],
    ['a number above the value with <', 2, '<', '1', false],
    ['a number with !=', 1, '!=', '1.0', false],
  ])('compare %s', (_what, value, comparator, wanted, expected) => {
    // Act
    const result = evaluateDataFilters(
      [numberFilter('k', comparator, wanted)],
      json({ k: value }),
      undefined,
    );

    // Assess
    expect(result).toEqual({ pass: expected });
  });

  it('report a value that Go cannot parse as a float', () => {
    // Act
    const result = evaluateDataFilters([numberFilter('k', '=', 'ten')], json({ k: 10 }), undefined);

    // Assess
    expect(result).toEqual({
      pass: false,
      error: 'data filter error (strconv.ParseFloat: parsing "ten": invalid syntax)',
    });
  });

  it.each([
    ['1.5e3', 1500],
    ['-0.25', -0.25],
    ['.5', 0.5],
    ['+Inf', Number.POSITIVE_INFINITY],
    ['0x1p-2', 0.25],
  ])('parse %s as Go does', (text, expected) => {
    // Assess
    expect(parseGoFloatStrict(text)).toBe(expected);
  });

  it.each(['', ' 1', '1 ', '1_000', 'one', '0x10'])('refuse %j as Go does', (text) => {
    // Assess
    expect(parseGoFloatStrict(text)).toBeUndefined();
  });
});

describe('bool data filters', () => {
  it.each([
    ['true', true, 'true', true],
    ['a "TRUE" string (lower-cased by gjson)', 'TRUE', 'T', true],
    ['a "yes" string as false', 'yes', 'false', true],
    ['a non-zero number as true', 3, '1', true],
    ['zero as false', 0, 'F', true],
    ['null as false', null, 'false', true],
    ['false against true', false, 'True', false],
  ])('compare %s', (_what, value, wanted, expected) => {
    // Act
    const result = evaluateDataFilters([boolFilter('k', wanted)], json({ k: value }), undefined);

    // Assess
    expect(result).toEqual({ pass: expected });
  });

  it('ignore the comparator', () => {
    // Act
    const result = evaluateDataFilters(
      [{ ...boolFilter('k', 'true'), comparator: '!=' }],
      json({ k: true }),
      'and',
    );

    // Assess
    expect(result).toEqual({ pass: true });
  });

  it('report a value that Go cannot parse as a bool', () => {
    // Act
    const result = evaluateDataFilters([boolFilter('k', 'yes')], json({ k: true }), undefined);

    // Assess
    expect(result.error).toBe('data filter error (strconv.ParseBool: parsing "yes": invalid syntax)');
  });
});

describe('data filter combinations and errors', () => {
  it('refuse type json at run time, as upstream', () => {
    // Act
    const result = evaluateDataFilters(
      [{ path: 'k', type: 'json', value: ['{}'] }],
      json({ k: {} }),
      undefined,
    );

    // Assess
    expect(result).toEqual({ pass: false, error: "data filter error (unsupported JSON type 'json')" });
  });

  it('under or, pass at the first passing filter even after errors', () => {
    // Act
    const result = evaluateDataFilters(
      [stringFilter('missing', 'x'), stringFilter('k', 'v')],
      json({ k: 'v' }),
      'or',
    );

    // Assess
    expect(result).toEqual({ pass: true });
  });

  it('under or, list every error when nothing passes', () => {
    // Act
    const result = evaluateDataFilters(
      [stringFilter('a', 'x'), { path: 'k', type: 'string', value: [] }, stringFilter('k', 'nope')],
      json({ k: 'v' }),
      'or',
    );

    // Assess
    expect(result).toEqual({
      pass: false,
      error: "data filter errors [path 'a' does not exist / no values specified]",
    });
  });

  it('under and, stop at the first failing filter before a later error', () => {
    // Act
    const result = evaluateDataFilters(
      [stringFilter('k', 'nope'), stringFilter('missing', 'x')],
      json({ k: 'v' }),
      'and',
    );

    // Assess
    expect(result).toEqual({ pass: false });
  });

  it('compare a template output as a string, with gjson conversions for numbers', () => {
    // Prepare
    const filter: DataFilter = { ...numberFilter('n', '>=', '10'), template: '{{ mul (atoi .Input) 5 }}' };

    // Act
    const result = evaluateDataFilters([filter], json({ n: '2' }), undefined);

    // Assess
    expect(result).toEqual({ pass: true });
  });

  it('report a template that renders <no value> with the upstream text', () => {
    // Prepare
    const filter: DataFilter = { ...stringFilter('k', 'x'), template: '{{ .Missing }}' };

    // Act
    const and = evaluateDataFilters([filter], json({ k: 'v' }), 'and');
    const or = evaluateDataFilters([filter], json({ k: 'v' }), 'or');

    // Assess
    expect(and.error).toBe(
      "data filter error (template '{{ .Missing }}' evaluated to empty string or no value)",
    );
    expect(or.error).toBe(
      "data filter errors [template evaluated to empty string or no value: '{{ .Missing }}']",
    );
  });
});
