/**
 * govaluate's stage planner (`stagePlanner.go`): a right-recursive descent over precedence levels,
 * followed by `reorderStages`, which mirrors runs of equal-precedence operators on the right spine so they
 * evaluate left to right. The mirroring is reproduced step for step because it, not a textbook grammar,
 * decides how govaluate groups expressions such as `a ? b : c` (as `(a ? b) : c`) and `2 ** 3 ** 2`
 * (as `(2 ** 3) ** 2`).
 */
import { GovaluateSyntaxProblem, type Token, type TokenKind } from './lexer.ts';

/** Operator symbols, as govaluate's `OperatorSymbol`. */
export type OperatorSymbol =
  | 'VALUE'
  | 'LITERAL'
  | 'NOOP'
  | 'EQ'
  | 'NEQ'
  | 'GT'
  | 'LT'
  | 'GTE'
  | 'LTE'
  | 'REQ'
  | 'NREQ'
  | 'IN'
  | 'AND'
  | 'OR'
  | 'PLUS'
  | 'MINUS'
  | 'BITWISE_AND'
  | 'BITWISE_OR'
  | 'BITWISE_XOR'
  | 'BITWISE_LSHIFT'
  | 'BITWISE_RSHIFT'
  | 'MULTIPLY'
  | 'DIVIDE'
  | 'MODULUS'
  | 'EXPONENT'
  | 'NEGATE'
  | 'INVERT'
  | 'BITWISE_NOT'
  | 'TERNARY_TRUE'
  | 'TERNARY_FALSE'
  | 'COALESCE'
  | 'ACCESS'
  | 'SEPARATE';

/** What a stage does; swapped as a whole between stages when a run is mirrored (Go's `swapWith`). */
export interface StageInfo {
  symbol: OperatorSymbol;
  /** LITERAL: the value; VALUE: the parameter name; ACCESS: the dotted path. */
  payload: unknown;
  errorFormat: string;
}

/** A node of the evaluation tree. */
export interface Stage {
  info: StageInfo;
  left: Stage | undefined;
  right: Stage | undefined;
}

export const ERROR_FORMAT = {
  logical: "Value '%v' cannot be used with the logical operator '%v', it is not a bool",
  modifier: "Value '%v' cannot be used with the modifier '%v', it is not a number",
  comparator: "Value '%v' cannot be used with the comparator '%v', it is not a number",
  ternary: "Value '%v' cannot be used with the ternary operator '%v', it is not a bool",
  prefix: "Value '%v' cannot be used with the prefix '%v'",
} as const;

type Precedent = (stream: TokenStream) => Stage | undefined;

class TokenStream {
  readonly tokens: Token[];
  index = 0;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  hasNext(): boolean {
    return this.index < this.tokens.length;
  }

  next(): Token {
    const token = this.tokens[this.index];
    if (token === undefined) throw new GovaluateSyntaxProblem('Unexpected end of expression');
    this.index++;
    return token;
  }

  rewind(): void {
    this.index--;
  }
}

interface Level {
  symbols: Readonly<Record<string, OperatorSymbol>>;
  kind: TokenKind;
  errorFormat: string;
  /** Parses the left operand; none for prefixes. */
  next: Precedent | undefined;
  /** Parses the right operand; the level itself unless given (right recursion). */
  nextRight?: Precedent;
}

function makeLevel(level: Level): Precedent {
  const generated: Precedent = (stream) => planLevel(stream, level, level.nextRight ?? generated);
  return generated;
}

// Go's planPrecedenceLevel, including its unconditional rewind when the loop ends: at the end of the
// stream that steps back onto the last token, which every caller then reads again and rejects.
function planLevel(stream: TokenStream, level: Level, right: Precedent): Stage | undefined {
  const leftStage = level.next?.(stream);
  while (stream.hasNext()) {
    const token = stream.next();
    if (token.kind !== level.kind) break;
    const symbol = typeof token.value === 'string' ? level.symbols[token.value] : undefined;
    if (symbol === undefined) break;
    const rightStage = right(stream);
    return {
      info: { symbol, payload: undefined, errorFormat: level.errorFormat },
      left: leftStage,
      right: rightStage,
    };
  }
  stream.rewind();
  return leftStage;
}

