/**
 * govaluate's lexer (`parsing.go` `readToken`, `lexerState.go`) at commit 9aa4983: rune by rune, with its
 * quirks kept because they decide which Argo expressions are valid: operators are maximal runs of
 * non-alphanumeric characters (`a==-1` is the invalid token `==-`), a backslash escapes any character
 * in names, strings and brackets (Argo writes `dep\-1` for the dependency `dep-1`), either quote closes a
 * string, and a string that parses as a date becomes a TIME token.
 */
import { formatGoFloat } from './go-format.ts';
import { tryParseGoTime } from './go-time.ts';

/** Token kinds, named as govaluate's `TokenKind.String()` prints them. */
export type TokenKind =
  | 'UNKNOWN'
  | 'PREFIX'
  | 'NUMERIC'
  | 'BOOLEAN'
  | 'STRING'
  | 'PATTERN'
  | 'TIME'
  | 'VARIABLE'
  | 'FUNCTION'
  | 'SEPARATOR'
  | 'ACCESSOR'
  | 'COMPARATOR'
  | 'LOGICALOP'
  | 'MODIFIER'
  | 'CLAUSE'
  | 'CLAUSE_CLOSE'
  | 'TERNARY';

/** One lexed token; `text` is how Go's `%v` prints the token's value in syntax errors. */
export type Token =
  | { kind: 'NUMERIC'; value: number; text: string }
  | { kind: 'BOOLEAN'; value: boolean; text: string }
  | { kind: 'STRING'; value: string; text: string }
  | { kind: 'TIME'; value: number; text: string }
  | { kind: 'VARIABLE'; value: string; text: string }
  | { kind: 'ACCESSOR'; value: string[]; text: string }
  | {
      kind:
        | 'PREFIX'
        | 'SEPARATOR'
        | 'COMPARATOR'
        | 'LOGICALOP'
        | 'MODIFIER'
        | 'CLAUSE'
        | 'CLAUSE_CLOSE'
        | 'TERNARY';
      value: string;
      text: string;
    };

/** A problem found while lexing or planning; the message is govaluate's. */
export class GovaluateSyntaxProblem extends Error {}

const VALUE_KINDS: TokenKind[] = [
  'PREFIX',
  'NUMERIC',
  'BOOLEAN',
  'VARIABLE',
  'PATTERN',
  'FUNCTION',
  'ACCESSOR',
  'STRING',
  'TIME',
  'CLAUSE',
];
const AFTER_LITERAL: TokenKind[] = [
  'MODIFIER',
  'COMPARATOR',
  'LOGICALOP',
  'CLAUSE_CLOSE',
  'TERNARY',
  'SEPARATOR',
];

/** govaluate's lexer states: which kinds may follow each kind, and whether it may end the expression. */
const STATES: Record<string, { eof: boolean; next: TokenKind[] }> = {
  UNKNOWN: { eof: false, next: VALUE_KINDS },
  CLAUSE: { eof: false, next: [...VALUE_KINDS, 'CLAUSE_CLOSE'] },
  CLAUSE_CLOSE: {
    eof: true,
    next: [
      'COMPARATOR',
      'MODIFIER',
      'NUMERIC',
      'BOOLEAN',
      'VARIABLE',
      'STRING',
      'PATTERN',
      'TIME',
      'CLAUSE',
      'CLAUSE_CLOSE',
      'LOGICALOP',
      'TERNARY',
      'SEPARATOR',
    ],
  },
  NUMERIC: { eof: true, next: AFTER_LITERAL },
  BOOLEAN: { eof: true, next: AFTER_LITERAL },
  STRING: { eof: true, next: AFTER_LITERAL },
  TIME: { eof: true, next: ['MODIFIER', 'COMPARATOR', 'LOGICALOP', 'CLAUSE_CLOSE', 'SEPARATOR'] },
  PATTERN: { eof: true, next: ['MODIFIER', 'COMPARATOR', 'LOGICALOP', 'CLAUSE_CLOSE', 'SEPARATOR'] },
  VARIABLE: { eof: true, next: AFTER_LITERAL },
  MODIFIER: {
    eof: false,
    next: [
      'PREFIX',
      'NUMERIC',
      'VARIABLE',
      'FUNCTION',
      'ACCESSOR',
      'STRING',
      'BOOLEAN',
      'CLAUSE',
      'CLAUSE_CLOSE',
    ],
  },
  COMPARATOR: {
    eof: false,
    next: [
      'PREFIX',
      'NUMERIC',
      'BOOLEAN',
      'VARIABLE',
      'FUNCTION',
      'ACCESSOR',
      'STRING',
      'TIME',
      'CLAUSE',
      'CLAUSE_CLOSE',
      'PATTERN',
    ],
  },
  LOGICALOP: {
    eof: false,
    next: [
      'PREFIX',
      'NUMERIC',
      'BOOLEAN',
      'VARIABLE',
      'FUNCTION',
      'ACCESSOR',
      'STRING',
      'TIME',
      'CLAUSE',
      'CLAUSE_CLOSE',
    ],
  },
  PREFIX: {
    eof: false,
    next: ['NUMERIC', 'BOOLEAN', 'VARIABLE', 'FUNCTION', 'ACCESSOR', 'CLAUSE', 'CLAUSE_CLOSE'],
  },
  TERNARY: {
    eof: false,
    next: [
      'PREFIX',
      'NUMERIC',
      'BOOLEAN',
      'STRING',
      'TIME',
      'VARIABLE',
      'FUNCTION',
      'ACCESSOR',
      'CLAUSE',
      'SEPARATOR',
    ],
  },
  FUNCTION: { eof: false, next: ['CLAUSE'] },
  ACCESSOR: {
    eof: true,
    next: ['CLAUSE', 'MODIFIER', 'COMPARATOR', 'LOGICALOP', 'CLAUSE_CLOSE', 'TERNARY', 'SEPARATOR'],
  },
  SEPARATOR: {
    eof: false,
    next: ['PREFIX', 'NUMERIC', 'BOOLEAN', 'STRING', 'TIME', 'VARIABLE', 'FUNCTION', 'ACCESSOR', 'CLAUSE'],
  },
};

