import { describe, expect, it } from 'vitest';
import { ErrorCode, ExpressionError } from '../../../lib/errors.ts';
import { compileTemplate, usesForbiddenFunctions } from '../../../lib/expr/template/index.ts';

const run = (text: string, data: unknown = {}): string => compileTemplate(text).execute(data);
const failure = (text: string, data: unknown = {}): string => {
  try {
    run(text, data);
  } catch (err) {
    expect(err).toBeInstanceOf(ExpressionError);
    expect((err as ExpressionError).code).toBe(ErrorCode.ExpressionInvalid);
    return (err as Error).message;
  }
  throw new Error(`expected ${text} to fail`);
};

describe('text and actions', () => {
  it.each([
    ['plain text', {}, 'plain text'],
    ['a {{- " b " -}} c', {}, 'a b c'],
    ['a  \n {{- 1 }}', {}, 'a1'],
    ['{{ 1 -}}  \n b', {}, '1b'],
    ['x{{/* a comment */}}y', {}, 'xy'],
    ['x {{- /* trimmed */ -}} y', {}, 'xy'],
    ['{{ "a\\tb" }}|{{ `raw\\n` }}', {}, 'a\tb|raw\\n'],
    ["{{ 'a' }} {{ 0x1F }} {{ 1_000 }}", {}, '97 31 1000'],
    ['{{ -3 }} {{ +4 }} {{ .5 }}', {}, '-3 4 0.5'],
    ['{{ true }} {{ false }}', {}, 'true false'],
    ['{{ . }}', 'dot', 'dot'],
    ['{{ $ }}', 'root', 'root'],
    ['{{ print nil }}', {}, '<nil>'],
  ])('renders %j', (text, data, expected) => {
    expect(run(text, data)).toBe(expected);
  });
});

describe('field access on JSON data', () => {
  const data = {
    Input: {
      name: { first: 'fake' },
      n: 1000001,
      small: 42,
      f: 1.5,
      nil: null,
      list: ['a', 'b'],
      flag: true,
    },
  };

  it.each([
    ['{{ .Input.name.first }}', 'fake'],
    ['{{ .Input.n }}', '1.000001e+06'],
    ['{{ .Input.small }}', '42'],
    ['{{ .Input.f }}', '1.5'],
    ['{{ .Input.flag }}', 'true'],
    ['{{ .Input.list }}', '[a b]'],
    ['{{ .Input.name }}', 'map[first:fake]'],
    ['{{ .Input.missing }}', '<no value>'],
    ['x-{{ .Input.missing }}', 'x-<no value>'],
    ['{{ .Input.missing.deeper }}', '<no value>'],
    ['{{ .Input.nil }}', '<no value>'],
    ['{{ print .Input.nil }}', '<nil>'],
    ['{{ $x := .Input.name }}{{ $x.first }}', 'fake'],
    ['{{ (.Input.name).first }}', 'fake'],
    ['{{ with .Input.name }}{{ .first }}{{ end }}', 'fake'],
  ])('renders %s', (text, expected) => {
    expect(run(text, data)).toBe(expected);
  });

  it('refuses a field of a string as Go does', () => {
    expect(failure('{{ .Input.s.x }}', { Input: { s: 'str' } })).toContain(
      "can't evaluate field x in type interface {}",
    );
  });

  it('refuses a field of a nil value as a nil pointer', () => {
    expect(failure('{{ .Input.nil.x }}', data)).toContain('nil pointer evaluating interface {}.x');
  });

  it('refuses arguments given to a map field', () => {
    expect(failure('{{ .Input.name 1 }}', data)).toContain('name is not a method but has arguments');
  });

  it('reports the location and node like Go', () => {
    expect(failure('ab\n  {{ upper .Input.missing }}', { Input: {} })).toBe(
      'template: template:2:11: executing "template" at <.Input.missing>: invalid value; expected string',
    );
  });
});

