/**
 * Lexer and Pratt parser for the subset of antonmedv/expr v1.15.5 that EventSource `filter.expression`
 * uses (semantics §1.6). Operator precedences are expr's (`parser/operator`): `or ||` 10, `and &&` 15,
 * comparisons and `in matches contains startsWith endsWith` 20, `..` 25, `+ -` 30, `* / %` 60,
 * `not !` 50 (unary), `- +` 90 (unary), `** ^` 100 (right-associative), `??` 500; `? :` is lowest.
 */

/** A syntax error with expr's `(line:column)` position suffix. */
export class ExprSyntaxProblem extends Error {}

/** Parsed expression tree. */
export type Node =
  | { type: 'literal'; value: unknown }
  | { type: 'name'; name: string }
  | { type: 'unary'; op: string; operand: Node }
  | { type: 'binary'; op: string; left: Node; right: Node }
  | { type: 'conditional'; test: Node; then: Node; else: Node }
  | { type: 'member'; object: Node; property: Node; optional: boolean }
  | { type: 'slice'; object: Node; from: Node | undefined; to: Node | undefined }
  | { type: 'call'; callee: Node; args: Node[] }
  | { type: 'array'; items: Node[] }
  | { type: 'map'; entries: [Node, Node][] };

type Token =
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'ident'; value: string; pos: number }
  | { kind: 'op'; value: string; pos: number }
  | { kind: 'eof'; value: ''; pos: number };

const WORD_OPERATORS = new Set(['and', 'or', 'not', 'in', 'matches', 'contains', 'startsWith', 'endsWith']);
const SYMBOLS = ['?.', '??', '...', '..', '==', '!=', '<=', '>=', '&&', '||', '**'];
const SINGLE = '+-*/%^!<>()[]{},.:?#';

const BINARY: Record<string, { precedence: number; right?: boolean }> = {
  or: { precedence: 10 },
  '||': { precedence: 10 },
  and: { precedence: 15 },
  '&&': { precedence: 15 },
  '==': { precedence: 20 },
  '!=': { precedence: 20 },
  '<': { precedence: 20 },
  '>': { precedence: 20 },
  '<=': { precedence: 20 },
  '>=': { precedence: 20 },
  in: { precedence: 20 },
  matches: { precedence: 20 },
  contains: { precedence: 20 },
  startsWith: { precedence: 20 },
  endsWith: { precedence: 20 },
  '..': { precedence: 25 },
  '+': { precedence: 30 },
  '-': { precedence: 30 },
  '*': { precedence: 60 },
  '/': { precedence: 60 },
  '%': { precedence: 60 },
  '**': { precedence: 100, right: true },
  '^': { precedence: 100, right: true },
  '??': { precedence: 500 },
};
const UNARY: Record<string, number> = { not: 50, '!': 50, '-': 90, '+': 90 };

function position(source: string, pos: number): string {
  const before = source.slice(0, pos).split('\n');
  return `(${before.length}:${(before.at(-1)?.length ?? 0) + 1})`;
}

function lex(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (message: string, at: number): never => {
    throw new ExprSyntaxProblem(`${message} ${position(source, at)}`);
  };
  while (i < source.length) {
    const c = source[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    const number =
      /^(?:0[xX][0-9a-fA-F_]+|[0-9][0-9_]*(?:\.(?!\.)[0-9_]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9][0-9_]*(?:[eE][+-]?[0-9]+)?)/.exec(
        source.slice(i),
      );
    if (number !== null && /[0-9.]/.test(c)) {
      const text = number[0].replaceAll('_', '');
      const value = Number(text);
      if (Number.isNaN(value)) fail(`invalid number ${number[0]}`, start);
      tokens.push({ kind: 'number', value, pos: start });
      i += number[0].length;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      const { value, end } = readString(source, i, fail);
      tokens.push({ kind: 'string', value, pos: start });
      i = end;
      continue;
    }
    const ident = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(source.slice(i));
    if (ident !== null) {
      const word = ident[0];
      tokens.push(
        WORD_OPERATORS.has(word)
          ? { kind: 'op', value: word, pos: start }
          : { kind: 'ident', value: word, pos: start },
      );
      i += word.length;
      continue;
    }
    const symbol = SYMBOLS.find((s) => source.startsWith(s, i)) ?? (SINGLE.includes(c) ? c : undefined);
    if (symbol === undefined)
      fail(
        `unrecognized character: U+${c.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')} '${c}'`,
        start,
      );
    tokens.push({ kind: 'op', value: symbol as string, pos: start });
    i += (symbol as string).length;
  }
  tokens.push({ kind: 'eof', value: '', pos: source.length });
  return tokens;
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  v: '\v',
  a: '\x07',
  '\\': '\\',
  '"': '"',
  "'": "'",
  '`': '`',
};

function readString(
  source: string,
  start: number,
  fail: (message: string, at: number) => never,
): { value: string; end: number } {
  const quote = source[start];
  let value = '';
  let i = start + 1;
  while (i < source.length) {
    const c = source[i] ?? '';
    if (c === quote) return { value, end: i + 1 };
    if (c === '\\' && quote !== '`') {
      const e = source[i + 1] ?? '';
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        value += simple;
        i += 2;
        continue;
      }
      const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      const digits = source.slice(i + 2, i + 2 + hex);
      if (hex > 0 && new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits)) {
        value += String.fromCodePoint(Number.parseInt(digits, 16));
        i += 2 + hex;
        continue;
      }
      fail('invalid char escape', i);
    }
    value += c;
    i++;
  }
  return fail('literal not terminated', start);
}

