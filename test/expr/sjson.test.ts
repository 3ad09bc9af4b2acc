import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../lib/errors.ts';
import { get } from '../../lib/expr/gjson.ts';
import { del, set } from '../../lib/expr/sjson.ts';

describe('sjson set: README examples', () => {
  it.each([
    [
      '{"name":{"first":"Janet","last":"Prichard"},"age":47}',
      'name.last',
      'Anderson',
      '{"name":{"first":"Janet","last":"Anderson"},"age":47}',
    ],
    ['', 'name', 'Tom', '{"name":"Tom"}'],
    ['', 'name.last', 'Anderson', '{"name":{"last":"Anderson"}}'],
    ['{"name":{"last":"Anderson"}}', 'name.first', 'Sara', '{"name":{"last":"Anderson","first":"Sara"}}'],
    ['{"name":{"last":"Anderson"}}', 'name.last', 'Smith', '{"name":{"last":"Smith"}}'],
    ['{"friends":["Andy","Carol"]}', 'friends.2', 'Sara', '{"friends":["Andy","Carol","Sara"]}'],
    ['{"friends":["Andy","Carol"]}', 'friends.-1', 'Sara', '{"friends":["Andy","Carol","Sara"]}'],
    ['{"friends":["Andy","Carol"]}', 'friends.4', 'Sara', '{"friends":["Andy","Carol",null,null,"Sara"]}'],
  ])('sets on %j at %s', (json, path, value, want) => {
    // Act
    const out = set(json, path, value);
    // Assess
    expect(out).toBe(want);
  });

  it.each([
    [null, '{"key":null}'],
    [false, '{"key":false}'],
    [1, '{"key":1}'],
    [10.5, '{"key":10.5}'],
    ['hello', '{"key":"hello"}'],
    [['hello', 'world'], '{"key":["hello","world"]}'],
    [{ hello: 'world' }, '{"key":{"hello":"world"}}'],
  ])('encodes %j as the README value types show', (value, want) => {
    // Act
    const out = set('{"key":true}', 'key', value);
    // Assess
    expect(out).toBe(want);
  });

  it('forces a numeric object key with a colon prefix', () => {
    // Prepare
    const json = '{"users":{"2313":{"name":"Sara"},"7839":{"name":"Andy"}}}';
    // Act
    const replaced = set(json, 'users.:2313.name', 'Ann');
    const created = set('{}', 'users.:2313.name', 'Ann');
    // Assess
    expect(replaced).toBe('{"users":{"2313":{"name":"Ann"},"7839":{"name":"Andy"}}}');
    expect(created).toBe('{"users":{"2313":{"name":"Ann"}}}');
  });

  it('keeps the rest of the text intact when replacing a value', () => {
    // Prepare
    const json = '{\n  "a": { "b" : 1.50 },\n  "c": [ 1, 2 ]\n}';
    // Act
    const out = set(json, 'a.b', 2, { raw: false });
    // Assess
    expect(out).toBe('{\n  "a": { "b" : 2 },\n  "c": [ 1, 2 ]\n}');
  });
});

// Vectors from tidwall/sjson sjson_test.go (v1.2.5): [want, json, path, raw value]; compared as parsed JSON.
const RAW_VECTORS: [string, string, string, string][] = [
  ['[{"hiw":"planet","hi":"world"}]', '[{"hi":"world"}]', '0.hiw', '"planet"'],
  ['[true]', '', '0', 'true'],
  ['[null,true]', '', '1', 'true'],
  ['[1,null,true]', '[1]', '2', 'true'],
  ['[1,true,false]', '[1,null,false]', '1', 'true'],
  [
    '[1,{"hello":"when","this":[0,null,2]},false]',
    '[1,{"hello":"when","this":[0,1,2]},false]',
    '1.this.1',
    'null',
  ],
  [
    '{"a":1,"b":{"hello":"when","this":[0,null,2]},"c":false}',
    '{"a":1,"b":{"hello":"when","this":[0,1,2]},"c":false}',
    'b.this.1',
    'null',
  ],
  [
    '{"a":1,"b":{"hello":"when","this":[0,null,2,null,4]},"c":false}',
    '{"a":1,"b":{"hello":"when","this":[0,null,2]},"c":false}',
    'b.this.4',
    '4',
  ],
  ['{"b":{"this":[null,null,null,null,4]}}', '', 'b.this.4', '4'],
  ['[null,{"this":[null,null,null,null,4]}]', '', '1.this.4', '4'],
  ['{"1":{"this":[null,null,null,null,4]}}', '', ':1.this.4', '4'],
  ['{":1":{"this":[null,null,null,null,4]}}', '', '\\:1.this.4', '4'],
  ['{":\\\\1":{"this":[null,null,null,null,{".HI":4}]}}', '', '\\:\\\\1.this.4.\\.HI', '4'],
  ['{"app.token":"cde"}', '{"app.token":"abc"}', 'app\\.token', '"cde"'],
  ['{"b":{"this":{"😇":""}}}', '', 'b.this.😇', '""'],
  ['[ 1,2  ,3]', '  [ 1,2  ] ', '-1', '3'],
];

