/**
 * Go `regexp` (RE2) semantics for filters, `=~`, `matches` and sprig's `regex*` functions.
 *
 * Event data is untrusted, so matching must stay linear in the input: RE2JS is a port of Go's engine (no
 * backtracking, no look-around). The match-iteration rules below follow Go's `regexp.go` (`allMatches`,
 * `replaceAll`, `Split`, `expand`), which differ from JavaScript's and Java's in how empty matches are
 * treated, so they are written here rather than taken from RE2JS's Java-shaped helpers.
 *
 * @example
 * const re = compileRegex('(?i)^refs/heads/(?P<branch>.+)$');
 * re.test('refs/heads/main'); // true
 * re.replaceAll('refs/heads/main', 'branch=${branch}'); // 'branch=main'
 */
import { RE2JS, RE2JSException } from 're2js';
import { ErrorCode, OutriggerError } from '../errors.ts';

/** An invalid regular expression; `reason` is RE2's message, as Go's `regexp.Compile` prints it. */
export class RegexSyntaxError extends OutriggerError {
  readonly pattern: string;

  constructor(pattern: string, reason: string, cause?: unknown) {
    super(ErrorCode.ExpressionInvalid, reason, { statusCode: 400, expose: true, cause });
    this.pattern = pattern;
  }
}

/** A compiled RE2 pattern with Go's `regexp.Regexp` methods (strings, not byte offsets). */
export interface CompiledRegex {
  /** The pattern as written. */
  readonly source: string;
  /** Go `MatchString`: true when the pattern matches anywhere in `s` (unanchored). */
  test(s: string): boolean;
  /** Go `FindString`: the leftmost match, or undefined when there is none. */
  find(s: string): string | undefined;
  /** Go `FindStringSubmatch`: the leftmost match and its groups ('' for a group that did not take part). */
  findSubmatch(s: string): string[] | undefined;
  /** Go `FindAllString(s, n)`: successive non-overlapping matches; `n < 0` means all. */
  findAll(s: string, n?: number): string[];
  /** Go `FindAllStringSubmatch(s, n)`. */
  findAllSubmatch(s: string, n?: number): string[][];
  /** Go `ReplaceAllString`: `$1`, `${1}`, `$name`, `${name}` and `$$` are expanded as Go's `Expand`. */
  replaceAll(s: string, template: string): string;
  /** Go `ReplaceAllLiteralString`: the replacement is inserted verbatim. */
  replaceAllLiteral(s: string, replacement: string): string;
  /** Go `Split(s, n)`. */
  split(s: string, n?: number): string[];
  /** Number of capturing groups. */
  readonly groupCount: number;
  /** Names of the capturing groups by index (index 0 is the whole match and is ''). */
  readonly groupNames: readonly string[];
}

/** Spans of one match: `[start0, end0, start1, end1, …]` in UTF-16 units, -1 for an unmatched group. */
type Spans = number[];

const CACHE_LIMIT = 512;
const cache = new Map<string, CompiledRegex>();

