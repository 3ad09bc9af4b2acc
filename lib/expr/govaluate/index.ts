/**
 * Knetic/govaluate at commit 9aa4983 (2017), the language of Argo Events' dependency `exprs` filters and
 * trigger `conditions` (semantics §3.4, §4.1). Compile once per manifest, evaluate per event.
 *
 * @example
 * const expr = compileGovaluate('b != "b" && d == true');
 * expr.variables; // ['b', 'd']
 * expr.evaluate({ b: 'x', d: true }); // true
 */
import { ErrorCode, OutriggerError } from '../../errors.ts';
import { compileRegex, RegexSyntaxError } from '../regex.ts';
import { evaluateStage, GovaluateRuntimeProblem, PatternValue } from './evaluate.ts';
import { checkSyntax, GovaluateSyntaxProblem, lex, type Token } from './lexer.ts';
import { literal, planStages, type Stage } from './planner.ts';

export { formatGoFloat, formatGoValue } from './go-format.ts';

/**
 * A govaluate expression that cannot be compiled (`phase: 'compile'`) or evaluated (`phase: 'evaluate'`);
 * the message is govaluate's own.
 */
export class GovaluateError extends OutriggerError {
  readonly phase: 'compile' | 'evaluate';
  readonly expression: string;

  constructor(expression: string, message: string, phase: 'compile' | 'evaluate', cause?: unknown) {
    super(ErrorCode.ExpressionInvalid, message, { statusCode: 400, expose: true, cause });
    this.phase = phase;
    this.expression = expression;
  }
}

/** A compiled govaluate expression. */
export interface GovaluateExpression {
  /** The expression as written. */
  readonly source: string;
  /** Names of the plain variables it reads (govaluate's `Vars()`, de-duplicated, in order of appearance). */
  readonly variables: readonly string[];
  /**
   * Evaluates with `params` (missing names are errors only when reached; `&&`, `||`, `?:` and `??`
   * short-circuit). Returns the raw value: number, string, boolean, null, array or object.
   * Throws `GovaluateError` for type errors and unknown parameters.
   */
  evaluate(params?: Record<string, unknown>): unknown;
}

/** Compiles a govaluate expression; throws `GovaluateError` (phase `compile`) with govaluate's message. */
export function compileGovaluate(expression: string): GovaluateExpression {
  let tokens: Token[];
  let root: Stage | undefined;
  try {
    tokens = lex(expression);
    checkSyntax(tokens);
    root = planStages(tokens);
    if (root !== undefined) root = precompilePatterns(root, tokens);
  } catch (err) {
    throw asGovaluateError(expression, err, 'compile');
  }
  const variables = [...new Set(tokens.flatMap((t) => (t.kind === 'VARIABLE' ? [t.value] : [])))];
  const plan = root;
  return {
    source: expression,
    variables,
    evaluate(params = {}) {
      if (plan === undefined) return null;
      try {
        return evaluateStage(plan, params);
      } catch (err) {
        throw asGovaluateError(expression, err, 'evaluate');
      }
    },
  };
}

function asGovaluateError(expression: string, err: unknown, phase: 'compile' | 'evaluate'): unknown {
  if (err instanceof GovaluateSyntaxProblem || err instanceof GovaluateRuntimeProblem) {
    return new GovaluateError(expression, err.message, phase, err);
  }
  if (err instanceof RegexSyntaxError) return new GovaluateError(expression, err.message, phase, err);
  if (err instanceof RangeError) {
    // Recursion depth: only reachable with absurdly nested input.
    return new GovaluateError(expression, 'expression is too deeply nested', phase, err);
  }
  return err;
}

// govaluate's optimizeTokens: a string literal right after `=~` or `!~` is compiled once, at compile time,
// so an invalid pattern there is a compile error with RE2's message.
function precompilePatterns(root: Stage, tokens: Token[]): Stage {
  const patterns = new Set<string>();
  tokens.forEach((token, i) => {
    const next = tokens[i + 1];
    if (
      token.kind === 'COMPARATOR' &&
      (token.value === '=~' || token.value === '!~') &&
      next?.kind === 'STRING'
    ) {
      patterns.add(next.value);
      compileRegex(next.value);
    }
  });
  if (patterns.size === 0) return root;
  // Replace exactly the literal stages that were the right operand of a regex comparator.
  const visit = (stage: Stage | undefined): void => {
    if (stage === undefined) return;
    const { symbol } = stage.info;
    if ((symbol === 'REQ' || symbol === 'NREQ') && stage.right?.info.symbol === 'LITERAL') {
      const pattern = stage.right.info.payload;
      if (typeof pattern === 'string' && patterns.has(pattern)) {
        stage.right = literal(new PatternValue(compileRegex(pattern)));
      }
    }
    visit(stage.left);
    visit(stage.right);
  };
  visit(root);
  return root;
}