function canTransition(from: TokenKind, to: TokenKind): boolean {
  return STATES[from]?.next.includes(to) ?? false;
}

const PREFIX_SYMBOLS = new Set(['-', '!', '~']);
const MODIFIER_SYMBOLS = new Set(['+', '-', '*', '/', '%', '**', '&', '|', '^', '>>', '<<']);
const LOGICAL_SYMBOLS = new Set(['&&', '||']);
const COMPARATOR_SYMBOLS = new Set(['==', '!=', '>', '>=', '<', '<=', '=~', '!~', 'in']);
const TERNARY_SYMBOLS = new Set(['?', ':', '??']);

// Go's unicode.IsSpace is exactly the White_Space property; IsLetter is L, IsDigit is Nd.
const isSpace = (c: string) => /^\p{White_Space}$/u.test(c);
const isLetter = (c: string) => /^\p{L}$/u.test(c);
const isDigit = (c: string) => /^\p{Nd}$/u.test(c);
const isNumeric = (c: string) => isDigit(c) || c === '.';
const isHexDigit = (c: string) => isDigit(c) || /^[a-fA-F]$/.test(c);
const isNotQuote = (c: string) => c !== "'" && c !== '"';
const isVariableName = (c: string) => isLetter(c) || isDigit(c) || c === '_' || c === '.';
const isNotAlphanumeric = (c: string) =>
  !(isDigit(c) || isLetter(c) || c === '(' || c === ')' || c === '[' || c === ']' || !isNotQuote(c));

class RuneStream {
  readonly #runes: string[];
  position = 0;

  constructor(source: string) {
    this.#runes = Array.from(source);
  }

  canRead(): boolean {
    return this.position < this.#runes.length;
  }

  read(): string {
    const rune = this.#runes[this.position];
    if (rune === undefined) {
      // Go indexes past the end here and panics (a trailing backslash); report it as a syntax error.
      throw new GovaluateSyntaxProblem('Unexpected end of expression after escape character');
    }
    this.position++;
    return rune;
  }

  rewind(amount: number): void {
    this.position -= amount;
  }
}

/**
 * Go's `readUntilFalse`: reads while `condition` holds; a backslash takes the next character verbatim.
 * Returns the text and whether a terminating character (or whitespace break) was seen.
 */
function readUntilFalse(
  stream: RuneStream,
  includeWhitespace: boolean,
  breakWhitespace: boolean,
  condition: (c: string) => boolean,
): { text: string; completed: boolean } {
  let text = '';
  while (stream.canRead()) {
    let c = stream.read();
    if (c === '\\') {
      c = stream.read();
      text += c;
      continue;
    }
    if (isSpace(c)) {
      if (breakWhitespace && text.length > 0) return { text, completed: true };
      if (!includeWhitespace) continue;
    }
    if (!condition(c)) {
      stream.rewind(1);
      return { text, completed: true };
    }
    text += c;
  }
  return { text, completed: false };
}

function readTokenUntilFalse(stream: RuneStream, condition: (c: string) => boolean): string {
  stream.rewind(1);
  return readUntilFalse(stream, false, true, condition).text;
}

/** Tokenises `expression` as govaluate's `parseTokens` does (including its parenthesis balance check). */
export function lex(expression: string): Token[] {
  const stream = new RuneStream(expression);
  const tokens: Token[] = [];
  let state: TokenKind = 'UNKNOWN';
  while (stream.canRead()) {
    const token = readToken(stream, state);
    if (token === undefined) break;
    state = token.kind;
    tokens.push(token);
  }
  checkBalance(tokens);
  return tokens;
}

