/**
 * sprig v3.3.0 string functions (`strings.go`, `functions.go`) with Go's byte-oriented slicing and the
 * goutils/xstrings case helpers they call.
 */
import { randomInt } from 'node:crypto';
import { quote as goQuote, sprintf } from '../fmt.ts';
import { type ExecBudget, FuncError, fn, MAX_BUILD, type TemplateFunc } from '../func.ts';
import { GoInt, mapSet, NO_VALUE, newMap, type Value } from '../value.ts';
import { strslice, strval } from './convert.ts';

const SPACE_CHARS =
  '\t\n\v\f\r \u0085\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000';

/** Go's `unicode.IsSpace`. */
export function isSpaceRune(c: string): boolean {
  return SPACE_CHARS.includes(c);
}

const isUpper = (c: string): boolean => /^\p{Lu}$/u.test(c);
const isLower = (c: string): boolean => /^\p{Ll}$/u.test(c);
const isTitle = (c: string): boolean => /^\p{Lt}$/u.test(c);

/** Go's `unicode.ToUpper` of one rune (no multi-rune expansions such as ß → SS). */
export function runeUpper(c: string): string {
  const u = c.toUpperCase();
  return Array.from(u).length === 1 ? u : c;
}

/** Go's `unicode.ToLower` of one rune. */
export function runeLower(c: string): string {
  const l = c.toLowerCase();
  return Array.from(l).length === 1 ? l : c;
}

function mapRunes(s: string, f: (c: string) => string): string {
  let out = '';
  for (const c of s) out += f(c);
  return out;
}

/** Go's `strings.TrimSpace`. */
export function trimSpace(s: string): string {
  const runes = Array.from(s);
  let a = 0;
  let b = runes.length;
  while (a < b && isSpaceRune(runes[a] as string)) a++;
  while (b > a && isSpaceRune(runes[b - 1] as string)) b--;
  return runes.slice(a, b).join('');
}

/** Go's `strings.Trim(s, cutset)`. */
function trimCutset(s: string, cutset: string): string {
  const set = new Set(Array.from(cutset));
  const runes = Array.from(s);
  let a = 0;
  let b = runes.length;
  while (a < b && set.has(runes[a] as string)) a++;
  while (b > a && set.has(runes[b - 1] as string)) b--;
  return runes.slice(a, b).join('');
}

/** Go's `strings.Title`: upper-cases the first letter of each word. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const c of s) {
    out += isSeparator(prev) ? runeUpper(c) : c;
    prev = c;
  }
  return out;
}

function isSeparator(c: string): boolean {
  const code = c.codePointAt(0) as number;
  if (code <= 0x7f) {
    if (/[0-9a-zA-Z_]/.test(c)) return false;
    return true;
  }
  if (/^[\p{L}\p{Nd}]$/u.test(c)) return false;
  return isSpaceRune(c);
}

/** goutils `Uncapitalize`: lower-cases the first rune of each whitespace-separated word. */
function untitle(s: string): string {
  let next = true;
  let out = '';
  for (const c of s) {
    if (isSpaceRune(c)) {
      next = true;
      out += c;
    } else if (next) {
      out += runeLower(c);
      next = false;
    } else {
      out += c;
    }
  }
  return out;
}

function initials(s: string): string {
  let gap = true;
  let out = '';
  for (const c of s) {
    if (isSpaceRune(c)) gap = true;
    else if (gap) {
      out += c;
      gap = false;
    }
  }
  return out;
}

function swapcase(s: string): string {
  return mapRunes(s, (c) => (isUpper(c) || isTitle(c) ? runeLower(c) : isLower(c) ? runeUpper(c) : c));
}

// ---- Byte-oriented helpers (Go strings are byte slices) ----

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** UTF-8 byte length, without encoding when the string is ASCII (the common case for event data). */
function byteLen(s: string): number {
  return isAscii(s) ? s.length : Buffer.byteLength(s, 'utf8');
}