const planPrefix: Precedent = (stream) =>
  planLevel(
    stream,
    {
      symbols: { '-': 'NEGATE', '!': 'INVERT', '~': 'BITWISE_NOT' },
      kind: 'PREFIX',
      errorFormat: ERROR_FORMAT.prefix,
      next: undefined,
    },
    planAccessor,
  );
const planExponential = makeLevel({
  symbols: { '**': 'EXPONENT' },
  kind: 'MODIFIER',
  errorFormat: ERROR_FORMAT.modifier,
  // govaluate's planFunction comes first, but Argo registers no functions, so it only defers here.
  next: (stream) => planAccessor(stream),
});
const planMultiplicative = makeLevel({
  symbols: { '*': 'MULTIPLY', '/': 'DIVIDE', '%': 'MODULUS' },
  kind: 'MODIFIER',
  errorFormat: ERROR_FORMAT.modifier,
  next: planExponential,
});
const planAdditive = makeLevel({
  symbols: { '+': 'PLUS', '-': 'MINUS' },
  kind: 'MODIFIER',
  errorFormat: ERROR_FORMAT.modifier,
  next: planMultiplicative,
});
const planShift = makeLevel({
  symbols: { '>>': 'BITWISE_RSHIFT', '<<': 'BITWISE_LSHIFT' },
  kind: 'MODIFIER',
  errorFormat: ERROR_FORMAT.modifier,
  next: planAdditive,
});
const planBitwise = makeLevel({
  symbols: { '^': 'BITWISE_XOR', '&': 'BITWISE_AND', '|': 'BITWISE_OR' },
  kind: 'MODIFIER',
  errorFormat: ERROR_FORMAT.modifier,
  next: planShift,
});
const planComparator = makeLevel({
  symbols: {
    '==': 'EQ',
    '!=': 'NEQ',
    '>': 'GT',
    '>=': 'GTE',
    '<': 'LT',
    '<=': 'LTE',
    '=~': 'REQ',
    '!~': 'NREQ',
    in: 'IN',
  },
  kind: 'COMPARATOR',
  errorFormat: ERROR_FORMAT.comparator,
  next: planBitwise,
});
const planLogicalAnd = makeLevel({
  symbols: { '&&': 'AND' },
  kind: 'LOGICALOP',
  errorFormat: ERROR_FORMAT.logical,
  next: planComparator,
});
const planLogicalOr = makeLevel({
  symbols: { '||': 'OR' },
  kind: 'LOGICALOP',
  errorFormat: ERROR_FORMAT.logical,
  next: planLogicalAnd,
});
const planTernary = makeLevel({
  symbols: { '?': 'TERNARY_TRUE', ':': 'TERNARY_FALSE', '??': 'COALESCE' },
  kind: 'TERNARY',
  errorFormat: ERROR_FORMAT.ternary,
  next: planLogicalOr,
});
const planSeparator = makeLevel({
  symbols: { ',': 'SEPARATE' },
  kind: 'SEPARATOR',
  errorFormat: '',
  next: planTernary,
});

function planTokens(stream: TokenStream): Stage | undefined {
  return stream.hasNext() ? planSeparator(stream) : undefined;
}

function planAccessor(stream: TokenStream): Stage | undefined {
  if (!stream.hasNext()) return undefined;
  const token = stream.next();
  if (token.kind !== 'ACCESSOR') {
    stream.rewind();
    return planValue(stream);
  }
  // A clause right after an accessor is a method call; govaluate then plans the whole rest as arguments.
  let right: Stage | undefined;
  if (stream.hasNext()) {
    const following = stream.next();
    stream.rewind();
    if (following.kind === 'CLAUSE') right = planTokens(stream);
  }
  return { info: { symbol: 'ACCESS', payload: token.value, errorFormat: '' }, left: undefined, right };
}

