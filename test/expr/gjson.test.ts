import { describe, expect, it } from 'vitest';
import { escapePathComponent, get, parse, valid } from '../../lib/expr/gjson.ts';

// The document of tidwall/gjson SYNTAX.md.
const SYNTAX_DOC = `{
  "name": {"first": "Tom", "last": "Anderson"},
  "age":37,
  "children": ["Sara","Alex","Jack"],
  "fav.movie": "Deer Hunter",
  "friends": [
    {"first": "Dale", "last": "Murphy", "age": 44, "nets": ["ig", "fb", "tw"]},
    {"first": "Roger", "last": "Craig", "age": 68, "nets": ["fb", "tw"]},
    {"first": "Jane", "last": "Murphy", "age": 47, "nets": ["ig", "tw"]}
  ]
}`;

const DALE = '{"first": "Dale", "last": "Murphy", "age": 44, "nets": ["ig", "fb", "tw"]}';
const ROGER = '{"first": "Roger", "last": "Craig", "age": 68, "nets": ["fb", "tw"]}';
const JANE = '{"first": "Jane", "last": "Murphy", "age": 47, "nets": ["ig", "tw"]}';

// [path, raw text gjson returns ('' = does not exist)], from SYNTAX.md and README.md.
const SYNTAX_EXAMPLES: [string, string][] = [
  ['name.last', '"Anderson"'],
  ['name.first', '"Tom"'],
  ['age', '37'],
  ['children', '["Sara","Alex","Jack"]'],
  ['children.0', '"Sara"'],
  ['children.1', '"Alex"'],
  ['friends.1', ROGER],
  ['friends.1.first', '"Roger"'],
  ['child*.2', '"Jack"'],
  ['c?ildren.0', '"Sara"'],
  ['fav\\.movie', '"Deer Hunter"'],
  ['friends.#', '3'],
  ['friends.#.age', '[44,68,47]'],
  ['friends.#(last=="Murphy").first', '"Dale"'],
  ['friends.#(last=="Murphy")#.first', '["Dale","Jane"]'],
  ['friends.#(age>45)#.last', '["Craig","Murphy"]'],
  ['friends.#(first%"D*").last', '"Murphy"'],
  ['friends.#(first!%"D*").last', '"Craig"'],
  ['children.#(!%"*a*")', '"Alex"'],
  ['children.#(%"*a*")#', '["Sara","Jack"]'],
  ['friends.#(nets.#(=="fb"))#.first', '["Dale","Roger"]'],
  ['friends.0.first', '"Dale"'],
  ['friends|0.first', '"Dale"'],
  ['friends.0|first', '"Dale"'],
  ['friends|0|first', '"Dale"'],
  ['friends|#', '3'],
  ['friends.#(last="Murphy")#', `[${DALE},${JANE}]`],
  ['friends.#(last="Murphy")#.first', '["Dale","Jane"]'],
  ['friends.#(last="Murphy")#|first', ''],
  ['friends.#(last="Murphy")#.0', '[]'],
  ['friends.#(last="Murphy")#|0', DALE],
  ['friends.#(last="Murphy")#.#', '[]'],
  ['friends.#(last="Murphy")#|#', '2'],
  ['children.@reverse', '["Jack","Alex","Sara"]'],
  ['children.@reverse.0', '"Jack"'],
  [
    '{name.first,age,"the_murphys":friends.#(last="Murphy")#.first}',
    '{"first":"Tom","age":37,"the_murphys":["Dale","Jane"]}',
  ],
  [
    '{name.first,age,"company":!"Happysoft","employed":!true}',
    '{"first":"Tom","age":37,"company":"Happysoft","employed":true}',
  ],
  ['[name.first,age,children.0]', '["Tom",37,"Sara"]'],
  ['friends.#.first', '["Dale","Roger","Jane"]'],
  ['friends.#.nets.0', '["ig","fb","ig"]'],
  ['missing', ''],
  ['name.missing', ''],
  ['children.3', ''],
  ['friends.#(last=="Nobody").first', ''],
  ['friends.#(last=="Nobody")#', '[]'],
];