function sliceBytes(s: string, start: number, end: number): string {
  const ascii = isAscii(s);
  const len = ascii ? s.length : Buffer.byteLength(s, 'utf8');
  if (start < 0 || end > len || start > end) {
    throw new FuncError(`runtime error: slice bounds out of range [${start}:${end}] with length ${len}`);
  }
  return ascii ? s.slice(start, end) : enc(s).subarray(start, end).toString('utf8');
}

function substring(start: number, end: number, s: string): string {
  const len = byteLen(s);
  if (start < 0) return sliceBytes(s, 0, end);
  if (end < 0 || end > len) return sliceBytes(s, start, len);
  return sliceBytes(s, start, end);
}

function trunc(c: number, s: string): string {
  const len = byteLen(s);
  if (c < 0 && len + c > 0) return sliceBytes(s, len + c, len);
  if (c >= 0 && len > c) return sliceBytes(s, 0, c);
  return s;
}

function abbreviateFull(str: string, offset: number, maxWidth: number): string {
  const len = byteLen(str);
  if (str === '') return '';
  if (maxWidth < 4) return '';
  if (len <= maxWidth) return str;
  let off = Math.min(offset, len);
  if (len - off < maxWidth - 3) off = len - (maxWidth - 3);
  if (off <= 4) return `${sliceBytes(str, 0, maxWidth - 3)}...`;
  if (maxWidth < 7) return '';
  if (off + maxWidth - 3 < len) return `...${abbreviateFull(sliceBytes(str, off, len), 0, maxWidth - 3)}`;
  return `...${sliceBytes(str, len - (maxWidth - 3), len)}`;
}

/** goutils `WrapCustom`. */
function wrapCustom(str: string, wrapLength: number, newLine: string, wrapLong: boolean): string {
  if (str === '') return '';
  const nl = newLine === '' ? '\n' : newLine;
  const width = Math.max(wrapLength, 1);
  const len = str.length;
  let offset = 0;
  let out = '';
  while (len - offset > width) {
    if (str[offset] === ' ') {
      offset++;
      continue;
    }
    const end = Math.min(width + offset + 1, len);
    const spaceAt = str.slice(offset, end).lastIndexOf(' ') + offset;
    if (spaceAt >= offset) {
      out += str.slice(offset, spaceAt) + nl;
      offset = spaceAt + 1;
    } else if (wrapLong) {
      out += str.slice(offset, width + offset) + nl;
      offset += width;
    } else {
      const e = width + offset;
      const idx = str.slice(e).indexOf(' ');
      if (idx < 0) {
        out += str.slice(offset);
        offset = len;
      } else {
        out += str.slice(offset, idx + e) + nl;
        offset = idx + e + 1;
      }
    }
  }
  return out + str.slice(offset);
}

function checkSize(n: number, budget: ExecBudget): void {
  if (n > MAX_BUILD) throw new FuncError(`result of ${n} bytes exceeds the template limit`);
  budget.charge(Math.ceil(n / 64));
}

function repeat(count: number, s: string, budget: ExecBudget): string {
  if (count < 0) throw new FuncError('strings: negative Repeat count');
  checkSize(count * s.length, budget);
  return s.repeat(count);
}

/** Go's `strings.Split` (an empty separator splits into UTF-8 sequences). */
export function goSplit(s: string, sep: string, n = -1): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const runes = Array.from(s);
    if (n > 0 && runes.length > n) return [...runes.slice(0, n - 1), runes.slice(n - 1).join('')];
    return runes;
  }
  const parts = s.split(sep);
  if (n > 0 && parts.length > n) return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
  return parts;
}

function splitMap(parts: string[]): Value {
  const m = newMap();
  parts.forEach((p, i) => {
    mapSet(m, `_${i}`, p);
  });
  return m;
}

// ---- xstrings case conversion ----

const isAlphabet = (c: string): boolean => /^[a-zA-Z]$/.test(c);
const isNumber = (c: string): boolean => /^\p{N}$/u.test(c);
const isPunct = (c: string): boolean => /^\p{P}$/u.test(c);
const isConnector = (c: string): boolean => c === '-' || c === '_' || isSpaceRune(c);

enum W {
  Invalid,
  Number,
  Upper,
  Alphabet,
  Connector,
  Punct,
  Other,
}