/** Compiles `pattern` with Go's RE2 syntax (cached); throws `RegexSyntaxError` with RE2's message. */
export function compileRegex(pattern: string): CompiledRegex {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  const compiled = new Re2Regex(pattern, compileRe2(pattern));
  if (cache.size >= CACHE_LIMIT) {
    // Maps iterate in insertion order: drop the oldest entry.
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(pattern, compiled);
  return compiled;
}

/** Returns RE2's error message for an invalid `pattern`, or undefined when it compiles. */
export function checkRegex(pattern: string): string | undefined {
  try {
    compileRegex(pattern);
    return undefined;
  } catch (err) {
    if (err instanceof RegexSyntaxError) return err.message;
    throw err;
  }
}

/** Go `regexp.QuoteMeta`: escapes every RE2 metacharacter so the text matches literally. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

function compileRe2(pattern: string): RE2JS {
  try {
    // Flags 0: Go's default Perl syntax (no DOTALL, no MULTILINE, no look-behinds).
    return RE2JS.compile(pattern, 0);
  } catch (err) {
    if (err instanceof RE2JSException) throw new RegexSyntaxError(pattern, err.message, err);
    throw new RegexSyntaxError(pattern, `error parsing regexp: ${String(err)}`, err);
  }
}

class Re2Regex implements CompiledRegex {
  readonly source: string;
  readonly groupCount: number;
  readonly groupNames: readonly string[];
  readonly #re: RE2JS;

  constructor(source: string, re: RE2JS) {
    this.source = source;
    this.#re = re;
    this.groupCount = re.groupCount();
    const names = new Array<string>(this.groupCount + 1).fill('');
    for (const [name, index] of Object.entries(re.namedGroups())) names[index] = name;
    this.groupNames = names;
  }

  test(s: string): boolean {
    return this.#re.test(s);
  }

  find(s: string): string | undefined {
    const spans = this.#execute(s, 0);
    return spans === undefined ? undefined : slice(s, spans, 0);
  }

  findSubmatch(s: string): string[] | undefined {
    const spans = this.#execute(s, 0);
    return spans === undefined ? undefined : this.#groups(s, spans);
  }

  findAll(s: string, n = -1): string[] {
    return this.#allMatches(s, n).map((spans) => slice(s, spans, 0));
  }

  findAllSubmatch(s: string, n = -1): string[][] {
    return this.#allMatches(s, n).map((spans) => this.#groups(s, spans));
  }

  replaceAll(s: string, template: string): string {
    return this.#replace(s, (spans) => this.#expand(template, s, spans));
  }

  replaceAllLiteral(s: string, replacement: string): string {
    return this.#replace(s, () => replacement);
  }

  split(s: string, n = -1): string[] {
    if (n === 0) return [];
    if (this.source.length > 0 && s.length === 0) return [''];
    const parts: string[] = [];
    let begin = 0;
    let end = 0;
    for (const spans of this.#allMatches(s, n)) {
      if (n > 0 && parts.length === n - 1) break;
      end = at(spans, 0);
      if (at(spans, 1) !== 0) parts.push(s.slice(begin, end));
      begin = at(spans, 1);
    }
    if (end !== s.length) parts.push(s.slice(begin));
    return parts;
  }

  /** One unanchored search starting at `pos`; the text before `pos` still counts for `^` and `\b`. */
  #execute(s: string, pos: number): Spans | undefined {
    const matcher = this.#re.matcher(s);
    if (!matcher.find(pos)) return undefined;
    const spans: Spans = [];
    for (let g = 0; g <= this.groupCount; g++) spans.push(matcher.start(g), matcher.end(g));
    return spans;
  }

  // Go's allMatches: an empty match right after the previous match is skipped, and the search then
  // advances one code point.
  #allMatches(s: string, n: number): Spans[] {
    const limit = n < 0 ? s.length + 1 : n;
    const out: Spans[] = [];
    let prevEnd = -1;
    for (let pos = 0; out.length < limit && pos <= s.length; ) {
      const spans = this.#execute(s, pos);
      if (spans === undefined) break;
      const start = at(spans, 0);
      const end = at(spans, 1);
      let accept = true;
      if (end === pos) {
        if (start === prevEnd) accept = false;
        pos += codePointWidth(s, pos);
      } else {
        pos = end;
      }
      prevEnd = end;
      if (accept) out.push(spans);
    }
    return out;
  }

  // Go's replaceAll: no replacement for an empty match immediately after another match.
  #replace(s: string, replacement: (spans: Spans) => string): string {
    let out = '';
    let lastEnd = 0;
    for (let pos = 0; pos <= s.length; ) {
      const spans = this.#execute(s, pos);
      if (spans === undefined) break;
      const start = at(spans, 0);
      const end = at(spans, 1);
      out += s.slice(lastEnd, start);
      if (end > lastEnd || start === 0) out += replacement(spans);
      lastEnd = end;
      const width = codePointWidth(s, pos);
      if (pos + width > end) pos += width;
      else if (pos + 1 > end) pos += 1;
      else pos = end;
    }
    return out + s.slice(lastEnd);
  }

  #groups(s: string, spans: Spans): string[] {
    const out: string[] = [];
    for (let g = 0; g <= this.groupCount; g++) out.push(slice(s, spans, g));
    return out;
  }

  // Go's Regexp.expand: `$$` is `$`; `$name`/`${name}` take the longest run of letters, digits and `_`;
  // an all-digit name is a group number; unknown or unmatched groups expand to ''; a malformed `$` stays.
  #expand(template: string, s: string, spans: Spans): string {
    let out = '';
    let rest = template;
    for (;;) {
      const dollar = rest.indexOf('$');
      if (dollar < 0) break;
      out += rest.slice(0, dollar);
      rest = rest.slice(dollar + 1);
      if (rest.startsWith('$')) {
        out += '$';
        rest = rest.slice(1);
        continue;
      }
      const ref = extractReference(rest);
      if (ref === undefined) {
        out += '$';
        continue;
      }
      rest = ref.rest;
      const index = ref.num >= 0 ? ref.num : this.groupNames.indexOf(ref.name);
      if (index >= 0 && index <= this.groupCount && at(spans, 2 * index) >= 0) out += slice(s, spans, index);
    }
    return out + rest;
  }
}

function extractReference(str: string): { name: string; num: number; rest: string } | undefined {
  const match = /^(\{?)([\p{L}\p{Nd}_]+)/u.exec(str);
  if (match === null) return undefined;
  const brace = match[1] === '{';
  const name = match[2] ?? '';
  let consumed = match[0].length;
  if (brace) {
    if (str[consumed] !== '}') return undefined;
    consumed++;
  }
  let num = -1;
  if (/^[0-9]+$/.test(name) && !(name.length > 1 && name.startsWith('0')) && name.length <= 9) {
    num = Number(name);
  }
  return { name, num, rest: str.slice(consumed) };
}

function at(spans: Spans, i: number): number {
  return spans[i] ?? -1;
}

function slice(s: string, spans: Spans, group: number): string {
  const start = at(spans, 2 * group);
  return start < 0 ? '' : s.slice(start, at(spans, 2 * group + 1));
}

function codePointWidth(s: string, pos: number): number {
  if (pos >= s.length) return 1;
  const code = s.codePointAt(pos) ?? 0;
  return code > 0xffff ? 2 : 1;
}
