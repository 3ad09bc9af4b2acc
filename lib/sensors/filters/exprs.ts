/**
 * Expr filters (semantics §3.4; argoproj/argo-events: pkg/sensors/dependencies/filter.go `filterExpr`):
 * govaluate expressions over fields read from the data with gjson. Error texts are upstream's:
 * `expr filter error (path 'a.c' does not exist)`, `expr filter errors [a / b]`.
 */
import { get } from '../../expr/gjson.ts';
import { compileGovaluate } from '../../expr/govaluate/index.ts';
import type { ExprFilter } from '../../manifests/types.ts';
import type { DataDocument } from './data.ts';
import type { FilterResult } from './result.ts';
import { errored, failed, passed } from './result.ts';

type Compiled = ReturnType<typeof compileGovaluate>;
const compiled = new Map<string, Compiled>();

/** Compiles an expression once per distinct text (expressions come from manifests: a bounded set). */
function compile(expr: string): Compiled {
  let c = compiled.get(expr);
  if (!c) {
    c = compileGovaluate(expr);
    compiled.set(expr, c);
  }
  return c;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

type Verdict = { kind: 'pass' } | { kind: 'fail' } | { kind: 'skip' } | { kind: 'error'; message: string };

function evaluateOne(filter: ExprFilter, document: DataDocument): Verdict {
  const params: Record<string, unknown> = {};
  let bound = 0;
  for (const field of filter.fields ?? []) {
    const result = typeof document === 'string' ? get(document, field.path) : document(field.path);
    if (!result.exists) return { kind: 'error', message: `path '${field.path}' does not exist` };
    params[field.name] = result.value();
    bound++;
  }
  // Upstream skips an expression that binds no field at all.
  if (bound === 0) return { kind: 'skip' };
  try {
    return compile(filter.expr).evaluate(params) === true ? { kind: 'pass' } : { kind: 'fail' };
  } catch (err) {
    return { kind: 'error', message: messageOf(err) };
  }
}

/**
 * Combines a dependency's expr filters with `exprLogicalOperator`: `and` (default) stops at the first
 * false expression or error; `or` passes at the first true one and otherwise reports every error.
 */
export function evaluateExprFilters(
  filters: readonly ExprFilter[],
  document: DataDocument,
  operator: 'and' | 'or' | '' | undefined,
): FilterResult {
  if (operator === 'or') {
    const errors: string[] = [];
    for (const filter of filters) {
      const verdict = evaluateOne(filter, document);
      if (verdict.kind === 'pass') return passed;
      if (verdict.kind === 'error') errors.push(verdict.message);
    }
    return errors.length > 0 ? errored(`expr filter errors [${errors.join(' / ')}]`) : failed;
  }
  for (const filter of filters) {
    const verdict = evaluateOne(filter, document);
    if (verdict.kind === 'error') return errored(`expr filter error (${verdict.message})`);
    if (verdict.kind === 'fail') return failed;
  }
  return passed;
}
