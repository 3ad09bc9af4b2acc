/**
 * Lexer and parser for Go text/template (`src/text/template/parse/lex.go`, `parse.go`): the same tokens,
 * trim markers, scoping of variables, `else if`/`else with` desugaring and error messages.
 */

export type Pos = number;

/** Thrown by the parser; the message is Go's (`template: name:line: ...`). */
export class TemplateSyntaxError extends Error {}

enum T {
  Error,
  Bool,
  Char,
  CharConstant,
  Comment,
  Assign,
  Declare,
  EOF,
  Field,
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,
  // Keywords (after this point).
  Keyword,
  Block,
  Break,
  Continue,
  Dot,
  Define,
  Else,
  End,
  If,
  Nil,
  Range,
  Template,
  With,
}

interface Token {
  typ: T;
  pos: Pos;
  val: string;
}

const KEYWORDS: Record<string, T> = {
  '.': T.Dot,
  block: T.Block,
  break: T.Break,
  continue: T.Continue,
  define: T.Define,
  else: T.Else,
  end: T.End,
  if: T.If,
  range: T.Range,
  nil: T.Nil,
  template: T.Template,
  with: T.With,
};

const LEFT = '{{';
const RIGHT = '}}';

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

const ALNUM = /^[\p{L}\p{Nd}_]$/u;