function nextWord(runes: string[], start: number): { wt: W; end: number } {
  const len = runes.length;
  let i = start;
  const r = runes[i] as string;
  i++;
  let wt: W;
  if (isConnector(r)) {
    wt = W.Connector;
    while (i < len && isConnector(runes[i] as string)) i++;
  } else if (isPunct(r)) {
    wt = W.Punct;
    while (i < len && isPunct(runes[i] as string)) i++;
  } else if (isUpper(r)) {
    wt = W.Upper;
    if (i < len) {
      const r2 = runes[i] as string;
      if (isUpper(r2)) {
        i++;
        while (i < len && isUpper(runes[i] as string)) i++;
        // "HTTPStatus" splits into "HTTP" and "Status".
        if (i < len && isAlphabet(runes[i] as string)) i--;
      } else if (isAlphabet(r2)) {
        i++;
        while (i < len && isAlphabet(runes[i] as string) && !isUpper(runes[i] as string)) i++;
      }
    }
  } else if (isAlphabet(r)) {
    wt = W.Alphabet;
    while (i < len && isAlphabet(runes[i] as string) && !isUpper(runes[i] as string)) i++;
  } else if (isNumber(r)) {
    wt = W.Number;
    while (i < len && isNumber(runes[i] as string)) i++;
  } else {
    wt = W.Other;
    while (i < len) {
      const c = runes[i] as string;
      if (isConnector(c) || isAlphabet(c) || isNumber(c) || isPunct(c)) break;
      i++;
    }
  }
  return { wt, end: i };
}

/** xstrings `camelCaseToLowerCase` (snakecase, kebabcase). */
function camelToLower(str: string, connector: string): string {
  if (str === '') return '';
  const runes = Array.from(str);
  let out = '';
  const toLower = (wt: W, word: string): void => {
    if (wt !== W.Upper && wt !== W.Connector) {
      out += word;
      return;
    }
    for (const c of word) out += isConnector(c) ? connector : isUpper(c) ? runeLower(c) : c;
  };
  let pos = 0;
  const take = (): { wt: W; word: string } => {
    if (pos >= runes.length) return { wt: W.Invalid, word: '' };
    const { wt, end } = nextWord(runes, pos);
    const word = runes.slice(pos, end).join('');
    pos = end;
    return { wt, word };
  };
  let { wt, word } = take();
  while (pos < runes.length) {
    if (wt !== W.Connector) toLower(wt, word);
    const prev = wt;
    const last = word;
    ({ wt, word } = take());
    switch (prev) {
      case W.Number:
        while (wt === W.Alphabet || wt === W.Number) {
          toLower(wt, word);
          ({ wt, word } = take());
        }
        if (wt !== W.Invalid && wt !== W.Punct && wt !== W.Connector) out += connector;
        break;
      case W.Connector:
        toLower(prev, last);
        break;
      case W.Punct:
        break;
      default: {
        if (wt !== W.Number) {
          if (wt !== W.Connector && wt !== W.Punct) out += connector;
          break;
        }
        if (pos >= runes.length) break;
        const numWord = word;
        ({ wt, word } = take());
        if (wt !== W.Alphabet) {
          toLower(W.Number, numWord);
          if (wt !== W.Connector && wt !== W.Punct) out += connector;
          break;
        }
        out += connector;
        toLower(W.Number, numWord);
        while (wt === W.Alphabet || wt === W.Number) {
          toLower(wt, word);
          ({ wt, word } = take());
        }
        if (wt !== W.Invalid && wt !== W.Connector && wt !== W.Punct) out += connector;
      }
    }
  }
  toLower(wt, word);
  return out;
}