describe('control structures', () => {
  it.each([
    ['{{ if .a }}yes{{ else }}no{{ end }}', { a: 1 }, 'yes'],
    ['{{ if .a }}yes{{ else }}no{{ end }}', { a: 0 }, 'no'],
    ['{{ if .a }}yes{{ else }}no{{ end }}', { a: '' }, 'no'],
    ['{{ if .a }}yes{{ else }}no{{ end }}', { a: [] }, 'no'],
    ['{{ if .a }}yes{{ else }}no{{ end }}', { a: {} }, 'no'],
    ['{{ if .missing }}yes{{ else }}no{{ end }}', {}, 'no'],
    ['{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}', { b: true }, 'B'],
    ['{{ with .a }}{{ . }}{{ else with .b }}b={{ . }}{{ else }}none{{ end }}', { b: 2 }, 'b=2'],
    ['{{ with .a }}{{ . }}{{ else }}none{{ end }}', {}, 'none'],
    ['{{ range .l }}[{{ . }}]{{ end }}', { l: [1, 'x'] }, '[1][x]'],
    ['{{ range $i, $v := .l }}{{ $i }}:{{ $v }} {{ end }}', { l: ['a', 'b'] }, '0:a 1:b '],
    ['{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', { m: { b: 2, a: 1, c: 3 } }, 'a=1;b=2;c=3;'],
    ['{{ range $v := .l }}{{ $v }}{{ end }}', { l: [1, 2] }, '12'],
    ['{{ range .l }}x{{ else }}empty{{ end }}', { l: [] }, 'empty'],
    ['{{ range .missing }}x{{ else }}empty{{ end }}', {}, 'empty'],
    ['{{ range .l }}{{ if eq . 3.0 }}{{ break }}{{ end }}{{ . }}{{ end }}', { l: [1, 2, 3, 4] }, '12'],
    ['{{ range .l }}{{ if eq . 2.0 }}{{ continue }}{{ end }}{{ . }}{{ end }}', { l: [1, 2, 3] }, '13'],
    ['{{ range 3 }}{{ . }}{{ end }}', {}, '012'],
    ['{{ range .l }}{{ $.name }}{{ end }}', { l: [1, 2], name: 'n' }, 'nn'],
    ['{{ $x := 1 }}{{ range .l }}{{ $x = . }}{{ end }}{{ $x }}', { l: [5, 6] }, '6'],
    ['{{ $x := "outer" }}{{ if true }}{{ $x := "inner" }}{{ $x }}{{ end }} {{ $x }}', {}, 'inner outer'],
  ])('renders %s', (text, data, expected) => {
    expect(run(text, data)).toBe(expected);
  });

  it('refuses to range over a number from JSON', () => {
    expect(failure('{{ range .n }}{{ end }}', { n: 1.5 })).toContain("range can't iterate over 1.5");
  });
});

describe('define, template and block', () => {
  it('invokes a defined template with a new dot and $', () => {
    expect(run('{{ define "t" }}<{{ . }}|{{ $ }}>{{ end }}{{ template "t" .a }}', { a: 'x' })).toBe('<x|x>');
  });

  it('renders a block in place', () => {
    expect(run('{{ block "b" .a }}[{{ . }}]{{ end }}', { a: 1 })).toBe('[1]');
  });

  it('fails on an undefined template', () => {
    expect(failure('{{ template "nope" }}')).toContain('template "nope" not defined');
  });

  it('stops unbounded recursion with a typed error', () => {
    expect(failure('{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}')).toContain(
      'exceeded maximum template depth',
    );
  });
});

describe('builtin functions', () => {
  const data = { Input: { n: 1, s: 'abc', l: [1, 2, 3], m: { 'X-Name': ['v'] }, h: 'héllo' } };

  it.each([
    ['{{ and 1 0 2 }} {{ and 1 2 }} {{ or 0 "" "x" }} {{ or 0 "" }}', '0 2 x '],
    ['{{ and false (fail "not evaluated") }}', 'false'],
    ['{{ or true (fail "not evaluated") }}', 'true'],
    ['{{ not 0 }} {{ not "x" }}', 'true false'],
    ['{{ len .Input.s }} {{ len .Input.l }} {{ len .Input.m }} {{ len .Input.h }}', '3 3 1 6'],
    ['{{ index .Input.m "X-Name" }} {{ index .Input.l 1 }} {{ index .Input.m "X-Name" 0 }}', '[v] 2 v'],
    ['{{ index .Input.m "none" }}', '<no value>'],
    ['{{ index .Input.s 0 }}', '97'],
    ['{{ slice .Input.l 1 }} {{ slice .Input.l 1 2 }}', '[2 3] [2]'],
    ['{{ eq .Input.n 1.0 }} {{ eq .Input.s "x" "abc" }} {{ ne .Input.s "abc" }}', 'true true false'],
    ['{{ eq 1 1 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1.5 2.5 }}', 'true true true true false'],
    ['{{ eq .Input.missing "x" }} {{ eq .Input.missing nil }}', 'false true'],
    ['{{ print 1 2 "a" "b" 3 }}', '1 2ab3'],
    ['{{ println "a" 1 }}', 'a 1\n'],
    ['{{ printf "%s-%d-%v" "a" 3 .Input.n }}', 'a-3-1'],
    ['{{ printf "%d" .Input.n }}', '%!d(float64=1)'],
    ['{{ html "<a href=\'x\'>&</a>" }}', '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;'],
    ['{{ js "it\'s <b>" }}', "it\\'s \\u003Cb\\u003E"],
    ['{{ urlquery "a b&c=d/é" }}', 'a+b%26c%3Dd%2F%C3%A9'],
    ['{{ .Input.s | printf "%s!" }}', 'abc!'],
  ])('renders %s', (text, expected) => {
    expect(run(text, data)).toBe(expected);
  });

  it.each([
    ['{{ eq .Input.n 1 }}', 'error calling eq: incompatible types for comparison'],
    ['{{ lt .Input.l 1 }}', 'error calling lt: invalid type for comparison'],
    ['{{ eq .Input.l .Input.l }}', 'non-comparable type'],
    ['{{ index .Input.l 5 }}', 'error calling index: index out of range: 5'],
    ['{{ index .Input.l .Input.n }}', 'cannot index slice/array with type float64'],
    ['{{ len .Input.n }}', 'error calling len: len of type float64'],
    ['{{ call .Input.n }}', 'error calling call'],
    ['{{ slice .Input.s 1 }}', 'error calling slice: list should be type of slice or array but string'],
    ['{{ 3 4 }}', "can't give argument to non-function 3"],
    ['{{ nil }}', 'nil is not a command'],
    ['{{ upper 3 }}', 'expected string; found 3'],
    ['{{ repeat .Input.n "x" }}', 'wrong type for value; expected int; got float64'],
    ['{{ repeat (add 1 1) "x" }}', 'wrong type for value; expected int; got int64'],
    ['{{ upper }}', 'wrong number of args for upper: want 1 got 0'],
    ['{{ upper "a" "b" }}', 'wrong number of args for upper: want 1 got 2'],
  ])('fails %s like Go', (text, message) => {
    expect(failure(text, data)).toContain(message);
  });
});