function isAlphaNumeric(c: string | undefined): boolean {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  if (code < 128) {
    return (
      code === 95 || (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
    );
  }
  return ALNUM.test(c);
}

function describeRune(c: string): string {
  const cp = c.codePointAt(0) as number;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(c) ? `U+${hex} '${c}'` : `U+${hex}`;
}

/** Tokenizes the whole template (Go's lexer runs as a goroutine; a slice is simpler and as fast). */
function lex(input: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  let start = 0;
  let parenDepth = 0;
  const emit = (typ: T): void => {
    out.push({ typ, pos: start, val: input.slice(start, pos) });
    start = pos;
  };
  const fail = (msg: string): Token[] => {
    out.push({ typ: T.Error, pos: start, val: msg });
    return out;
  };
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (isSpace(input[pos]) && input[pos + 1] === '-' && input.startsWith(RIGHT, pos + 2)) {
      return { delim: true, trim: true };
    }
    return { delim: input.startsWith(RIGHT, pos), trim: false };
  };
  const atTerminator = (): boolean => {
    const c = input[pos];
    if (c === undefined || isSpace(c)) return true;
    if (c === '.' || c === ',' || c === '|' || c === ':' || c === ')' || c === '(') return true;
    return input.startsWith(RIGHT, pos);
  };
  const nextRune = (): string | undefined => {
    const cp = input.codePointAt(pos);
    if (cp === undefined) return undefined;
    const c = String.fromCodePoint(cp);
    pos += c.length;
    return c;
  };
  const peekRune = (): string | undefined => {
    const cp = input.codePointAt(pos);
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  };

  text: for (;;) {
    // Text up to the next left delimiter.
    const x = input.indexOf(LEFT, pos);
    if (x < 0) {
      pos = input.length;
      if (pos > start) emit(T.Text);
      out.push({ typ: T.EOF, pos, val: '' });
      return out;
    }
    const trimLeft = input[x + 2] === '-' && isSpace(input[x + 3]);
    let textEnd = x;
    if (trimLeft) while (textEnd > start && isSpace(input[textEnd - 1])) textEnd--;
    pos = textEnd;
    if (pos > start) emit(T.Text);
    pos = x;
    start = x;
    // Left delimiter (and comment).
    const afterMarker = trimLeft ? x + 4 : x + 2;
    if (input.startsWith('/*', afterMarker)) {
      pos = afterMarker;
      start = pos;
      const end = input.indexOf('*/', pos + 2);
      if (end < 0) return fail('unclosed comment');
      pos = end + 2;
      const r = atRightDelim();
      if (!r.delim) return fail('comment ends before closing delimiter');
      pos += r.trim ? 4 : 2;
      if (r.trim) while (isSpace(input[pos])) pos++;
      start = pos;
      continue;
    }
    pos = x + 2;
    emit(T.LeftDelim);
    if (trimLeft) {
      pos += 2;
      start = pos;
    }
    parenDepth = 0;
    // Inside the action.
    for (;;) {
      const r = atRightDelim();
      if (r.delim) {
        if (parenDepth !== 0) return fail('unclosed left paren');
        if (r.trim) {
          pos += 2;
          start = pos;
        }
        pos += 2;
        emit(T.RightDelim);
        if (r.trim) {
          while (isSpace(input[pos])) pos++;
          start = pos;
        }
        continue text;
      }
      const c = nextRune();
      if (c === undefined) return fail('unclosed action');
      if (isSpace(c)) {
        pos -= 1;
        let n = 0;
        while (isSpace(input[pos])) {
          pos++;
          n++;
        }
        // A trim-marked closing delimiter has a space before its minus: leave that space for it.
        if (input[pos] === '-' && input.startsWith(RIGHT, pos + 1)) {
          pos--;
          if (n === 1) continue;
        }
        emit(T.Space);
        continue;
      }
      switch (c) {
        case '=':
          emit(T.Assign);
          continue;
        case ':':
          if (input[pos] !== '=') return fail('expected :=');
          pos++;
          emit(T.Declare);
          continue;
        case '|':
          emit(T.Pipe);
          continue;
        case '"': {
          for (;;) {
            const q = nextRune();
            if (q === '\\') {
              const e = nextRune();
              if (e !== undefined && e !== '\n') continue;
              return fail('unterminated quoted string');
            }
            if (q === undefined || q === '\n') return fail('unterminated quoted string');
            if (q === '"') break;
          }
          emit(T.String);
          continue;
        }
        case '`': {
          const end = input.indexOf('`', pos);
          if (end < 0) return fail('unterminated raw quoted string');
          pos = end + 1;
          emit(T.RawString);
          continue;
        }
        case "'": {
          for (;;) {
            const q = nextRune();
            if (q === '\\') {
              const e = nextRune();
              if (e !== undefined && e !== '\n') continue;
              return fail('unterminated character constant');
            }
            if (q === undefined || q === '\n') return fail('unterminated character constant');
            if (q === "'") break;
          }
          emit(T.CharConstant);
          continue;
        }
        case '$':
        case '.': {
          const typ = c === '$' ? T.Variable : T.Field;
          if (c === '.' && input[pos] !== undefined && input[pos]! >= '0' && input[pos]! <= '9') {
            pos--;
            if (!scanNumber()) return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
            emit(T.Number);
            continue;
          }
          if (atTerminator()) {
            emit(c === '$' ? T.Variable : T.Dot);
            continue;
          }
          let r2: string | undefined;
          for (;;) {
            r2 = nextRune();
            if (!isAlphaNumeric(r2)) {
              if (r2 !== undefined) pos -= r2.length;
              break;
            }
          }
          if (!atTerminator()) return fail(`bad character ${describeRune(r2 ?? '')}`);
          emit(typ);
          continue;
        }
        case '(':
          parenDepth++;
          emit(T.LeftParen);
          continue;
        case ')':
          parenDepth--;
          if (parenDepth < 0) return fail('unexpected right paren');
          emit(T.RightParen);
          continue;
      }
      if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
        pos -= 1;
        if (!scanNumber()) return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
        emit(T.Number);
        continue;
      }
      if (isAlphaNumeric(c)) {
        for (;;) {
          const r2 = peekRune();
          if (!isAlphaNumeric(r2)) break;
          pos += (r2 as string).length;
        }
        const word = input.slice(start, pos);
        if (!atTerminator()) return fail(`bad character ${describeRune(peekRune() ?? '')}`);
        const kw = KEYWORDS[word];
        if (kw !== undefined && Object.hasOwn(KEYWORDS, word)) emit(kw);
        else if (word === 'true' || word === 'false') emit(T.Bool);
        else emit(T.Identifier);
        continue;
      }
      const code = c.codePointAt(0) as number;
      if (code < 128 && code >= 0x20 && code !== 0x7f) {
        emit(T.Char);
        continue;
      }
      return fail(`unrecognized character in action: ${describeRune(c)}`);
    }
  }

  function accept(valid: string): boolean {
    const c = input[pos];
    if (c !== undefined && valid.includes(c)) {
      pos++;
      return true;
    }
    return false;
  }
  function acceptRun(valid: string): void {
    while (accept(valid));
  }
  function scanNumber(): boolean {
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    const c = peekRune();
    if (isAlphaNumeric(c)) {
      pos += (c as string).length;
      return false;
    }
    return true;
  }
}