/** xstrings `ToPascalCase` (sprig's `camelcase`): words joined, each starting upper-case. */
function pascalCase(str: string): string {
  const runes = Array.from(str);
  if (runes.length === 0) return '';
  let out = '';
  let i = 0;
  let r0 = '';
  while (i < runes.length) {
    r0 = runes[i++] as string;
    if (!isConnector(r0)) {
      r0 = runeUpper(r0);
      break;
    }
    out += r0;
    if (i === runes.length) return out;
  }
  if (i === runes.length) return out + r0;
  while (i < runes.length) {
    const r1 = r0;
    r0 = runes[i++] as string;
    if (isConnector(r0) && isConnector(r1)) {
      out += r1;
      continue;
    }
    if (isConnector(r1)) r0 = runeUpper(r0);
    else out += r1;
  }
  return out + r0;
}

const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const NUMERIC = '0123456789';

function random(count: number, chars: string, budget: ExecBudget): string {
  if (count < 0) throw new FuncError('numeric count must be greater than zero');
  checkSize(count, budget);
  let out = '';
  for (let i = 0; i < count; i++) out += chars[randomInt(chars.length)];
  return out;
}

const asciiPrintable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
const num = (v: Value): number => Number((v as GoInt).n);
const str = (v: Value): string => v as string;

