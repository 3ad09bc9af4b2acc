import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../../lib/errors.ts';
import { compileTemplate } from '../../../lib/expr/template/index.ts';

const data = {
  Input: {
    s: 'Hello World',
    n: 3.7,
    big: 1000001,
    l: ['b', 'a', 'c'],
    nums: [1, 2, 2, 3],
    m: { a: 1, b: { c: 'deep' } },
    empty: '',
    zero: 0,
    nil: null,
    json: '{"x":[1,2],"y":"z"}',
  },
};
const run = (text: string): string => compileTemplate(text).execute(data);

describe('sprig strings', () => {
  it.each([
    ['{{ trim "  a b \\n" }}', 'a b'],
    ['{{ trimAll "$" "$$5.00$" }}', '5.00'],
    ['{{ trimSuffix "-" "hello-" }} {{ trimPrefix "-" "-hello" }}', 'hello hello'],
    ['{{ upper "hello" }} {{ lower "HELLO" }}', 'HELLO hello'],
    ['{{ title "hello world-wide" }} {{ untitle "Hello World" }}', 'Hello World-Wide hello world'],
    ['{{ repeat 3 "ab" }}', 'ababab'],
    [
      '{{ substr 0 5 "hello world" }}|{{ substr 6 -1 "hello world" }}|{{ substr 6 100 "hello world" }}',
      'hello|world|world',
    ],
    ['{{ nospace "h e l\\tlo" }}', 'hello'],
    ['{{ trunc 5 "hello world" }}|{{ trunc -5 "hello world" }}|{{ trunc 50 "hi" }}', 'hello|world|hi'],
    [
      '{{ abbrev 5 "hello world" }}|{{ abbrev 3 "hello world" }}|{{ abbrevboth 5 10 "1234 5678 9123" }}',
      'he...|hello world|...5678...',
    ],
    ['{{ initials "First Try" }}', 'FT'],
    ['{{ wrap 5 "Hello World" }}', 'Hello\nWorld'],
    ['{{ wrapWith 5 "\\t" "Hello World" }}', 'Hello\tWorld'],
    [
      '{{ contains "cat" "catch" }} {{ hasPrefix "cat" "catch" }} {{ hasSuffix "ch" "catch" }}',
      'true true true',
    ],
    ['{{ quote "a" 1 .Input.nil }} {{ squote "a" 2 }}', '"a" "1" \'a\' \'2\''],
    ['{{ cat "hello" "beautiful" "world" .Input.nil 3 }}', 'hello beautiful world 3'],
    ['{{ indent 2 "a\\nb" }}|{{ nindent 2 "a" }}', '  a\n  b|\n  a'],
    ['{{ replace " " "-" "I Am Henry" }}', 'I-Am-Henry'],
    ['{{ plural "one" "many" 1 }} {{ plural "one" "many" 2 }}', 'one many'],
    [
      '{{ snakecase "FirstName" }} {{ snakecase "HTTPServer" }} {{ snakecase "GO PATH" }}',
      'first_name http_server go_path',
    ],
    ['{{ camelcase "http_server" }} {{ camelcase "_complex__case_" }}', 'HttpServer _Complex_Case_'],
    ['{{ kebabcase "FirstName" }} {{ kebabcase "HTTP20xOK" }}', 'first-name http-20x-ok'],
    ['{{ swapcase "This Is A.Test" }}', 'tHIS iS a.tEST'],
    ['{{ split "$" "foo$bar$baz" }}', 'map[_0:foo _1:bar _2:baz]'],
    ['{{ (split "$" "foo$bar")._1 }}'.replace('\\_', '_'), 'bar'],
    ['{{ splitList "," "a,b,c" }} {{ splitn "$" 2 "foo$bar$baz" }}', '[a b c] map[_0:foo _1:bar$baz]'],
    ['{{ join "-" .Input.l }} {{ join "," (list 1 nil "x") }}', 'b-a-c 1,x'],
    ['{{ sortAlpha .Input.l }} {{ sortAlpha "x" }}', '[a b c] [x]'],
    [
      '{{ toString 1.5 }} {{ toString .Input.big }} {{ toStrings (list 1 "a" nil) }}',
      '1.5 1.000001e+06 [1 a]',
    ],
    ['{{ randAlphaNum 8 | len }} {{ randNumeric 4 | len }} {{ shuffle "abc" | len }}', '8 4 3'],
  ])('renders %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });

  it('fails like Go when substr reaches past the end', () => {
    expect(() => run('{{ substr -1 50 "abc" }}')).toThrowError(/slice bounds out of range/);
  });
});

describe('sprig conversion and math', () => {
  it.each([
    ['{{ atoi "42" }} {{ atoi "x" }} {{ atoi "1.5" }}', '42 0 0'],
    ['{{ int .Input.n }} {{ int64 "0x1F" }} {{ int "3.00" }} {{ int "3.5" }} {{ int true }}', '3 31 3 0 1'],
    ['{{ float64 "1.5" }} {{ float64 "x" }} {{ float64 3 }}', '1.5 0 3'],
    ['{{ toDecimal "0777" }} {{ toDecimal 777 }}', '511 511'],
    [
      '{{ add 1 2 3 }} {{ add1 .Input.n }} {{ sub 5 .Input.n }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ mod 7 3 }}',
      '6 4 2 24 3 1',
    ],
    ['{{ add 1 1000000 }} {{ add .Input.big 0 }}', '1000001 1000001'],
    ['{{ max 1 5 3 }} {{ min 4 2 9 }} {{ biggest 1 2 }}', '5 2 2'],
    ['{{ maxf 1.5 2.5 }} {{ minf 1.5 -2.5 }}', '2.5 -2.5'],
    [
      '{{ addf 1.1 2.2 }} {{ add1f 1.5 }} {{ subf 1.5 0.2 }} {{ mulf 1.1 3 }} {{ divf 10 4 }}',
      '3.3 2.5 1.3 3.3 2.5',
    ],
    [
      '{{ floor 1.7 }} {{ ceil 1.2 }} {{ round 3.14159 2 }} {{ round 2.5 0 }} {{ round 1.234 1 0.3 }}',
      '1 2 3.14 3 1.3',
    ],
    [
      '{{ until 3 }} {{ untilStep 0 10 4 }} {{ seq 3 }} {{ seq 2 -1 }} {{ seq 0 2 6 }}',
      '[0 1 2] [0 4 8] 1 2 3 2 1 0 -1 0 2 4 6',
    ],
  ])('renders %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });

  it('reports integer division by zero as Go recovers it', () => {
    expect(() => run('{{ div 1 0 }}')).toThrowError(
      'error calling div: runtime error: integer divide by zero',
    );
  });

  it('refuses to build an unbounded list', () => {
    expect(() => run('{{ until 100000000 }}')).toThrowError(ExpressionError);
  });
});

describe('sprig defaults and flow', () => {
  it.each([
    [
      '{{ default "d" .Input.missing }} {{ default "d" .Input.empty }} {{ default "d" .Input.zero }} {{ default "d" "v" }}',
      'd d d v',
    ],
    ['{{ .Input.missing | default "piped" }}', 'piped'],
    [
      '{{ empty .Input.empty }} {{ empty .Input.l }} {{ empty .Input.nil }} {{ empty .Input.missing }}',
      'true false true true',
    ],
    ['{{ coalesce .Input.empty .Input.zero "x" }} {{ coalesce .Input.nil }}', 'x <no value>'],
    ['{{ all 1 "a" }} {{ all 1 "" }} {{ any 0 "" "x" }} {{ any }}', 'true false true false'],
    ['{{ ternary "yes" "no" true }} {{ true | ternary "yes" "no" }}', 'yes yes'],
  ])('renders %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });

  it('fails a template on purpose with fail', () => {
    expect(() => run('{{ fail "boom" }}')).toThrowError('error calling fail: boom');
  });
});

describe('sprig lists', () => {
  it.each([
    ['{{ list 1 "a" }} {{ tuple 1 }}', '[1 a] [1]'],
    [
      '{{ first .Input.l }} {{ last .Input.l }} {{ rest .Input.l }} {{ initial .Input.l }}',
      'b c [a c] [b a]',
    ],
    ['{{ first (list) }}', '<no value>'],
    ['{{ append .Input.l "d" }} {{ push (list) 1 }} {{ prepend .Input.l "z" }}', '[b a c d] [1] [z b a c]'],
    ['{{ concat .Input.l (list 1) }} {{ reverse .Input.l }}', '[b a c 1] [c a b]'],
    [
      '{{ uniq .Input.nums }} {{ without .Input.nums 2.0 }} {{ has 3.0 .Input.nums }} {{ has 3 .Input.nums }}',
      '[1 2 3] [1 3] true false',
    ],
    ['{{ compact (list 1 "" 0 "a" nil) }}', '[1 a]'],
    ['{{ slice .Input.l 1 }} {{ slice .Input.l 0 2 }}', '[a c] [b a]'],
    ['{{ chunk 2 .Input.nums }}', '[[1 2] [2 3]]'],
  ])('renders %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });

  it('fails like sprig on a non-list', () => {
    expect(() => run('{{ first "abc" }}')).toThrowError(
      'error calling first: Cannot find first on type string',
    );
  });
});

describe('sprig dicts', () => {
  it.each([
    ['{{ dict "a" 1 "b" "x" "odd" }}', 'map[a:1 b:x odd:]'],
    ['{{ get .Input.m "a" }} {{ get .Input.m "none" }}|', '1 |'],
    ['{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ $d }} {{ unset $d "a" }}', 'map[a:1 b:2] map[b:2]'],
    ['{{ hasKey .Input.m "a" }} {{ hasKey .Input.m "z" }}', 'true false'],
    ['{{ pluck "a" (dict "a" 1) (dict "b" 2) (dict "a" 3) }}', '[1 3]'],
    ['{{ keys (dict "b" 1 "a" 2) }} {{ values (dict "b" 1 "a" 2) }}', '[a b] [2 1]'],
    ['{{ pick .Input.m "a" }} {{ omit .Input.m "a" }}', 'map[a:1] map[b:map[c:deep]]'],
    [
      '{{ merge (dict "a" 1 "n" (dict "x" 1)) (dict "a" 2 "b" 3 "n" (dict "y" 2)) }}',
      'map[a:1 b:3 n:map[x:1 y:2]]',
    ],
    ['{{ mergeOverwrite (dict "a" 1) (dict "a" 2 "b" 3) }}', 'map[a:2 b:3]'],
    ['{{ dig "b" "c" "def" .Input.m }} {{ dig "b" "z" "def" .Input.m }}', 'deep def'],
    ['{{ deepCopy .Input.m }}', 'map[a:1 b:map[c:deep]]'],
  ])('renders %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });
});

describe('sprig encoding and JSON', () => {
  it.each([
    ['{{ b64enc "hello world" }} {{ b64dec "aGVsbG8gd29ybGQ=" }}', 'aGVsbG8gd29ybGQ= hello world'],
    ['{{ b64dec "aGVsbG8gd29ybGQ" }}', 'illegal base64 data at input byte 12'],
    ['{{ b64dec "a$==" }}', 'illegal base64 data at input byte 1'],
    ['{{ b32enc "hello" }} {{ b32dec "NBSWY3DP" }} {{ b32enc "a" }}', 'NBSWY3DP hello ME======'],
    ['{{ toJson .Input.m }}', '{"a":1,"b":{"c":"deep"}}'],
    ['{{ toJson "<&>" }} {{ toRawJson "<&>" }}', '"\\u003c\\u0026\\u003e" "<&>"'],
    ['{{ toJson (list 1 1.5 1e21 nil true) }}', '[1,1.5,1e+21,null,true]'],
    ['{{ toPrettyJson (dict "a" (list 1)) }}', '{\n  "a": [\n    1\n  ]\n}'],
    [
      '{{ (fromJson .Input.json).y }} {{ (fromJson .Input.json).x }} {{ fromJson "bad" }}',
      'z [1 2] <no value>',
    ],
  ])('renders %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });

  it('reports invalid JSON from mustFromJson', () => {
    expect(() => run('{{ mustFromJson "{" }}')).toThrowError(/error calling mustFromJson/);
  });
});

describe('sprig regex (RE2)', () => {
  it.each([
    ['{{ regexMatch "^[a-z]+$" "abc" }} {{ regexMatch "(" "x" }}', 'true false'],
    ['{{ regexFindAll "[2,4,6,8]" "123456789" -1 }} {{ regexFindAll "x" "abc" -1 }}', '[2 4 6 8] []'],
    ['{{ regexFind "[a-zA-Z][1-9]" "abcd1234" }}', 'd1'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go regexp replacement syntax, not a JS template.
    ['{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}', '-W-xxW-'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go regexp replacement syntax, not a JS template.
    ['{{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}', '-${1}-${1}-'],
    ['{{ regexSplit "z+" "pizza" -1 }}', '[pi a]'],
    ['{{ regexQuoteMeta "1.2.3" }}', '1\\.2\\.3'],
  ])('renders %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });

  it('fails like MustCompile on an invalid pattern', () => {
    expect(() => run('{{ regexFind "(" "x" }}')).toThrowError(
      /error calling regexFind: regexp: Compile\(`\(`\)/,
    );
  });
});

describe('sprig hashes, uuid, paths and reflection', () => {
  it.each([
    ['{{ sha1sum "Hello world!" }}', 'd3486ae9136e7856bc42212385ea797094475802'],
    ['{{ sha256sum "Hello world!" }}', 'c0535e4be2b79ffd93291305436bf889314e4a3faec05ecffcbb7df31ad9e51a'],
    ['{{ adler32sum "Hello world!" }}', '487130206'],
    ['{{ sha512sum "" | len }}', '128'],
    ['{{ uuidv4 | len }}', '36'],
    [
      '{{ base "a/b/c.txt" }} {{ dir "a/b/c.txt" }} {{ ext "a/b/c.txt" }} {{ clean "a//b/../c/" }} {{ isAbs "/x" }}',
      'c.txt a/b .txt a/c true',
    ],
    ['{{ base "" }} {{ base "/" }} {{ dir "x" }} {{ clean "/../a" }} {{ clean "../a" }}', '. / . /a ../a'],
    [
      '{{ typeOf 1 }} {{ typeOf 1.5 }} {{ typeOf .Input.l }} {{ typeOf .Input.m }} {{ typeOf (add 1 1) }}',
      'int float64 []interface {} map[string]interface {} int64',
    ],
    [
      '{{ kindOf "x" }} {{ kindOf .Input.l }} {{ kindIs "map" .Input.m }} {{ typeIs "string" "x" }}',
      'string slice true true',
    ],
    ['{{ deepEqual .Input.l (list "b" "a" "c") }}', 'true'],
  ])('renders %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });
});

describe('sprig dates', () => {
  it.each([
    ['{{ toDate "2006-01-02" "2024-03-05" | date "2006-01-02" }}', '2024-03-05'],
    [
      '{{ dateInZone "2006-01-02T15:04:05Z07:00" (toDate "2006-01-02T15:04:05Z07:00" "2024-03-05T10:20:30Z") "UTC" }}',
      '2024-03-05T10:20:30Z',
    ],
    [
      '{{ dateInZone "Mon Jan _2 15:04:05 MST 2006" (toDate "2006-01-02 15:04" "2024-03-05 10:20") "UTC" }}',
      'Tue Mar  5 10:20:00 UTC 2024',
    ],
    [
      '{{ dateInZone "3:04PM .000" (toDate "2006-01-02T15:04:05.000Z" "2024-03-05T15:20:30.123Z") "UTC" }}',
      '3:20PM .123',
    ],
    [
      '{{ dateInZone "2006-01-02 15:04 MST" (toDate "2006-01-02T15:04:05Z07:00" "2024-07-01T12:00:00Z") "America/New_York" }}',
      '2024-07-01 08:00 EDT',
    ],
    ['{{ dateInZone "2006-01-02" 86400 "UTC" }}', '1970-01-02'],
    ['{{ toDate "2006-01-02T15:04:05Z07:00" "2024-03-05T10:20:30Z" | unixEpoch }}', '1709634030'],
    ['{{ toDate "2006-01-02" "garbage" | unixEpoch }}', '-62135596800'],
    [
      '{{ dateModify "1h30m" (toDate "2006-01-02T15:04:05Z07:00" "2024-03-05T10:20:30Z") | unixEpoch }}',
      '1709639430',
    ],
    ['{{ duration "95" }} {{ duration 95 }}', '1m35s 0s'],
    ['{{ now | date "2006" | len }}', '4'],
  ])('renders %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });
});