// ---- Nodes ----

export interface TextNode {
  type: 'text';
  pos: Pos;
  text: string;
}
export interface ActionNode {
  type: 'action';
  pos: Pos;
  pipe: PipeNode;
}
export interface BranchNode {
  type: 'if' | 'with' | 'range';
  pos: Pos;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | undefined;
}
export interface TemplateNode {
  type: 'template';
  pos: Pos;
  name: string;
  pipe: PipeNode | undefined;
}
export interface LoopControlNode {
  type: 'break' | 'continue';
  pos: Pos;
}
export interface ListNode {
  type: 'list';
  pos: Pos;
  nodes: Node[];
}
export type Node = TextNode | ActionNode | BranchNode | TemplateNode | LoopControlNode | ListNode;

export interface PipeNode {
  type: 'pipe';
  pos: Pos;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
export interface CommandNode {
  type: 'command';
  pos: Pos;
  args: ArgNode[];
}
export interface FieldNode {
  type: 'field';
  pos: Pos;
  ident: string[];
}
export interface VariableNode {
  type: 'variable';
  pos: Pos;
  ident: string[];
}
export interface IdentifierNode {
  type: 'identifier';
  pos: Pos;
  name: string;
}
export interface DotNode {
  type: 'dot';
  pos: Pos;
}
export interface NilNode {
  type: 'nil';
  pos: Pos;
}
export interface BoolNode {
  type: 'bool';
  pos: Pos;
  value: boolean;
}
export interface NumberNode {
  type: 'number';
  pos: Pos;
  text: string;
  isInt: boolean;
  isFloat: boolean;
  int: bigint;
  float: number;
}
export interface StringNode {
  type: 'string';
  pos: Pos;
  quoted: string;
  text: string;
}
export interface ChainNode {
  type: 'chain';
  pos: Pos;
  node: ArgNode;
  field: string[];
}
export type ArgNode =
  | FieldNode
  | VariableNode
  | IdentifierNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode
  | ChainNode;

interface EndNode {
  type: 'end';
  pos: Pos;
}
interface ElseNode {
  type: 'else';
  pos: Pos;
}

/** Go's `Node.String()`, used in execution error context. */
export function nodeString(n: ArgNode | CommandNode): string {
  switch (n.type) {
    case 'field':
      return `.${n.ident.join('.')}`;
    case 'variable':
      return n.ident.join('.');
    case 'identifier':
      return n.name;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(n.value);
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'chain': {
      const base = n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node);
      return `${base}.${n.field.join('.')}`;
    }
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'pipe': {
      const decl =
        n.decl.length > 0 ? `${n.decl.map(nodeString).join(', ')} ${n.isAssign ? '=' : ':='} ` : '';
      return decl + n.cmds.map(nodeString).join(' | ');
    }
  }
}

/** The result of parsing: the main tree plus every `define`/`block` template. */
export interface ParsedTemplates {
  root: ListNode;
  defines: Map<string, ListNode>;
}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
};