describe('gjson get: documented path syntax', () => {
  it.each(SYNTAX_EXAMPLES)('evaluates %s as in SYNTAX.md', (path, raw) => {
    // Act
    const res = get(SYNTAX_DOC, path);
    // Assess
    expect(res.raw).toBe(raw);
    expect(res.exists).toBe(raw !== '');
  });

  it('pretty-prints with sorted keys as the @pretty:{"sortKeys":true} example shows', () => {
    // Act
    const out = get(SYNTAX_DOC, '@pretty:{"sortKeys":true}').string();
    // Assess
    expect(out).toBe(
      '{\n  "age": 37,\n  "children": ["Sara", "Alex", "Jack"],\n  "fav.movie": "Deer Hunter",\n' +
        '  "friends": [\n    {\n      "age": 44,\n      "first": "Dale",\n      "last": "Murphy",\n' +
        '      "nets": ["ig", "fb", "tw"]\n    },\n    {\n      "age": 68,\n      "first": "Roger",\n' +
        '      "last": "Craig",\n      "nets": ["fb", "tw"]\n    },\n    {\n      "age": 47,\n' +
        '      "first": "Jane",\n      "last": "Murphy",\n      "nets": ["ig", "tw"]\n    }\n  ],\n' +
        '  "name": {\n    "first": "Tom",\n    "last": "Anderson"\n  }\n}\n',
    );
  });

  it('returns object text verbatim, whitespace included', () => {
    // Act
    const res = get(SYNTAX_DOC, 'name');
    // Assess
    expect(res.type).toBe('JSON');
    expect(res.raw).toBe('{"first": "Tom", "last": "Anderson"}');
    expect(res.value()).toEqual({ first: 'Tom', last: 'Anderson' });
  });
});

// Vectors ported from tidwall/gjson gjson_test.go (v1.19.0): [json, path, String()].
const FRIENDS = `{
  "info": {
    "friends": [
      {"first": "Dale", "last": "Murphy", "kind": "Person", "cust1": true, "extra": [10,20,30],
       "details": {"city": "Tempe", "state": "Arizona"}},
      {"first": "Roger", "last": "Craig", "kind": "Person", "cust2": false, "extra": [40,50,60],
       "details": {"city": "Phoenix", "state": "Arizona"}}
    ]
  }
}`;
const ARRAY_EX = '[{"c":[{"a":10.11}]}, {"c":[{"a":11.11}]}]';
const DIG = `{"something": {"anything": {"abcdefg": {"finally": {"important": {"secret": "password",
  "name": "jake"}}, "name": "melinda"}}}}`;

