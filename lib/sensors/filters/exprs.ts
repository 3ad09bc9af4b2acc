/** Expr filters (semantics §3.4): govaluate expressions over fields read from the data with gjson. */
import { get } from '../../expr/gjson.ts';
import { compileGovaluate } from '../../expr/govaluate/index.ts';
import type { ExprFilter } from '../../manifests/types.ts';
import { errored, failed, passed } from './result.ts';
import type { FilterResult } from './result.ts';

type Compiled = ReturnType<typeof compileGovaluate>;
const compiled = new Map<string, Compiled>();

function compile(expr: string): Compiled {
  let c = compiled.get(expr);
  if (!c) {
    c = compileGovaluate(expr);
    compiled.set(expr, c);
  }
  return c;
}

function evaluateOne(filter: ExprFilter, json: string): FilterResult {
  const params: Record<string, unknown> = {};
  for (const field of filter.fields) {
    const result = get(json, field.path);
    if (!result.exists) return errored(`expr filter error (path '${field.path}' does not exist)`);
    params[field.name] = result.value();
  }
  try {
    return compile(filter.expr).evaluate(params) === true ? passed : failed;
  } catch (err) {
    return errored(`expr filter error (${err instanceof Error ? err.message : err})`);
  }
}

/** Combines a dependency's expr filters with `exprLogicalOperator` (and by default). */
export function evaluateExprFilters(
  filters: readonly ExprFilter[],
  json: string,
  operator: 'and' | 'or' | undefined,
): FilterResult {
  if (operator === 'or') {
    const errors: string[] = [];
    for (const filter of filters) {
      const result = evaluateOne(filter, json);
      if (result.pass) return passed;
      if (result.error) errors.push(result.error);
    }
    return errors.length > 0 ? errored(`expr filter errors [${errors.join(' / ')}]`) : failed;
  }
  for (const filter of filters) {
    const result = evaluateOne(filter, json);
    if (!result.pass) return result;
  }
  return passed;
}