/** Go's `strconv.Unquote` for "…", `…` and '…'; undefined when invalid. */
export function unquote(s: string): string | undefined {
  const q = s[0];
  if (q === '`') return s.slice(1, -1).replaceAll('\r', '');
  const body = s.slice(1, -1);
  const bytes: number[] = [];
  const pushRune = (cp: number): void => {
    for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
  };
  for (let i = 0; i < body.length; ) {
    const cp = body.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    if (ch === q && q !== undefined) return undefined;
    if (ch !== '\\') {
      if (ch === '\n') return undefined;
      pushRune(cp);
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return undefined;
    if (Object.hasOwn(SIMPLE_ESCAPES, e)) {
      bytes.push(SIMPLE_ESCAPES[e] as number);
      i += 2;
      continue;
    }
    if (e === q) {
      bytes.push(e.charCodeAt(0));
      i += 2;
      continue;
    }
    if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + n);
      if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
      const v = Number.parseInt(hex, 16);
      if (e === 'x') bytes.push(v);
      else {
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return undefined;
        pushRune(v);
      }
      i += 2 + n;
      continue;
    }
    if (e >= '0' && e <= '7') {
      const oct = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      const v = Number.parseInt(oct, 8);
      if (v > 255) return undefined;
      bytes.push(v);
      i += 4;
      continue;
    }
    return undefined;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Go's `underscoreOK`: underscores only between digits or after a base prefix. */
export function underscoreOK(text: string): boolean {
  let s = text;
  if (s[0] === '-' || s[0] === '+') s = s.slice(1);
  let saw = '^';
  let i = 0;
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && /[bBoOxX]/.test(s[1] as string)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i] as string;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

function parseGoInt(text: string): bigint | undefined {
  let s = text;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  let base = 10;
  let digits = s;
  if (/^0[xX]/.test(s)) {
    base = 16;
    digits = s.slice(2);
  } else if (/^0[oO]/.test(s)) {
    base = 8;
    digits = s.slice(2);
  } else if (/^0[bB]/.test(s)) {
    base = 2;
    digits = s.slice(2);
  } else if (/^0\d/.test(s) || /^0_/.test(s)) {
    base = 8;
    digits = s.slice(1);
  }
  if (digits.includes('_')) {
    if (!underscoreOK(text)) return undefined;
    digits = digits.replaceAll('_', '');
  }
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^\d+$/, 16: /^[0-9a-fA-F]+$/ }[base as 2 | 8 | 10 | 16];
  if (digits === '' && base === 8 && s.length > 0) digits = '0';
  if (!valid.test(digits)) return undefined;
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  const v = BigInt(prefix + digits);
  return neg ? -v : v;
}