function readToken(stream: RuneStream, state: TokenKind): Token | undefined {
  while (stream.canRead()) {
    let c = stream.read();
    if (isSpace(c)) continue;

    if (isNumeric(c)) {
      if (stream.canRead() && c === '0') {
        c = stream.read();
        if (stream.canRead() && c === 'x') {
          const hex = readUntilFalse(stream, false, true, isHexDigit).text;
          const value = /^[0-9a-fA-F]+$/.test(hex) ? BigInt(`0x${hex}`) : undefined;
          if (value === undefined || value > 0xffff_ffff_ffff_ffffn)
            throw new GovaluateSyntaxProblem(`Unable to parse hex value '${hex}' to uint64`);
          return numeric(Number(value));
        }
        stream.rewind(1);
      }
      const text = readTokenUntilFalse(stream, isNumeric);
      const value = parseGoFloat(text);
      if (value === undefined) {
        throw new GovaluateSyntaxProblem(`Unable to parse numeric value '${text}' to float64`);
      }
      return numeric(value);
    }

    if (c === ',') return { kind: 'SEPARATOR', value: ',', text: ',' };

    if (c === '[') {
      const { text, completed } = readUntilFalse(stream, true, false, (x) => x !== ']');
      if (!completed) throw new GovaluateSyntaxProblem('Unclosed parameter bracket');
      stream.rewind(-1);
      return { kind: 'VARIABLE', value: text, text };
    }

    if (isLetter(c)) {
      return readWord(readTokenUntilFalse(stream, isVariableName));
    }

    if (!isNotQuote(c)) {
      const { text, completed } = readUntilFalse(stream, true, false, isNotQuote);
      if (!completed) throw new GovaluateSyntaxProblem('Unclosed string literal');
      stream.rewind(-1);
      const time = tryParseGoTime(text);
      if (time !== undefined) return { kind: 'TIME', value: time.unix, text: time.text };
      return { kind: 'STRING', value: text, text };
    }

    if (c === '(') return { kind: 'CLAUSE', value: '(', text: '40' };
    if (c === ')') return { kind: 'CLAUSE_CLOSE', value: ')', text: '41' };

    const symbol = readTokenUntilFalse(stream, isNotAlphanumeric);
    // '-' is negation where a value is expected and subtraction elsewhere.
    if (canTransition(state, 'PREFIX') && PREFIX_SYMBOLS.has(symbol)) return op('PREFIX', symbol);
    if (MODIFIER_SYMBOLS.has(symbol)) return op('MODIFIER', symbol);
    if (LOGICAL_SYMBOLS.has(symbol)) return op('LOGICALOP', symbol);
    if (COMPARATOR_SYMBOLS.has(symbol)) return op('COMPARATOR', symbol);
    if (TERNARY_SYMBOLS.has(symbol)) return op('TERNARY', symbol);
    throw new GovaluateSyntaxProblem(`Invalid token: '${symbol}'`);
  }
  return undefined;
}

function readWord(word: string): Token {
  if (word === 'true' || word === 'false') return { kind: 'BOOLEAN', value: word === 'true', text: word };
  if (word === 'in' || word === 'IN') return op('COMPARATOR', 'in');
  if (word.indexOf('.') > 0) {
    if (word.endsWith('.')) throw new GovaluateSyntaxProblem(`Hanging accessor on token '${word}'`);
    const parts = word.split('.');
    for (const part of parts.slice(1)) {
      const first = Array.from(part)[0] ?? '';
      // Go reflection can only reach exported (upper-case) fields.
      if (first.toUpperCase() !== first) {
        throw new GovaluateSyntaxProblem(`Unable to access unexported field '${part}' in token '${word}'`);
      }
    }
    return { kind: 'ACCESSOR', value: parts, text: `[${parts.join(' ')}]` };
  }
  return { kind: 'VARIABLE', value: word, text: word };
}

function numeric(value: number): Token {
  return { kind: 'NUMERIC', value, text: formatGoFloat(value) };
}

function op(kind: 'PREFIX' | 'MODIFIER' | 'LOGICALOP' | 'COMPARATOR' | 'TERNARY', symbol: string): Token {
  return { kind, value: symbol, text: symbol };
}

// Only digits and dots reach here; Go's ParseFloat rejects '', '.', '1.2.3' and overflow to ±Inf.
function parseGoFloat(text: string): number | undefined {
  if (!/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function checkBalance(tokens: Token[]): void {
  let parens = 0;
  for (const token of tokens) {
    if (token.kind === 'CLAUSE') parens++;
    else if (token.kind === 'CLAUSE_CLOSE') parens--;
  }
  if (parens !== 0) throw new GovaluateSyntaxProblem('Unbalanced parenthesis');
}

/** govaluate's `checkExpressionSyntax`: every token must be allowed after the previous one. */
export function checkSyntax(tokens: Token[]): void {
  let state: TokenKind = 'UNKNOWN';
  let last: Token | undefined;
  for (const token of tokens) {
    if (!canTransition(state, token.kind)) {
      if (last?.kind === 'VARIABLE' && token.kind === 'CLAUSE') {
        throw new GovaluateSyntaxProblem(`Undefined function ${last.value}`);
      }
      const from = `${state} [${last === undefined ? '<nil>' : last.text}]`;
      throw new GovaluateSyntaxProblem(
        `Cannot transition token types from ${from} to ${token.kind} [${token.text}]`,
      );
    }
    state = token.kind;
    last = token;
  }
  if (!(STATES[state]?.eof ?? false)) throw new GovaluateSyntaxProblem('Unexpected end of expression');
}