describe('sjson set: upstream test vectors', () => {
  it.each(RAW_VECTORS)('produces %s', (want, json, path, raw) => {
    // Act
    const out = set(json, path, raw, { raw: true });
    // Assess
    expect(JSON.parse(out)).toEqual(JSON.parse(want));
  });

  it.each([
    [1234, '[1234]'],
    [1234.5, '[1234.5]'],
    ['1234.5', '["1234.5"]'],
    [true, '[true]'],
    [null, '[null]'],
  ])('writes %j into an empty document at index 0', (value, want) => {
    // Act & Assess
    expect(set('', '0', value)).toBe(want);
  });

  it('appends to an array and escapes strings like Go', () => {
    // Act & Assess
    expect(set('{"arr":[1]}', 'arr.-1', 1)).toBe('{"arr":[1,1]}');
    expect(set('', 'a', '\\')).toBe('{"a":"\\\\"}');
    expect(set('', 'a', 'C:\\Windows\\System32')).toBe('{"a":"C:\\\\Windows\\\\System32"}');
    expect(set('', 'a', '<b>&"é')).toBe('{"a":"\\u003cb\\u003e\\u0026\\"é"}');
    expect(set('', 'a', '<b>')).toBe('{"a":"<b>"}');
  });

  it('writes numbers without exponents, as Go FormatFloat(f, -1) does', () => {
    // Act & Assess
    expect(set('{}', 'n', 1e21)).toBe('{"n":1000000000000000000000}');
    expect(set('{}', 'n', 1e-7)).toBe('{"n":0.0000001}');
  });

  it('replaces every element a complex path selects', () => {
    // Prepare
    const json = '{"friends":[{"first":"Dale","age":44},{"first":"Roger","age":68}]}';
    // Act
    const all = set(json, 'friends.#.age', 0);
    const one = set(json, 'friends.#(first=="Roger").age', 1);
    const none = set(json, 'friends.#(first=="Nobody").age', 1);
    // Assess
    expect(all).toBe('{"friends":[{"first":"Dale","age":0},{"first":"Roger","age":0}]}');
    expect(one).toBe('{"friends":[{"first":"Dale","age":44},{"first":"Roger","age":1}]}');
    expect(none).toBe(json);
  });

  it('refuses an empty path and a non-numeric key into an array', () => {
    // Act & Assess
    expect(() => set('{}', '', 1)).toThrow(ExpressionError);
    expect(() => set('[1]', 'name', 1)).toThrow(/cannot set array element for non-numeric key 'name'/);
  });
});

describe('sjson del', () => {
  it.each([
    ['[123,456]', '0', '[456]'],
    ['[123,456,789]', '1', '[123,789]'],
    ['[123,456,789]', '-1', '[123,456]'],
    ['{"a":[123,456,789]}', 'a.-1', '{"a":[123,456]}'],
    ['{"this":"that","and":"another"}', 'this', '{"and":"another"}'],
    ['{"this":"that","and":"another"}', 'and', '{"this":"that"}'],
    ['{"and":"another"}', 'and', '{}'],
    ['{"1":"2"}', '3', '{"1":"2"}'],
    ['{"name":{"first":"Sara","last":"Anderson"}}', 'name.first', '{"name":{"last":"Anderson"}}'],
    ['{"friends":["Andy","Carol"]}', 'friends.1', '{"friends":["Andy"]}'],
    ['{"friends":["Andy","Carol"]}', 'friends.-1', '{"friends":["Andy"]}'],
  ])('deletes from %s at %s', (json, path, want) => {
    // Act
    const out = del(json, path);
    // Assess
    expect(JSON.parse(out)).toEqual(JSON.parse(want));
  });
});