/** sprig string functions. */
export const STRING_FUNCS: Record<string, TemplateFunc> = {
  abbrev: fn(['int', 'string'], ([w, s]) =>
    num(w as Value) < 4 ? str(s as Value) : abbreviateFull(str(s as Value), 0, num(w as Value)),
  ),
  abbrevboth: fn(['int', 'int', 'string'], ([l, r, s]) => {
    const left = num(l as Value);
    const right = num(r as Value);
    if (right < 4 || (left > 0 && right < 7)) return str(s as Value);
    return abbreviateFull(str(s as Value), left, right);
  }),
  trunc: fn(['int', 'string'], ([c, s]) => trunc(num(c as Value), str(s as Value))),
  trim: fn(['string'], ([s]) => trimSpace(str(s as Value))),
  upper: fn(['string'], ([s]) => mapRunes(str(s as Value), runeUpper)),
  lower: fn(['string'], ([s]) => mapRunes(str(s as Value), runeLower)),
  title: fn(['string'], ([s]) => title(str(s as Value))),
  untitle: fn(['string'], ([s]) => untitle(str(s as Value))),
  substr: fn(['int', 'int', 'string'], ([a, b, s]) =>
    substring(num(a as Value), num(b as Value), str(s as Value)),
  ),
  repeat: fn(['int', 'string'], ([c, s], budget) => repeat(num(c as Value), str(s as Value), budget)),
  trimall: fn(['string', 'string'], ([a, b]) => trimCutset(str(b as Value), str(a as Value))),
  trimAll: fn(['string', 'string'], ([a, b]) => trimCutset(str(b as Value), str(a as Value))),
  trimSuffix: fn(['string', 'string'], ([a, b]) => {
    const s = str(b as Value);
    const suf = str(a as Value);
    return suf !== '' && s.endsWith(suf) ? s.slice(0, s.length - suf.length) : s;
  }),
  trimPrefix: fn(['string', 'string'], ([a, b]) => {
    const s = str(b as Value);
    const pre = str(a as Value);
    return s.startsWith(pre) ? s.slice(pre.length) : s;
  }),
  nospace: fn(['string'], ([s]) =>
    Array.from(str(s as Value))
      .filter((c) => !isSpaceRune(c))
      .join(''),
  ),
  initials: fn(['string'], ([s]) => initials(str(s as Value))),
  randAlphaNum: fn(['int'], ([c], b) => random(num(c as Value), ALPHA + NUMERIC, b)),
  randAlpha: fn(['int'], ([c], b) => random(num(c as Value), ALPHA, b)),
  randAscii: fn(['int'], ([c], b) => random(num(c as Value), asciiPrintable, b)),
  randNumeric: fn(['int'], ([c], b) => random(num(c as Value), NUMERIC, b)),
  swapcase: fn(['string'], ([s]) => swapcase(str(s as Value))),
  shuffle: fn(['string'], ([s]) => {
    const runes = Array.from(str(s as Value));
    for (let i = runes.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [runes[i], runes[j]] = [runes[j] as string, runes[i] as string];
    }
    return runes.join('');
  }),
  snakecase: fn(['string'], ([s]) => camelToLower(str(s as Value), '_')),
  camelcase: fn(['string'], ([s]) => pascalCase(str(s as Value))),
  kebabcase: fn(['string'], ([s]) => camelToLower(str(s as Value), '-')),
  wrap: fn(['int', 'string'], ([l, s]) => wrapCustom(str(s as Value), num(l as Value), '', false)),
  wrapWith: fn(['int', 'string', 'string'], ([l, sep, s]) =>
    wrapCustom(str(s as Value), num(l as Value), str(sep as Value), true),
  ),
  contains: fn(['string', 'string'], ([a, b]) => str(b as Value).includes(str(a as Value))),
  hasPrefix: fn(['string', 'string'], ([a, b]) => str(b as Value).startsWith(str(a as Value))),
  hasSuffix: fn(['string', 'string'], ([a, b]) => str(b as Value).endsWith(str(a as Value))),
  quote: fn(
    [],
    (args) =>
      args
        .filter((a) => a !== null && a !== NO_VALUE)
        .map((a) => goQuote(strval(a)))
        .join(' '),
    'any',
  ),
  squote: fn(
    [],
    (args) =>
      args
        .filter((a) => a !== null && a !== NO_VALUE)
        .map((a) => sprintf("'%v'", [a]))
        .join(' '),
    'any',
  ),
  cat: fn(
    [],
    (args) => {
      const vs = args.filter((a) => a !== null && a !== NO_VALUE);
      return sprintf(vs.map(() => '%v').join(' '), vs);
    },
    'any',
  ),
  indent: fn(['int', 'string'], ([n, s], b) => {
    const count = num(n as Value);
    checkSize(Math.max(count, 0) * (str(s as Value).split('\n').length + 1), b);
    const pad = ' '.repeat(Math.max(count, 0));
    if (count < 0) throw new FuncError('strings: negative Repeat count');
    return pad + str(s as Value).replaceAll('\n', `\n${pad}`);
  }),
  nindent: fn(['int', 'string'], ([n, s], b) => {
    const count = num(n as Value);
    if (count < 0) throw new FuncError('strings: negative Repeat count');
    checkSize(count * (str(s as Value).split('\n').length + 1), b);
    const pad = ' '.repeat(count);
    return `\n${pad}${str(s as Value).replaceAll('\n', `\n${pad}`)}`;
  }),
  replace: fn(['string', 'string', 'string'], ([o, n, s], b) => {
    const src = str(s as Value);
    const old = str(o as Value);
    const rep = str(n as Value);
    if (old === '') {
      const runes = Array.from(src);
      checkSize((runes.length + 1) * rep.length + src.length, b);
      return rep + runes.map((r) => r + rep).join('');
    }
    const out = src.split(old).join(rep);
    checkSize(out.length, b);
    return out;
  }),
  plural: fn(['string', 'string', 'int'], ([one, many, c]) =>
    num(c as Value) === 1 ? str(one as Value) : str(many as Value),
  ),
  toString: fn(['any'], ([v]) => strval(v as Value)),
  split: fn(['string', 'string'], ([sep, s]) => splitMap(goSplit(str(s as Value), str(sep as Value)))),
  splitList: fn(['string', 'string'], ([sep, s]) => goSplit(str(s as Value), str(sep as Value))),
  splitn: fn(['string', 'int', 'string'], ([sep, n, s]) =>
    splitMap(goSplit(str(s as Value), str(sep as Value), num(n as Value))),
  ),
  toStrings: fn(['any'], ([v]) => strslice(v as Value)),
  join: fn(['string', 'any'], ([sep, v]) => strslice(v as Value).join(str(sep as Value))),
  sortAlpha: fn(['any'], ([v]) => {
    if (Array.isArray(v)) return strslice(v).sort((a, b) => Buffer.compare(enc(a), enc(b)));
    return [strval(v as Value)];
  }),
  atoi: fn(['string'], ([s]) => {
    const t = str(s as Value);
    const v = /^[+-]?\d+$/.test(t) ? BigInt(t) : 0n;
    return new GoInt(v >= -(2n ** 63n) && v < 2n ** 63n ? v : 0n, 'int');
  }),
};