const UPSTREAM: [string, string, string][] = [
  [FRIENDS, 'info.friends|0|first', 'Dale'],
  [FRIENDS, 'info.friends|@reverse|0|last', 'Craig'],
  [FRIENDS, '@ugly|i\\nfo|friends.0.first', 'Dale'],
  [FRIENDS, 'info.friends.#[first="Dale"].last', 'Murphy'],
  [FRIENDS, 'info|friends.#[first="Dale"]|last', 'Murphy'],
  [FRIENDS, 'info|friends|#[first="Dale"]|last', 'Murphy'],
  [FRIENDS, '@ugly|info.@ugly|friends|#[first="Dale"]|last', 'Murphy'],
  [FRIENDS, '@ugly.info|@ugly.friends|#[first="Dale"]|last', 'Murphy'],
  [FRIENDS, 'info.friends.#[first="Dale"].extra.0', '10'],
  [FRIENDS, 'info.friends.#[first="Dale"].extra|0', '10'],
  [FRIENDS, 'info.friends.#[first="Dale"]|extra|0', '10'],
  [FRIENDS, 'info.friends.#[details.city="Phoenix"].last', 'Craig'],
  [FRIENDS, 'info.friends.#[details.state="Arizona"].last', 'Murphy'],
  [FRIENDS, 'i*.f*.#[extra.0!=10].first', 'Roger'],
  [FRIENDS, 'i*.f*.#[extra.0>10].first', 'Roger'],
  [FRIENDS, 'i*.f*.#[extra.0>=10].first', 'Dale'],
  [FRIENDS, 'i*.f*.#[extra.0<=10].first', 'Dale'],
  [FRIENDS, 'i*.f*.#[extra.0<10].first', ''],
  [FRIENDS, 'i*.f*.#[first>"Dale"].last', 'Craig'],
  [FRIENDS, 'i*.f*.#[first>="Dale"].last', 'Murphy'],
  [FRIENDS, 'i*.f*.#[first<"Dale"].last', ''],
  [FRIENDS, 'i*.f*.#[first%"*a*"]#|#', '1'],
  [FRIENDS, 'i*.f*.#[first%"*e*"]#|#', '2'],
  [FRIENDS, 'i*.f*.#[first!%"*e*"]#|#', '0'],
  [FRIENDS, 'i*.f*.#[cust1=true].first', 'Dale'],
  [FRIENDS, 'i*.f*.#[cust2=false].first', 'Roger'],
  [FRIENDS, 'i*.f*.#[cust1!=false].first', 'Dale'],
  [FRIENDS, 'i*.f*.#[cust2!=true].first', 'Roger'],
  [FRIENDS, 'i*.f*.#[cust1>true].first', ''],
  [FRIENDS, 'i*.f*.#[cust1>=true].first', 'Dale'],
  [FRIENDS, 'i*.f*.#[cust2<false].first', ''],
  [FRIENDS, 'i*.f*.#[cust2<=false].first', 'Roger'],
  [FRIENDS, 'info.friends.[0.first,1.extra.0]', '["Dale",40]'],
  [FRIENDS, 'info.friends.#.[first,extra.0]', '[["Dale",10],["Roger",40]]'],
  [FRIENDS, '[]', '[]'],
  [FRIENDS, '{}', '{}'],
  [ARRAY_EX, '@ugly|#.c.#[a=10.11]', '[{"a":10.11}]'],
  [ARRAY_EX, '@ugly|#.c.#', '[1,1]'],
  [ARRAY_EX, '@reverse|0|c|0|a', '11.11'],
  [ARRAY_EX, '#.c|#', '2'],
  [
    '{"other":{"hello":"world"},"arr":[1,2,3,4,5,6]}',
    '@pretty|@reverse|@ugly',
    '{"arr":[1,2,3,4,5,6],"other":{"hello":"world"}}',
  ],
  ['{"other":{"hello":"world"},"arr":[1,2,3,4,5,6]}', 'other.@this', '{"hello":"world"}'],
  ['{"other":{"hello":"world"},"arr":[1,2,3,4,5,6]}', '@pretty|@reverse|arr|@reverse|2', '4'],
  ['{"name": {"first": "Tom", "last": "Anderson"}}', '"bar"', ''],
  ['{"name": {"first": "Tom", "last": "Anderson"}}', '!"bar"', 'bar'],
  ['{"name": {"first": "Tom", "last": "Anderson"}}', '!{"name":{"first":"Tom"}}.{name.first}.first', 'Tom'],
  [
    '{"name": {"first": "Tom", "last": "Anderson"}}',
    '{name.last,"foo":!"bar"}',
    '{"last":"Anderson","foo":"bar"}',
  ],
  [
    '{"name": {"first": "Tom", "last": "Anderson"}}',
    '{name.last,"foo":!{"a":"b"},"that"}',
    '{"last":"Anderson","foo":{"a":"b"}}',
  ],
  [
    '{"name": {"first": "Tom", "last": "Anderson"}}',
    '{name.last,"foo":!{"c":"d"},!"that"}',
    '{"last":"Anderson","foo":{"c":"d"},"_":"that"}',
  ],
  [
    '{"name": {"first": "Tom", "last": "Anderson"}}',
    '[!true,!false,!null,!inf,!nan,!hello,{"name":!"andy",name.last},+inf,!["any","thing"]]',
    '[true,false,null,inf,nan,{"name":"andy","last":"Anderson"},["any","thing"]]',
  ],
  ['{"1300014": {"code": "1300014"}, "1300015": {"code": "1300015"}}', '@keys', '["1300014","1300015"]'],
  [
    '{"1300014": {"code": "1300014"}, "1300015": {"code": "1300015"}}',
    '@values.#.code',
    '["1300014","1300015"]',
  ],
  ['', '@keys', '[]'],
  ['"hello"', '@keys', '[null]'],
  ['[]', '@keys', '[]'],
  ['[1,2,3]', '@keys', '[null,null,null]'],
  ['', '@values', '[]'],
  ['"hello"', '@values', '["hello"]'],
  ['[1,2,3]', '@values', '[1,2,3]'],
  ['[1,[2],[3,4],[5,[6,[7]]],{"hi":"there"},8,[9]]', '@flatten', '[1,2,3,4,5,[6,[7]],{"hi":"there"},8,9]'],
  [
    '[1,[2],[3,4],[5,[6,[7]]],{"hi":"there"},8,[9]]',
    '@flatten:{"deep":true}',
    '[1,2,3,4,5,6,7,{"hi":"there"},8,9]',
  ],
  ['{"9999":1234}', '@flatten', '{"9999":1234}'],
  ['[{},{}]', '@join', '{}'],
  ['[{"a":1},{"b":2}]', '@join', '{"a":1,"b":2}'],
  ['[{"a":1,"b":1},{"b":2}]', '@join', '{"a":1,"b":2}'],
  ['[{"a":1,"b":1},{"b":2},5,{"c":3}]', '@join', '{"a":1,"b":2,"c":3}'],
  ['[{"a":1,"b":1},{"b":2},5,{"c":3}]', '@join:{"preserve":true}', '{"a":1,"b":1,"b":2,"c":3}'],
  ['[{"a":1,"b":1},{"b":2},5,{"c":3}]', '@join:{"preserve":true}.b', '1'],
  [
    '{"id":["123","456","789"],"val":[2,1]}',
    '@group',
    '[{"id":"123","val":2},{"id":"456","val":1},{"id":"789"}]',
  ],
  [DIG, '@dig:name', '["melinda","jake"]'],
  [DIG, '@dig:secret', '["password"]'],
  [
    '{"Message":"{\\"Records\\":[{\\"eventVersion\\":\\"2.1\\"}]"}',
    'Message.@fromstr.Records.#.eventVersion.@tostr',
    '["\\"2.1\\""]',
  ],
  ['{"a":"b"}', '@tostr', '{"a":"b"}'],
  ['{"a":1', '@valid', ''],
  ['{"a":1}', '@valid.a', '1'],
  ['{"name": "Alex","name": "Peter"}', 'name', 'Alex'],
  ['{"name": "Alex","name": "Peter"}', 'n?me', 'Alex'],
];