/** Parses `source` into an expression tree; throws ExprSyntaxProblem. */
export function parse(source: string): Node {
  const tokens = lex(source);
  let index = 0;
  const peek = (): Token => tokens[index] ?? (tokens.at(-1) as Token);
  const next = (): Token => {
    const token = peek();
    index++;
    return token;
  };
  const fail = (message: string, token: Token): never => {
    throw new ExprSyntaxProblem(`${message} ${position(source, token.pos)}`);
  };
  const isOp = (token: Token, value: string) => token.kind === 'op' && token.value === value;
  const expect = (value: string): void => {
    const token = next();
    if (!isOp(token, value)) fail(`unexpected token ${describe(token)}`, token);
  };

  function parseExpression(precedence: number): Node {
    let left = parseUnary();
    for (;;) {
      const token = peek();
      if (token.kind !== 'op') break;
      let op = token.value;
      let negate = false;
      // `not in`, `not matches`, …: a negated comparison.
      if (op === 'not') {
        const after = tokens[index + 1];
        if (after === undefined || after.kind !== 'op' || BINARY[after.value]?.precedence !== 20) break;
        negate = true;
        op = after.value;
      }
      const info = BINARY[op];
      if (info === undefined || info.precedence < precedence) break;
      index += negate ? 2 : 1;
      const right = parseExpression(info.right === true ? info.precedence : info.precedence + 1);
      left = { type: 'binary', op, left, right };
      if (negate) left = { type: 'unary', op: 'not', operand: left };
    }
    if (precedence === 0 && isOp(peek(), '?')) {
      next();
      const then = parseExpression(0);
      expect(':');
      const otherwise = parseExpression(0);
      return { type: 'conditional', test: left, then, else: otherwise };
    }
    return left;
  }

  function parseUnary(): Node {
    const token = peek();
    if (token.kind === 'op' && UNARY[token.value] !== undefined) {
      next();
      const operand = parseExpression(UNARY[token.value] as number);
      return parsePostfix({ type: 'unary', op: token.value, operand });
    }
    return parsePostfix(parsePrimary());
  }

  function parsePrimary(): Node {
    const token = next();
    switch (token.kind) {
      case 'number':
      case 'string':
        return { type: 'literal', value: token.value };
      case 'ident':
        if (token.value === 'true' || token.value === 'false')
          return { type: 'literal', value: token.value === 'true' };
        if (token.value === 'nil') return { type: 'literal', value: null };
        if (isOp(peek(), '('))
          return { type: 'call', callee: { type: 'name', name: token.value }, args: parseArgs() };
        return { type: 'name', name: token.value };
      case 'op':
        if (token.value === '(') {
          const inner = parseExpression(0);
          expect(')');
          return inner;
        }
        if (token.value === '[') {
          const items: Node[] = [];
          while (!isOp(peek(), ']')) {
            items.push(parseExpression(0));
            if (!isOp(peek(), ']')) expect(',');
          }
          next();
          return { type: 'array', items };
        }
        if (token.value === '{') {
          const entries: [Node, Node][] = [];
          while (!isOp(peek(), '}')) {
            const key = next();
            let keyNode: Node;
            if (key.kind === 'ident' || key.kind === 'string')
              keyNode = { type: 'literal', value: key.value };
            else if (key.kind === 'number') keyNode = { type: 'literal', value: key.value };
            else if (isOp(key, '(')) {
              keyNode = parseExpression(0);
              expect(')');
            } else
              return fail(
                `a map key must be a quoted string, a number, a identifier, or an expression enclosed in parentheses (unexpected token ${describe(key)})`,
                key,
              );
            expect(':');
            entries.push([keyNode, parseExpression(0)]);
            if (!isOp(peek(), '}')) expect(',');
          }
          next();
          return { type: 'map', entries };
        }
        return fail(`unexpected token ${describe(token)}`, token);
      default:
        return fail(`unexpected token ${describe(token)}`, token);
    }
  }

  function parseArgs(): Node[] {
    expect('(');
    const args: Node[] = [];
    while (!isOp(peek(), ')')) {
      args.push(parseExpression(0));
      if (!isOp(peek(), ')')) expect(',');
    }
    next();
    return args;
  }

  function parsePostfix(node: Node): Node {
    let current = node;
    for (;;) {
      const token = peek();
      if (isOp(token, '.') || isOp(token, '?.')) {
        next();
        const name = next();
        if (name.kind !== 'ident' && !(name.kind === 'op' && WORD_OPERATORS.has(name.value))) {
          return fail(`expected name`, name);
        }
        const member: Node = {
          type: 'member',
          object: current,
          property: { type: 'literal', value: name.value },
          optional: token.value === '?.',
        };
        current = isOp(peek(), '(') ? { type: 'call', callee: member, args: parseArgs() } : member;
        continue;
      }
      if (isOp(token, '[')) {
        next();
        if (isOp(peek(), ':')) {
          next();
          const to = isOp(peek(), ']') ? undefined : parseExpression(0);
          expect(']');
          current = { type: 'slice', object: current, from: undefined, to };
          continue;
        }
        const property = parseExpression(0);
        if (isOp(peek(), ':')) {
          next();
          const to = isOp(peek(), ']') ? undefined : parseExpression(0);
          expect(']');
          current = { type: 'slice', object: current, from: property, to };
          continue;
        }
        expect(']');
        current = { type: 'member', object: current, property, optional: false };
        continue;
      }
      return current;
    }
  }

  const root = parseExpression(0);
  const rest = peek();
  if (rest.kind !== 'eof') fail(`unexpected token ${describe(rest)}`, rest);
  return root;
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'EOF';
    case 'string':
      return `String(${JSON.stringify(token.value)})`;
    case 'number':
      return `Number(${JSON.stringify(token.value)})`;
    case 'ident':
      return `Identifier(${JSON.stringify(token.value)})`;
    default:
      return `Operator(${JSON.stringify(token.value)})`;
  }
}
