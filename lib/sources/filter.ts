/**
 * EventSource `filter.expression` (semantics §1.6): expr-lang over the event data, decided before
 * publishing. The evaluator is imported on first use so endpoints without filters never load it.
 */
import type { FilterEvaluator } from './ingest.ts';

type ExprLang = typeof import('../expr/expr-lang/index.ts');

/** An evaluator that compiles each expression once; a non-boolean result is an error (the event is dropped). */
export function exprLangFilter(): FilterEvaluator {
  let module: Promise<ExprLang> | undefined;
  const compiled = new Map<string, ReturnType<ExprLang['compileExprLang']>>();
  return async function evaluateFilter(expression, data) {
    module ??= import('../expr/expr-lang/index.ts');
    const { compileExprLang, buildExprEnv } = await module;
    let program = compiled.get(expression);
    if (!program) {
      program = compileExprLang(expression);
      compiled.set(expression, program);
    }
    const result = program.evaluate(buildExprEnv(data));
    if (typeof result !== 'boolean')
      throw new TypeError(`filter expression returned ${typeof result}, not a boolean`);
    return result;
  };
}