describe('gjson get: upstream test vectors', () => {
  it.each(UPSTREAM)('on %j evaluates %s', (json, path, want) => {
    // Act
    const res = get(json, path);
    // Assess
    expect(res.string()).toBe(want);
  });

  it('selects keys with escaped wildcards and dots', () => {
    // Prepare
    const json = `{"test":{"*":"valZ","*v":"val0","keyv*":"val1","key*v":"val2","keyv?":"val3",
      "key?v":"val4","keyv.":"val5","key.v":"val6","keyk*":{"key?":"val7"}}}`;
    const cases: [string, string][] = [
      ['test.\\*', 'valZ'],
      ['test.\\*v', 'val0'],
      ['test.keyv\\*', 'val1'],
      ['test.key\\*v', 'val2'],
      ['test.keyv\\?', 'val3'],
      ['test.key\\?v', 'val4'],
      ['test.keyv\\.', 'val5'],
      ['test.key\\.v', 'val6'],
      ['test.keyk\\*.key\\?', 'val7'],
    ];
    // Act
    const got = cases.map(([path]) => get(json, path).string());
    // Assess
    expect(got).toEqual(cases.map(([, want]) => want));
  });

  it('applies ~true, ~false, ~null and ~* truthiness queries', () => {
    // Prepare
    const json = `{"vals": [{"a":1,"b":"data"},{"a":2,"b":true},{"a":3,"b":false},{"a":4,"b":"0"},
      {"a":5,"b":0},{"a":6,"b":"1"},{"a":7,"b":1},{"a":8,"b":"true"},{"a":9,"b":false},{"a":10,"b":null},{"a":11}]}`;
    // Act
    const raw = (path: string): string => get(json, path).raw;
    // Assess
    expect(raw('vals.#(b==~true)#.a')).toBe('[2,6,7,8]');
    expect(raw('vals.#(b!=~true)#.a')).toBe('[1,3,4,5,9,10,11]');
    expect(raw('vals.#(b==~false)#.a')).toBe('[3,4,5,9,10,11]');
    expect(raw('vals.#(b!=~false)#.a')).toBe('[1,2,6,7,8]');
    expect(raw('vals.#(b==~null)#.a')).toBe('[10,11]');
    expect(raw('vals.#(b!=~null)#.a')).toBe('[1,2,3,4,5,6,7,8,9]');
    expect(raw('vals.#(b==~*)#.a')).toBe('[1,2,3,4,5,6,7,8,9,10]');
    expect(raw('vals.#(b!=~*)#.a')).toBe('[11]');
  });

  it('reads NaN and Inf spellings as numbers, as upstream does', () => {
    // Prepare
    const json = '[+Inf,-Inf,Inf,iNF,-iNF,+iNF,NaN,nan,nAn,-0,+0]';
    const nums = [Infinity, -Infinity, Infinity, Infinity, -Infinity, Infinity, NaN, NaN, NaN, -0, 0];
    // Act
    const got = nums.map((_, i) => get(json, String(i)));
    // Assess
    expect(get(json, '#').int()).toBe(11);
    got.forEach((r, i) => {
      expect(r.type).toBe('Number');
      expect(Object.is(r.float(), nums[i])).toBe(true);
    });
    expect(get(json, '0').raw).toBe('+Inf');
  });

  it('groups and filters through a multipath piped into @group', () => {
    // Prepare
    const json = `{"issues": [{"fields": {"labels": ["milestone_1","group:foo","plan:a","plan:b"]},"id": "123"},
      {"fields": {"labels": ["milestone_1","group:foo","plan:a","plan"]},"id": "456"}]}`;
    // Act
    const res = get(
      json,
      '{"id":issues.#.id,"plans":issues.#.fields.labels.#(%"plan:*")#|#.#}|@group|#(plans>=2)#.id',
    );
    // Assess
    expect(res.raw).toBe('["123"]');
  });

  it('digs through nested arrays for a query', () => {
    // Prepare
    const json = `{"group": {"issues": [{"fields": {"labels": ["milestone_1"]}, "refid": "123"},
      {"fields": {"labels": ["milestone_2"]}, "refid": "456"},
      [{"extra_deep": [{"fields": {"labels": ["milestone_3"]}, "refid": "789"}]}]]}}`;
    // Act
    const got = ['123', '456', '789'].map((id) =>
      get(json, `group.@dig:#(refid=${id})|0.fields.labels.0`).string(),
    );
    // Assess
    expect(got).toEqual(['milestone_1', 'milestone_2', 'milestone_3']);
  });

  it('treats a document of JSON lines as an array with the .. prefix', () => {
    // Prepare
    const json = '{"name": "Gilbert", "age": 61}\n{"name": "Alexa", "age": 34}\n{"name": "May", "age": 57}';
    // Act & Assess
    expect(get(json, '..#').string()).toBe('3');
    expect(get(json, '..1.name').string()).toBe('Alexa');
    expect(get(json, '..#.name').raw).toBe('["Gilbert","Alexa","May"]');
    expect(get(json, '..#(name="May").age').string()).toBe('57');
  });
});

