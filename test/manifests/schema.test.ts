import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';
import { formatIssue } from '../../lib/errors.ts';
import {
  arr,
  bool,
  editDistance,
  enumOf,
  int,
  map,
  obj,
  required,
  type Schema,
  SchemaContext,
  str,
  suggest,
} from '../../lib/manifests/schema.ts';

function run(schema: Schema, text: string) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const ctx = new SchemaContext('t.yaml', lineCounter, doc);
  const value = schema.check(ctx.resolve(doc.contents), 'spec', ctx);
  return { value, errors: ctx.issues.map(formatIssue), warnings: ctx.warnings.map(formatIssue) };
}

describe('schema DSL', () => {
  it('returns the plain value of a valid object', () => {
    // Prepare
    const schema = obj({ name: required(str()), count: int(), on: bool(), tags: arr(str()) });
    // Act
    const { value, errors } = run(schema, 'name: a\ncount: 3\non: true\ntags: [x, y]\n');
    // Assess
    expect(errors).toEqual([]);
    expect(value).toEqual({ name: 'a', count: 3, on: true, tags: ['x', 'y'] });
  });

  it('refuses an unknown key at the key with a did-you-mean suggestion', () => {
    // Prepare
    const schema = obj({ operation: str(), parameters: arr(str()) });
    // Act
    const { value, errors } = run(schema, 'operation: x\nparamters: []\n');
    // Assess
    expect(value).toBeUndefined();
    expect(errors).toEqual([
      't.yaml:2:1: spec.paramters: unknown field `paramters`; did you mean `parameters`?',
    ]);
  });

  it('refuses an unknown key without a suggestion when nothing is close', () => {
    // Act
    const { errors } = run(obj({ operation: str() }), 'zzz: 1\n');
    // Assess
    expect(errors).toEqual(['t.yaml:1:1: spec.zzz: unknown field `zzz`']);
  });

  it('reports a missing required field at the parent mapping', () => {
    // Prepare
    const schema = obj({ inner: obj({ name: required(str()), other: str() }) });
    // Act
    const { errors } = run(schema, 'inner:\n  other: x\n');
    // Assess
    expect(errors).toEqual(['t.yaml:2:3: spec.inner.name: missing required field `name`']);
  });

  it('lists the allowed values of an enum', () => {
    // Act
    const { errors } = run(obj({ op: enumOf(['create', 'update', 'patch', 'delete']) }), 'op: replace\n');
    // Assess
    expect(errors).toEqual(['t.yaml:1:5: spec.op: must be one of create, update, patch, delete']);
  });

  it('refuses a number where a string is expected and says to quote it', () => {
    // Act
    const { errors } = run(obj({ port: str() }), 'port: 12000\n');
    // Assess
    expect(errors).toEqual(['t.yaml:1:7: spec.port: must be a string, not a number (quote it: "12000")']);
  });

  it('refuses a non-integer and out-of-range integers', () => {
    // Act
    const { errors } = run(obj({ a: int(), b: int({ min: 1 }), c: int({ max: 5 }) }), 'a: 1.5\nb: 0\nc: 6\n');
    // Assess
    expect(errors).toEqual([
      't.yaml:1:4: spec.a: must be an integer, not a number',
      't.yaml:2:4: spec.b: must be at least 1',
      't.yaml:3:4: spec.c: must be at most 5',
    ]);
  });

  it('names list items by index and map entries by key', () => {
    // Prepare
    const schema = obj({ list: arr(obj({ n: int() })), byName: map(obj({ n: int() })) });
    // Act
    const { errors } = run(schema, 'list:\n  - n: 1\n  - n: x\nbyName:\n  first:\n    n: y\n');
    // Assess
    expect(errors).toEqual([
      't.yaml:3:8: spec.list[1].n: must be an integer, not a string',
      't.yaml:6:8: spec.byName.first.n: must be an integer, not a string',
    ]);
  });

  it('requires exactly one key of a required one-of group', () => {
    // Prepare
    const schema = obj(
      { a: str(), b: str(), c: str() },
      { oneOf: [{ keys: ['a', 'b'], label: 'thing', required: true }] },
    );
    // Act
    const none = run(schema, 'c: x\n');
    const both = run(schema, 'a: x\nb: y\n');
    // Assess
    expect(none.errors).toEqual(['t.yaml:1:1: spec: needs one thing: `a` or `b`']);
    expect(both.errors).toEqual(['t.yaml:2:1: spec.b: only one thing may be set; found `a` and `b`']);
  });

  it('refuses known keys with their own message and warns on accepted ones', () => {
    // Prepare
    const schema = obj({ a: str() }, { refused: { old: 'use `a`' }, warned: { extra: 'not used here' } });
    // Act
    const { errors, warnings } = run(schema, 'old: 1\nextra: {x: 1}\n');
    // Assess
    expect(errors).toEqual(['t.yaml:1:1: spec.old: use `a`']);
    expect(warnings).toEqual(['t.yaml:2:1: spec.extra: not used here']);
  });

  it('follows aliases', () => {
    // Act
    const { value, errors } = run(obj({ a: str(), b: str() }), 'a: &x hello\nb: *x\n');
    // Assess
    expect(errors).toEqual([]);
    expect(value).toEqual({ a: 'hello', b: 'hello' });
  });

  it('measures edit distance and suggests only plausible typos', () => {
    // Assess
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(suggest('atLeastOnse', ['atLeastOnce', 'policy'])).toBe('atLeastOnce');
    expect(suggest('openwhisk', ['openWhisk', 'k8s'])).toBe('openWhisk');
    expect(suggest('xyz', ['atLeastOnce', 'policy'])).toBeUndefined();
  });
});
