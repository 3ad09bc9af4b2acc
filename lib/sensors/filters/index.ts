/**
 * A dependency's filters combined as upstream does (semantics §3.2; argoproj/argo-events:
 * pkg/sensors/dependencies/filter.go `filterEvent`): expr, data, context, time and script are all evaluated;
 * `and` stops at the first error, `or` passes if any configured kind passed.
 */
import type { SensorEvent } from '../../events/envelope.ts';
import type { EventDependency } from '../../manifests/types.ts';
import { dataText } from '../event-data.ts';
import { evaluateContextFilter } from './context.ts';
import { evaluateDataFilters } from './data.ts';
import { evaluateExprFilters } from './exprs.ts';
import { errored, failed, passed } from './result.ts';
import type { FilterResult } from './result.ts';
import { evaluateTimeFilter } from './time.ts';

export type { FilterResult } from './result.ts';

/** Checks the data is JSON when it arrived as raw bytes. */
function dataError(event: SensorEvent): string | undefined {
  if (event.raw === undefined || event.raw === '') return undefined;
  try {
    JSON.parse(event.raw);
    return undefined;
  } catch {
    return 'event data not valid JSON';
  }
}

/** Evaluates every configured filter kind of a dependency against one event. */
export function evaluateFilters(dependency: EventDependency, event: SensorEvent | null): FilterResult {
  const filters = dependency.filters;
  if (!filters) return passed;
  if (!event) return errored('nil event');
  const json = dataText(event);
  const hasData = json !== '' && json !== 'null';
  const badData = dataError(event);

  // Absent data passes the expr, data and script filters (upstream returns true early for each).
  const kinds: [configured: boolean, evaluate: () => FilterResult][] = [
    [
      (filters.exprs?.length ?? 0) > 0,
      () =>
        badData
          ? errored(`expr filter error (${badData})`)
          : hasData
            ? evaluateExprFilters(filters.exprs ?? [], json, filters.exprLogicalOperator)
            : passed,
    ],
    [
      (filters.data?.length ?? 0) > 0,
      () =>
        badData
          ? errored(`data filter error (${badData})`)
          : hasData
            ? evaluateDataFilters(filters.data ?? [], json, filters.dataLogicalOperator)
            : passed,
    ],
    [filters.context !== undefined, () => evaluateContextFilter(filters.context ?? {}, event.context)],
    [filters.time !== undefined, () => (filters.time ? evaluateTimeFilter(filters.time, event.context.time) : passed)],
  ];

  if (dependency.filtersLogicalOperator === 'or') {
    const errors: string[] = [];
    let anyPassed = false;
    for (const [configured, evaluate] of kinds) {
      if (!configured) continue;
      const result = evaluate();
      if (result.error) errors.push(result.error);
      if (result.pass) anyPassed = true;
    }
    const error = errors.length > 0 ? errors.join('; ') : undefined;
    return error === undefined ? { pass: anyPassed } : { pass: anyPassed, error };
  }
  let all = true;
  for (const [configured, evaluate] of kinds) {
    if (!configured) continue;
    const result = evaluate();
    if (result.error) return { pass: false, error: result.error };
    if (!result.pass) all = false;
  }
  return all ? passed : failed;
}