describe('gjson result conversions', () => {
  // [json value, String(), Float(), Bool()] following gjson's Result methods and Go strconv.
  const TABLE: [string, string, number, boolean][] = [
    ['"hello"', 'hello', 0, false],
    ['"3.14"', '3.14', 3.14, false],
    ['"1e3"', '1e3', 1000, false],
    ['" 5"', ' 5', 0, false],
    ['"true"', 'true', 0, true],
    ['"TRUE"', 'TRUE', 0, true],
    ['"True"', 'True', 0, true],
    ['"t"', 't', 0, true],
    ['"1"', '1', 1, true],
    ['"yes"', 'yes', 0, false],
    ['"0"', '0', 0, false],
    ['"inf"', 'inf', Infinity, false],
    ['"0x1p-2"', '0x1p-2', 0.25, false],
    ['"a\\u00e9\\n"', 'a\u00e9\n', 0, false],
    ['42', '42', 42, true],
    ['-7', '-7', -7, true],
    ['0', '0', 0, false],
    ['1.50', '1.5', 1.5, true],
    ['1e2', '100', 100, true],
    ['1E+2', '100', 100, true],
    ['0.000001', '0.000001', 0.000001, true],
    ['1e21', '1000000000000000000000', 1e21, true],
    ['12345678901234567890', '12345678901234567890', 12345678901234567000, true],
    ['-0.0', '-0', -0, false],
    ['true', 'true', 1, true],
    ['false', 'false', 0, false],
    ['null', '', 0, false],
    ['{"a":1}', '{"a":1}', 0, false],
    ['[1, 2]', '[1, 2]', 0, false],
  ];

  it.each(TABLE)('converts %s like gjson', (value, str, float, bool) => {
    // Act
    const res = get(`{"k":${value}}`, 'k');
    // Assess
    expect(res.exists).toBe(true);
    expect(res.raw).toBe(value);
    expect(res.string()).toBe(str);
    expect(Object.is(res.float(), float) || res.float() === float).toBe(true);
    expect(res.bool()).toBe(bool);
  });

  it('names the types as Go prints them', () => {
    // Prepare
    const json = '{"n":null,"f":false,"t":true,"x":1,"s":"s","o":{},"a":[]}';
    // Act
    const types = ['n', 'f', 't', 'x', 's', 'o', 'a', 'missing'].map((p) => get(json, p).type);
    // Assess
    expect(types).toEqual(['Null', 'False', 'True', 'Number', 'String', 'JSON', 'JSON', 'Null']);
  });

  it('gives parsed JS values, undefined when missing and null for JSON null', () => {
    // Prepare
    const json = '{"n":null,"o":{"a":[1,"x",true,null,{"b":2.5}]},"dup":{"k":1,"k":2}}';
    // Act & Assess
    expect(get(json, 'n').value()).toBeNull();
    expect(get(json, 'missing').value()).toBeUndefined();
    expect(get(json, 'o').value()).toEqual({ a: [1, 'x', true, null, { b: 2.5 }] });
    expect(get(json, 'dup').value()).toEqual({ k: 1 });
  });

  it('keeps a JSON null as an existing value with raw text null', () => {
    // Act
    const res = get('{"nullable_key":null,"string_key":"value"}', 'nullable_key');
    // Assess
    expect(res.exists).toBe(true);
    expect(res.type).toBe('Null');
    expect(res.raw).toBe('null');
    expect(res.string()).toBe('');
  });

  it('records where a value starts in the queried text', () => {
    // Prepare
    const json = '{"a": {"b": [10, 20]}}';
    // Act
    const res = get(json, 'a.b.1');
    // Assess
    expect(res.index).toBe(json.indexOf('20'));
    expect(get(json, 'a.b.#').index).toBe(-1);
  });
});

describe('gjson helpers', () => {
  it('validates JSON strictly', () => {
    // Act & Assess
    expect(valid('{"a":[1,2.5e3,"x",true,false,null]}')).toBe(true);
    expect(valid('  [] ')).toBe(true);
    expect(valid('{"a":1,}')).toBe(false);
    expect(valid('01')).toBe(false);
    expect(valid('"\u0001"')).toBe(false);
    expect(valid('[1] x')).toBe(false);
  });

  it('escapes path components so any key can be addressed', () => {
    // Prepare
    const key = 'a.b*c?d|e#f@g\\h';
    const json = JSON.stringify({ [key]: 1 });
    // Act
    const res = get(json, escapePathComponent(key));
    // Assess
    expect(res.string()).toBe('1');
  });

  it('parses the first value of a text', () => {
    // Act & Assess
    expect(parse(' "x" ').string()).toBe('x');
    expect(parse('xyz').exists).toBe(false);
    expect(parse('[1,2] trailing').raw).toBe('[1,2] trailing');
  });
});
