import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../lib/errors.ts';
import { checkRegex, compileRegex, quoteMeta, RegexSyntaxError } from '../../lib/expr/regex.ts';

// Expected values come from the examples in Go's `regexp` package documentation (example_test.go).
describe('compileRegex', () => {
  it('matches anywhere in the text, like Go MatchString', () => {
    // Prepare
    const re = compileRegex('labeled');

    // Act
    const results = [re.test('unlabeled'), re.test('labeled'), re.test('label')];

    // Assess
    expect(results).toEqual([true, true, false]);
  });

  it('honours the Go inline case-insensitive flag', () => {
    // Prepare
    const re = compileRegex('(?i)^main$');

    // Act
    const results = [re.test('MAIN'), re.test('Main'), re.test('mainline')];

    // Assess
    expect(results).toEqual([true, true, false]);
  });

  it('understands Unicode classes such as \\pL and \\p{Greek}', () => {
    // Prepare
    const letters = compileRegex('^\\pL+$');
    const greek = compileRegex('^\\p{Greek}+$');

    // Act
    const results = [letters.test('héllo'), letters.test('h3llo'), greek.test('αβγ'), greek.test('abc')];

    // Assess
    expect(results).toEqual([true, false, true, false]);
  });

  it('treats a dot as any character but newline, as Go does without (?s)', () => {
    // Prepare
    const plain = compileRegex('^a.b$');
    const dotAll = compileRegex('(?s)^a.b$');

    // Act
    const results = [plain.test('a\nb'), dotAll.test('a\nb'), plain.test('a😀b')];

    // Assess
    expect(results).toEqual([false, true, true]);
  });

  it('reports named groups written (?P<name>…) and (?<name>…)', () => {
    // Prepare
    const re = compileRegex('(?P<year>\\d{4})-(?<month>\\d{2})');

    // Act
    const groups = re.findSubmatch('on 2024-05');

    // Assess
    expect(groups).toEqual(['2024-05', '2024', '05']);
    expect(re.groupNames).toEqual(['', 'year', 'month']);
    expect(re.groupCount).toBe(2);
  });

  it('refuses look-ahead with RE2s message and a typed error', () => {
    // Prepare
    const pattern = 'foo(?=bar)';

    // Act
    const attempt = () => compileRegex(pattern);

    // Assess
    expect(attempt).toThrow(RegexSyntaxError);
    expect(attempt).toThrow('error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
    try {
      attempt();
    } catch (err) {
      expect((err as RegexSyntaxError).code).toBe(ErrorCode.ExpressionInvalid);
      expect((err as RegexSyntaxError).pattern).toBe(pattern);
    }
  });

  it.each([
    ['(a', 'error parsing regexp: missing closing ): `(a`'],
    ['a**', 'error parsing regexp: invalid nested repetition operator: `**`'],
    ['[z-a]', 'error parsing regexp: invalid character class range: `z-a`'],
    ['a{1001}', 'error parsing regexp: invalid repeat count: `{1001}`'],
    ['\\Z', 'error parsing regexp: invalid escape sequence: `\\Z`'],
    ['(?<=a)b', 'error parsing regexp: invalid named capture: `(?<=a)b`'],
  ])('refuses %s as Go does', (pattern, message) => {
    // Prepare, Act
    const reason = checkRegex(pattern);

    // Assess
    expect(reason).toBe(message);
  });

  it('returns the same compiled object for a pattern seen before', () => {
    // Prepare
    const first = compileRegex('cache-me-[0-9]+');

    // Act
    const second = compileRegex('cache-me-[0-9]+');

    // Assess
    expect(second).toBe(first);
  });

  it('keeps working after more distinct patterns than the cache holds', () => {
    // Prepare
    const patterns = Array.from({ length: 700 }, (_, i) => `^p${i}$`);

    // Act
    const results = patterns.map((p, i) => compileRegex(p).test(`p${i}`));

    // Assess
    expect(results.every(Boolean)).toBe(true);
    expect(compileRegex('^p0$').test('p0')).toBe(true);
  });

  it('matches a pathological pattern in linear time', () => {
    // Prepare: (a+)+$ backtracks exponentially in JavaScript's RegExp on this input.
    const re = compileRegex('(a+)+$');
    const input = `${'a'.repeat(50_000)}!`;

    // Act
    const started = performance.now();
    const matched = re.test(input);
    const elapsed = performance.now() - started;

    // Assess
    expect(matched).toBe(false);
    expect(elapsed).toBeLessThan(5_000);
  });
});

describe('find and findAll', () => {
  it('finds successive non-overlapping matches and stops after n', () => {
    // Prepare
    const re = compileRegex('a.');

    // Act
    const all = re.findAll('paranormal');
    const two = re.findAll('paranormal', 2);
    const none = compileRegex('xx').findAll('graal');

    // Assess
    expect(all).toEqual(['ar', 'an', 'al']);
    expect(two).toEqual(['ar', 'an']);
    expect(none).toEqual([]);
  });

  it('skips an empty match right after a previous match, as Go does', () => {
    // Prepare
    const re = compileRegex('a*');

    // Act
    const matches = re.findAll('baaa');

    // Assess
    expect(matches).toEqual(['', 'aaa']);
  });

  it('returns the leftmost match or undefined', () => {
    // Prepare
    const re = compileRegex('fo.?');

    // Act
    const found = [re.find('seafood fool'), re.find('meat')];

    // Assess
    expect(found).toEqual(['foo', undefined]);
  });

  it('gives empty strings for groups that did not take part', () => {
    // Prepare
    const re = compileRegex('a(x*)b(y)?');

    // Act
    const all = re.findAllSubmatch('-ab-axxby-');

    // Assess
    expect(all).toEqual([
      ['ab', '', ''],
      ['axxby', 'xx', 'y'],
    ]);
  });
});

describe('replaceAll', () => {
  it.each([
    ['T', '-T-T-'],
    ['$1', '--xx-'],
    ['$1W', '---'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's Expand syntax, not a JS template
    ['${1}W', '-W-xxW-'],
    ['$$1', '-$1-$1-'],
    ['$', '-$-$-'],
  ])('expands the template %s as Go Expand does', (template, expected) => {
    // Prepare
    const re = compileRegex('a(x*)b');

    // Act
    const replaced = re.replaceAll('-ab-axxb-', template);

    // Assess
    expect(replaced).toBe(expected);
  });

  it('expands named groups', () => {
    // Prepare
    const re = compileRegex('(?P<key>\\w+)=(?P<value>\\w+)');

    // Act
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's Expand syntax, not a JS template
    const replaced = re.replaceAll('a=1 b=2', '${value}:$key');

    // Assess
    expect(replaced).toBe('1:a 2:b');
  });

  it('inserts a literal replacement verbatim', () => {
    // Prepare
    const re = compileRegex('a(x*)b');

    // Act
    const replaced = re.replaceAllLiteral('-ab-axxb-', '$1');

    // Assess
    expect(replaced).toBe('-$1-$1-');
  });

  it('replaces empty matches between characters but not right after a match', () => {
    // Prepare
    const star = compileRegex('x*');
    const aStar = compileRegex('a*');

    // Act
    const replaced = [star.replaceAll('abc', '-'), aStar.replaceAll('baaac', '-')];

    // Assess
    expect(replaced).toEqual(['-a-b-c-', '-b-c-']);
  });
});

describe('split', () => {
  it.each([
    ['a', 'banana', -1, ['b', 'n', 'n', '']],
    ['a', 'banana', 0, []],
    ['a', 'banana', 1, ['banana']],
    ['a', 'banana', 2, ['b', 'nana']],
    ['z+', 'pizza', -1, ['pi', 'a']],
    ['z+', 'pizza', 2, ['pi', 'a']],
    ['z+', '', -1, ['']],
  ])('splits with %s on %s into at most %i parts as Go does', (pattern, input, n, expected) => {
    // Prepare
    const re = compileRegex(pattern);

    // Act
    const parts = re.split(input, n);

    // Assess
    expect(parts).toEqual(expected);
  });
});

describe('quoteMeta', () => {
  it('escapes every metacharacter so the text matches itself', () => {
    // Prepare
    const text = 'Escaping $5 [a-z]+ (1.0)? {x}|^\\';

    // Act
    const quoted = quoteMeta(text);

    // Assess
    expect(quoted).toBe('Escaping \\$5 \\[a-z\\]\\+ \\(1\\.0\\)\\? \\{x\\}\\|\\^\\\\');
    expect(compileRegex(`^${quoted}$`).test(text)).toBe(true);
  });

  it('quotes any string into a pattern that matches exactly that string', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(compileRegex(`^${quoteMeta(text)}$`).test(text)).toBe(true);
      }),
    );
  });
});

describe('robustness', () => {
  it('either compiles any pattern or throws RegexSyntaxError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (pattern) => {
        try {
          compileRegex(pattern).test('sample text 123');
        } catch (err) {
          expect(err).toBeInstanceOf(RegexSyntaxError);
        }
      }),
    );
  });
});