describe('parse errors', () => {
  it.each([
    ['{{ no }}', 'template: template:1: function "no" not defined'],
    ['{{ .a', 'unclosed action'],
    ['{{ if .a }}x', 'unexpected EOF'],
    ['{{ end }}', 'unexpected {{end}}'],
    ['{{ else }}', 'unexpected {{else}}'],
    ['{{ $x }}', 'undefined variable "$x"'],
    ['{{ "abc }}', 'unterminated quoted string'],
    ['{{ ( 1 }}', 'unclosed left paren'],
    ['{{ 1 ) }}', 'unexpected right paren'],
    ['{{ break }}', '{{break}} outside {{range}}'],
    ['{{ }}', 'missing value for command'],
    ['{{ | upper }}', 'unexpected "|" in command'],
    ['{{ "a" | "b" }}', 'non executable command in pipeline stage 2'],
    ['{{ 3x }}', 'bad number syntax'],
    ['{{ 99999999999999999999 }}', 'integer overflow'],
    ['{{/* unclosed', 'unclosed comment'],
    ['{{ .a# }}', 'bad character'],
    ['{{ $x, $y := 1 }}', 'too many declarations in command'],
    ['{{ range $a, $b, $c := . }}{{ end }}', 'too many declarations in range'],
    ['{{ "x".y }}', 'unexpected . after term'],
    ['{{ define "a" }}{{ else }}{{ end }}', 'unexpected {{else}} in define clause'],
  ])('rejects %j', (text, message) => {
    expect(() => compileTemplate(text)).toThrowError(ExpressionError);
    expect(() => compileTemplate(text)).toThrowError(message);
  });
});

describe('refused functions', () => {
  it.each(['{{ env "HOME" }}', '{{ "$HOME" | expandenv }}'])('refuses %s at compile time', (text) => {
    expect(() => compileTemplate(text)).toThrowError(
      /refused: templates may not read the process environment/,
    );
  });

  it('lists refused functions for the linter', () => {
    expect(
      usesForbiddenFunctions('{{ env "A" }} {{ upper "x" }} {{ expandenv "$B" }} {{ env "C" }}'),
    ).toEqual(['env', 'expandenv']);
    expect(usesForbiddenFunctions('{{ .Input.env }} {{ "env" }}')).toEqual([]);
  });

  it('names an upstream function that Outrigger does not provide', () => {
    expect(() => compileTemplate('{{ genCA "x" 3 }}')).toThrowError('function "genCA" is not supported');
  });
});

describe('the article template', () => {
  it('keeps the branch name of a push', () => {
    // Prepare
    const t = compileTemplate('refs/heads/{{ .Input.body.ref | replace "refs/heads/" "" }}');
    // Act
    const out = t.execute({ Input: { body: { ref: 'refs/heads/feature/x' } } });
    // Assess
    expect(out).toBe('refs/heads/feature/x');
  });
});

describe('number types', () => {
  it('keeps Go ints (sprig results, literals) apart from float64 data', () => {
    const out = run('{{ add 1 1000000 }} {{ .Input.n }} {{ 1000000 }} {{ 1e6 }} {{ int .Input.n }}', {
      Input: { n: 1000001 },
    });
    expect(out).toBe('1000001 1.000001e+06 1000000 1e+06 1000001');
  });
});