function parseGoFloat(text: string): number | undefined {
  if (text.includes('_') && !underscoreOK(text)) return undefined;
  let s = text.replaceAll('_', '');
  if (/^[+-]?0[xX]/.test(text)) {
    const m = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(s);
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
    const mant = Number.parseInt((m[2] ?? '') + (m[3] ?? '') || '0', 16);
    const v = mant * 2 ** (Number(m[4]) - 4 * (m[3] ?? '').length);
    return m[1] === '-' ? -v : v;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  s = s.replace(/^\+/, '');
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's `parse.newNumber`: which of int/float a literal can be. */
function newNumber(pos: Pos, text: string, isChar: boolean): NumberNode | string {
  const n: NumberNode = { type: 'number', pos, text, isInt: false, isFloat: false, int: 0n, float: 0 };
  if (isChar) {
    const s = unquote(text);
    if (s === undefined || [...s].length !== 1) return 'invalid syntax';
    const cp = s.codePointAt(0) as number;
    return { ...n, isInt: true, isFloat: true, int: BigInt(cp), float: cp };
  }
  if (text.endsWith('i')) return `illegal number syntax: ${JSON.stringify(text)}`;
  const i = parseGoInt(text);
  if (i !== undefined && i >= INT64_MIN && i <= INT64_MAX) {
    return { ...n, isInt: true, isFloat: true, int: i, float: Number(i) };
  }
  if (i !== undefined && i > INT64_MAX && i < 2n ** 64n) {
    // A uint64 constant: usable as a float only.
    return { ...n, isFloat: true, float: Number(i) };
  }
  const f = parseGoFloat(text);
  if (f !== undefined) {
    if (!/[.eEpP]/.test(text)) return `integer overflow: ${JSON.stringify(text)}`;
    const out = { ...n, isFloat: true, float: f };
    if (Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63) {
      out.isInt = true;
      out.int = BigInt(f);
    }
    return out;
  }
  return `illegal number syntax: ${JSON.stringify(text)}`;
}

function tokenString(t: Token): string {
  switch (t.typ) {
    case T.EOF:
      return 'EOF';
    case T.Error:
      return t.val;
  }
  if (t.typ > T.Keyword) return `<${t.val}>`;
  if (t.val.length > 10) return `${JSON.stringify(t.val.slice(0, 10)).slice(0, -1)}"...`;
  return JSON.stringify(t.val);
}

/** Parses `text` into the main tree and its named templates; throws TemplateSyntaxError. */
export function parseTemplate(
  name: string,
  text: string,
  hasFunction: (name: string) => boolean,
): ParsedTemplates {
  const tokens = lex(text);
  let i = 0;
  let vars: string[] = ['$'];
  let rangeDepth = 0;
  let actionLine = 0;
  const defines = new Map<string, ListNode>();

  const lineOf = (pos: Pos): number => {
    let line = 1;
    for (let k = text.indexOf('\n'); k >= 0 && k < pos; k = text.indexOf('\n', k + 1)) line++;
    return line;
  };
  const errorf = (msg: string, at?: Token): never => {
    const tok = at ?? tokens[Math.max(0, i - 1)] ?? tokens[0];
    throw new TemplateSyntaxError(`template: ${name}:${lineOf(tok?.pos ?? 0)}: ${msg}`);
  };
  const next = (): Token => tokens[i < tokens.length ? i++ : tokens.length - 1] as Token;
  const peek = (): Token => tokens[Math.min(i, tokens.length - 1)] as Token;
  const backup = (n = 1): void => {
    i -= n;
  };
  const nextNonSpace = (): Token => {
    let t = next();
    while (t.typ === T.Space) t = next();
    return t;
  };
  const peekNonSpace = (): Token => {
    const t = nextNonSpace();
    backup();
    return t;
  };
  const unexpected = (t: Token, context: string): never => {
    if (t.typ === T.Error) {
      let extra = '';
      const line = lineOf(t.pos);
      if (actionLine !== 0 && actionLine !== line) {
        extra = ` in action started at ${name}:${actionLine}`;
        if (t.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      return errorf(`${t.val}${extra}`, t);
    }
    return errorf(`unexpected ${tokenString(t)} in ${context}`, t);
  };
  const expect = (typ: T, context: string): Token => {
    const t = nextNonSpace();
    if (t.typ !== typ) unexpected(t, context);
    return t;
  };

  const useVar = (pos: Pos, v: string): VariableNode => {
    const ident = v.split('.');
    // A variable token is `$name`; fields after it arrive as separate tokens.
    if (!vars.includes(ident[0] as string)) errorf(`undefined variable ${JSON.stringify(ident[0])}`);
    return { type: 'variable', pos, ident };
  };

  const term = (): ArgNode | undefined => {
    const t = nextNonSpace();
    switch (t.typ) {
      case T.Identifier:
        if (!hasFunction(t.val)) errorf(`function ${JSON.stringify(t.val)} not defined`, t);
        return { type: 'identifier', pos: t.pos, name: t.val };
      case T.Dot:
        return { type: 'dot', pos: t.pos };
      case T.Nil:
        return { type: 'nil', pos: t.pos };
      case T.Variable:
        return useVar(t.pos, t.val);
      case T.Field:
        return { type: 'field', pos: t.pos, ident: t.val.slice(1).split('.') };
      case T.Bool:
        return { type: 'bool', pos: t.pos, value: t.val === 'true' };
      case T.CharConstant:
      case T.Number: {
        const n = newNumber(t.pos, t.val, t.typ === T.CharConstant);
        if (typeof n === 'string') return errorf(n, t);
        return n;
      }
      case T.LeftParen:
        return pipeline('parenthesized pipeline', T.RightParen);
      case T.String:
      case T.RawString: {
        const s = unquote(t.val);
        if (s === undefined) return errorf('invalid syntax', t);
        return { type: 'string', pos: t.pos, quoted: t.val, text: s };
      }
    }
    backup();
    return undefined;
  };

  const operand = (): ArgNode | undefined => {
    const node = term();
    if (node === undefined) return undefined;
    if (peek().typ !== T.Field) return node;
    const fields: string[] = [];
    while (peek().typ === T.Field) fields.push(...next().val.slice(1).split('.'));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos: node.pos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos: node.pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        return errorf(`unexpected . after term ${JSON.stringify(nodeString(node))}`);
      default:
        return { type: 'chain', pos: node.pos, node, field: fields };
    }
  };

  const command = (): CommandNode => {
    const cmd: CommandNode = { type: 'command', pos: peekNonSpace().pos, args: [] };
    for (;;) {
      peekNonSpace();
      const op = operand();
      if (op !== undefined) cmd.args.push(op);
      const t = next();
      if (t.typ === T.Space) continue;
      if (t.typ === T.RightDelim || t.typ === T.RightParen) backup();
      else if (t.typ !== T.Pipe) unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) errorf('empty command');
    return cmd;
  };

  function pipeline(context: string, end: T): PipeNode {
    const first = peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: first.pos, isAssign: false, decl: [], cmds: [] };
    for (;;) {
      const v = peekNonSpace();
      if (v.typ !== T.Variable) break;
      const mark = i;
      nextNonSpace();
      const nxt = peekNonSpace();
      if (nxt.typ === T.Assign || nxt.typ === T.Declare) {
        pipe.isAssign = nxt.typ === T.Assign;
        nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: [v.val] });
        vars.push(v.val);
        break;
      }
      if (nxt.typ === T.Char && nxt.val === ',') {
        nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: [v.val] });
        vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = peekNonSpace().typ;
          if (p === T.Variable || p === T.RightDelim || p === T.RightParen) continue;
          errorf('range can only initialize variables');
        }
        errorf(`too many declarations in ${context}`);
      }
      i = mark;
      break;
    }
    for (;;) {
      const t = nextNonSpace();
      if (t.typ === end) {
        if (pipe.cmds.length === 0) errorf(`missing value for ${context}`);
        pipe.cmds.slice(1).forEach((c, k) => {
          const a = c.args[0]?.type;
          if (a === 'bool' || a === 'dot' || a === 'nil' || a === 'number' || a === 'string') {
            errorf(`non executable command in pipeline stage ${k + 2}`);
          }
        });
        return pipe;
      }
      switch (t.typ) {
        case T.Bool:
        case T.CharConstant:
        case T.Dot:
        case T.Field:
        case T.Identifier:
        case T.Number:
        case T.Nil:
        case T.RawString:
        case T.String:
        case T.Variable:
        case T.LeftParen:
          backup();
          pipe.cmds.push(command());
          break;
        default:
          unexpected(t, context);
      }
    }
  }

  const itemList = (): { list: ListNode; next: EndNode | ElseNode } => {
    const list: ListNode = { type: 'list', pos: peekNonSpace().pos, nodes: [] };
    while (peekNonSpace().typ !== T.EOF) {
      const n = textOrAction();
      if (n.type === 'end' || n.type === 'else') return { list, next: n };
      list.nodes.push(n);
    }
    return errorf('unexpected EOF');
  };

  const parseControl = (
    context: 'if' | 'with' | 'range',
  ): { pipe: PipeNode; list: ListNode; elseList: ListNode | undefined } => {
    const saved = vars.length;
    const pipe = pipeline(context, T.RightDelim);
    if (context === 'range') rangeDepth++;
    const body = itemList();
    if (context === 'range') rangeDepth--;
    let elseList: ListNode | undefined;
    if (body.next.type === 'else') {
      if ((context === 'if' && peek().typ === T.If) || (context === 'with' && peek().typ === T.With)) {
        next();
        elseList = { type: 'list', pos: body.next.pos, nodes: [control(context)] };
      } else {
        const e = itemList();
        elseList = e.list;
        if (e.next.type !== 'end') errorf('expected end; found {{else}}');
      }
    }
    vars = vars.slice(0, saved);
    return { pipe, list: body.list, elseList };
  };

  function control(context: 'if' | 'with' | 'range'): BranchNode {
    const { pipe, list, elseList } = parseControl(context);
    return { type: context, pos: pipe.pos, pipe, list, elseList };
  }

  const templateName = (t: Token, context: string): string => {
    if (t.typ === T.String || t.typ === T.RawString) {
      const s = unquote(t.val);
      if (s === undefined) return errorf('invalid syntax', t);
      return s;
    }
    return unexpected(t, context);
  };

  /** Parses a nested template body (define/block) with its own variable scope. */
  const subTemplate = (context: string): ListNode => {
    const savedVars = vars;
    const savedDepth = rangeDepth;
    vars = ['$'];
    rangeDepth = 0;
    const body = itemList();
    if (body.next.type !== 'end') errorf(`unexpected {{else}} in ${context}`);
    vars = savedVars;
    rangeDepth = savedDepth;
    return body.list;
  };

  const addDefine = (defName: string, list: ListNode): void => {
    // An empty definition does not replace a non-empty one (Go's IsEmptyTree check).
    const isEmpty = list.nodes.every((n) => n.type === 'text' && n.text.trim() === '');
    if (isEmpty && defines.has(defName)) return;
    defines.set(defName, list);
  };

  const action = (): Node | EndNode | ElseNode => {
    const t = nextNonSpace();
    switch (t.typ) {
      case T.Block: {
        const context = 'block clause';
        const nameTok = nextNonSpace();
        const blockName = templateName(nameTok, context);
        const pipe = pipeline(context, T.RightDelim);
        addDefine(blockName, subTemplate(context));
        return { type: 'template', pos: nameTok.pos, name: blockName, pipe };
      }
      case T.Break:
      case T.Continue: {
        const word = t.typ === T.Break ? 'break' : 'continue';
        const r = nextNonSpace();
        if (r.typ !== T.RightDelim) unexpected(r, `{{${word}}}`);
        if (rangeDepth === 0) errorf(`{{${word}}} outside {{range}}`);
        return { type: word, pos: t.pos };
      }
      case T.Else: {
        const p = peekNonSpace();
        if (p.typ === T.If || p.typ === T.With) {
          // Leave `if`/`with` pending: `{{else if x}}` is `{{else}}{{if x}}...{{end}}`.
          nextNonSpace();
          backup();
          return { type: 'else', pos: p.pos };
        }
        const r = expect(T.RightDelim, 'else');
        return { type: 'else', pos: r.pos };
      }
      case T.End:
        return { type: 'end', pos: expect(T.RightDelim, 'end').pos };
      case T.If:
        return control('if');
      case T.Range:
        return control('range');
      case T.With:
        return control('with');
      case T.Template: {
        const context = 'template clause';
        const nameTok = nextNonSpace();
        const tmplName = templateName(nameTok, context);
        let pipe: PipeNode | undefined;
        if (nextNonSpace().typ !== T.RightDelim) {
          backup();
          pipe = pipeline(context, T.RightDelim);
        }
        return { type: 'template', pos: nameTok.pos, name: tmplName, pipe };
      }
    }
    backup();
    return { type: 'action', pos: peek().pos, pipe: pipeline('command', T.RightDelim) };
  };

  function textOrAction(): Node | EndNode | ElseNode {
    const t = nextNonSpace();
    switch (t.typ) {
      case T.Text:
        return { type: 'text', pos: t.pos, text: t.val };
      case T.LeftDelim: {
        const saved = actionLine;
        actionLine = lineOf(t.pos);
        try {
          return action();
        } finally {
          actionLine = saved;
        }
      }
    }
    return unexpected(t, 'input');
  }

  const root: ListNode = { type: 'list', pos: peek().pos, nodes: [] };
  while (peek().typ !== T.EOF) {
    if (peek().typ === T.LeftDelim) {
      const mark = i;
      next();
      if (nextNonSpace().typ === T.Define) {
        const context = 'define clause';
        const nameTok = nextNonSpace();
        if (nameTok.typ !== T.String && nameTok.typ !== T.RawString) unexpected(nameTok, context);
        const defName = templateName(nameTok, context);
        expect(T.RightDelim, context);
        addDefine(defName, subTemplate(context));
        continue;
      }
      i = mark;
    }
    const n = textOrAction();
    if (n.type === 'end' || n.type === 'else') errorf(`unexpected {{${n.type}}}`);
    else root.nodes.push(n);
  }
  return { root, defines };
}

/** Names of the functions a template calls (from its tokens; stops at the first lexical error). */
export function functionNames(text: string): string[] {
  const names = new Set<string>();
  for (const t of lex(text)) if (t.typ === T.Identifier) names.add(t.val);
  return [...names];
}