function planValue(stream: TokenStream): Stage | undefined {
  if (!stream.hasNext()) return undefined;
  const token = stream.next();
  switch (token.kind) {
    case 'CLAUSE': {
      const inner = planTokens(stream);
      stream.next();
      // The no-op wrapper stops precedence chains from crossing the parentheses (govaluate #33).
      return { info: { symbol: 'NOOP', payload: undefined, errorFormat: '' }, left: undefined, right: inner };
    }
    case 'CLAUSE_CLOSE':
      // Empty parentheses.
      stream.rewind();
      return undefined;
    case 'VARIABLE':
      return {
        info: { symbol: 'VALUE', payload: token.value, errorFormat: '' },
        left: undefined,
        right: undefined,
      };
    case 'NUMERIC':
    case 'STRING':
    case 'BOOLEAN':
    case 'TIME':
      return literal(token.value);
    case 'PREFIX':
      stream.rewind();
      return planPrefix(stream);
    default:
      throw new GovaluateSyntaxProblem(`Unable to plan token kind: '${token.kind}', value: '${token.text}'`);
  }
}

/** A stage that yields a constant. */
export function literal(value: unknown): Stage {
  return { info: { symbol: 'LITERAL', payload: value, errorFormat: '' }, left: undefined, right: undefined };
}

/** Plans tokens (already syntax-checked) into a stage tree, as govaluate's `planStages`. */
export function planStages(tokens: Token[]): Stage | undefined {
  const root = planTokens(new TokenStream(tokens));
  if (root !== undefined) reorderStages(root);
  return root;
}

const PRECEDENCE: Partial<Record<OperatorSymbol, number>> = {
  NOOP: 0,
  VALUE: 1,
  ACCESS: 2,
  NEGATE: 3,
  INVERT: 3,
  BITWISE_NOT: 3,
  EXPONENT: 4,
  PLUS: 5,
  MINUS: 5,
  BITWISE_AND: 6,
  BITWISE_OR: 6,
  BITWISE_XOR: 6,
  BITWISE_LSHIFT: 7,
  BITWISE_RSHIFT: 7,
  MULTIPLY: 8,
  DIVIDE: 8,
  MODULUS: 8,
  EQ: 9,
  NEQ: 9,
  GT: 9,
  LT: 9,
  GTE: 9,
  LTE: 9,
  REQ: 9,
  NREQ: 9,
  IN: 9,
  TERNARY_TRUE: 10,
  TERNARY_FALSE: 10,
  COALESCE: 10,
  AND: 11,
  OR: 12,
  SEPARATE: 13,
};

function precedenceOf(symbol: OperatorSymbol): number {
  // LITERAL is not listed in govaluate's table and falls back to value precedence.
  return PRECEDENCE[symbol] ?? 1;
}

function reorderStages(root: Stage): void {
  let run: Stage[] = [];
  let precedence = precedenceOf(root.info.symbol);
  let next: Stage | undefined = root;
  while (next !== undefined) {
    const current: Stage = next;
    next = current.right;
    if (current.left !== undefined) reorderStages(current.left);
    const currentPrecedence = precedenceOf(current.info.symbol);
    if (currentPrecedence === precedence) {
      run.push(current);
      continue;
    }
    if (run.length > 1) mirrorStageSubtree(run);
    run = [current];
    precedence = currentPrecedence;
  }
  if (run.length > 1) mirrorStageSubtree(run);
}

// Go's mirrorStageSubtree, step for step: the run is a root-to-leaf chain of right children.
function mirrorStageSubtree(stages: Stage[]): void {
  const n = stages.length;
  const get = (i: number) => stages[i] as Stage;
  for (const stage of stages) {
    const carry = stage.right;
    stage.right = stage.left;
    stage.left = carry;
  }
  const root = get(0);
  const end = get(n - 1);
  const carry = end.left;
  end.left = root.right;
  root.right = carry;
  for (let i = 0; i < Math.floor((n - 2) / 2) + 1; i++) {
    const front = get(i + 1);
    const inverse = get(n - i - 1);
    const swap = front.right;
    front.right = inverse.right;
    inverse.right = swap;
  }
  for (let i = 0; i < Math.floor(n / 2); i++) {
    const front = get(i);
    const inverse = get(n - i - 1);
    const info = front.info;
    front.info = inverse.info;
    inverse.info = info;
  }
}