describe('sjson as Argo Events applies parameters (argo-vectors PR-20..28, PL-01, PL-03)', () => {
  const event =
    '{"name": {"first": "fake", "last": "user"}, "age": 100, "countries": ["ca", "us", "mx"], "isActive": false}';

  it('overwrites a string destination with the string form (PR-20, PR-23, PR-28)', () => {
    // Act
    const out = set('{"name":"faker"}', 'name', get(event, 'name.first').string());
    const k8s = set(
      '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"fake"}}',
      'metadata.name',
      'test-deployment',
    );
    // Assess
    expect(JSON.parse(out)).toEqual({ name: 'fake' });
    expect(JSON.parse(k8s).metadata.name).toBe('test-deployment');
  });

  it('writes an object as a JSON string unless raw data is asked for (PR-24, PR-25)', () => {
    // Prepare
    const value = get(event, 'name');
    // Act
    const quoted = set('{"name":"faker"}', 'name', value.string());
    const raw = set('{"name":"faker"}', 'name', value.raw, { raw: true });
    // Assess
    expect(JSON.parse(quoted)).toEqual({ name: '{"first": "fake", "last": "user"}' });
    expect(JSON.parse(raw)).toEqual({ name: { first: 'fake', last: 'user' } });
  });

  it('builds a payload from an empty document with typed and typeless values (PL-01)', () => {
    // Act
    let body = '';
    body = set(body, 'firstName', get(event, 'name.first').string());
    body = set(body, 'age', get(event, 'age').raw, { raw: true });
    body = set(body, 'isActive', get(event, 'isActive').raw, { raw: true });
    body = set(body, 'typelessAge', get(event, 'age').string());
    body = set(body, 'typelessIsActive', get(event, 'isActive').string());
    body = set(body, 'countries', get(event, 'countries').raw, { raw: true });
    // Assess
    expect(JSON.parse(body)).toEqual({
      firstName: 'fake',
      age: 100,
      isActive: false,
      typelessAge: '100',
      typelessIsActive: 'false',
      countries: ['ca', 'us', 'mx'],
    });
  });

  it('writes a raw JSON null (PL-03)', () => {
    // Prepare
    const data = '{"nullable_key": null, "other_key": "value"}';
    // Act
    let body = set('', 'nullable_key', get(data, 'nullable_key').raw, { raw: true });
    body = set(body, 'other_key', get(data, 'other_key').string());
    // Assess
    expect(JSON.parse(body)).toEqual({ nullable_key: null, other_key: 'value' });
  });

  it('prepends onto an existing destination read with String() (PR-27)', () => {
    // Prepare
    const object = '{"metadata":{"name":"test","namespace":"fake"}}';
    const current = get(object, 'metadata.name').string();
    // Act
    const out = set(object, 'metadata.name', get(event, 'name.first').string() + current);
    // Assess
    expect(JSON.parse(out).metadata).toEqual({ name: 'faketest', namespace: 'fake' });
  });

  it('writes into workflow parameter arrays by index (spec.arguments.parameters.0.value)', () => {
    // Prepare
    const wf = '{"spec":{"arguments":{"parameters":[{"name":"message","value":"x"}]}}}';
    // Act
    const out = set(wf, 'spec.arguments.parameters.0.value', 'hello');
    const added = set(wf, 'spec.arguments.parameters.1.value', 'second');
    // Assess
    expect(out).toBe('{"spec":{"arguments":{"parameters":[{"name":"message","value":"hello"}]}}}');
    expect(JSON.parse(added).spec.arguments.parameters).toEqual([
      { name: 'message', value: 'x' },
      { value: 'second' },
    ]);
  });
});
