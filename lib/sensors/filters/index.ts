/**
 * A dependency's filters combined as upstream does (semantics §3.2; argoproj/argo-events:
 * pkg/sensors/dependencies/filter.go `filterEvent`): expr, data, context, time and script are all
 * evaluated; under `and` (default) the first error among expr, data and time decides, under `or` the event
 * passes when any configured kind passed and the errors are only reported; a script error decides in both.
 *
 * Lua (`filters.script`) is asynchronous to load and run, so there are two entry points: `evaluateFilters`
 * (synchronous, refuses a script) and `evaluateFiltersAsync`; `evaluateDependency` also applies the
 * dependency's transform first, as upstream does.
 */
import type { SensorEvent } from '../../events/envelope.ts';
import type { GjsonResult } from '../../expr/gjson.ts';
import { valid } from '../../expr/gjson.ts';
import type { EventDependency, EventDependencyFilter } from '../../manifests/types.ts';
import { dataText, getData } from '../event-data.ts';
import { applyTransform } from '../transform/index.ts';
import { evaluateContextFilter } from './context.ts';
import { evaluateDataFilters } from './data.ts';
import { evaluateExprFilters } from './exprs.ts';
import type { FilterResult } from './result.ts';
import { errored, failed, passed } from './result.ts';
import { evaluateScriptFilter } from './script.ts';
import { evaluateTimeFilter } from './time.ts';

export type { FilterResult } from './result.ts';

/** Whether the event has data, whether it is JSON, and how filters read paths in it. */
function payloadOf(event: SensorEvent): {
  present: boolean;
  validJson: boolean;
  document: (path: string) => GjsonResult;
} {
  const present =
    event.raw !== undefined ? event.raw !== '' : event.data !== undefined && event.data !== null;
  // Parsed data is JSON by construction; only raw bytes need checking.
  const validJson = !present || event.raw === undefined || valid(dataText(event));
  return { present, validJson, document: (path) => getData(event, path) };
}

/** Go's `!= nil`: a kind is configured when its field is present and not null. */
const isSet = <T>(value: T | null | undefined): value is T => value !== undefined && value !== null;

interface SyncKinds {
  filters: EventDependencyFilter;
  or: boolean;
  /** Errors of the synchronous kinds, in upstream's order (expr, data, time). */
  errors: string[];
  /** OR of the configured synchronous kinds that passed. */
  anyPassed: boolean;
  /** AND of the synchronous kinds. */
  allPassed: boolean;
}

/** Evaluates expr, data, context and time filters. */
function evaluateSyncKinds(dependency: EventDependency, event: SensorEvent | null): SyncKinds {
  const filters = dependency.filters ?? {};
  const or = dependency.filtersLogicalOperator === 'or';
  const kinds: SyncKinds = { filters, or, errors: [], anyPassed: false, allPassed: true };
  const payload = event ? payloadOf(event) : undefined;

  if (isSet(filters.exprs)) {
    record(
      kinds,
      !payload
        ? errored('expr filter error (nil event)')
        : !payload.present
          ? passed
          : !payload.validJson
            ? errored('expr filter error (event data not valid JSON)')
            : evaluateExprFilters(filters.exprs, payload.document, filters.exprLogicalOperator),
    );
  }
  if (isSet(filters.data)) {
    record(
      kinds,
      filters.data.length === 0
        ? passed
        : !payload
          ? errored('data filter error (nil Event)')
          : !payload.present
            ? passed
            : !payload.validJson
              ? errored('data filter error (event data not valid JSON)')
              : evaluateDataFilters(filters.data, payload.document, filters.dataLogicalOperator),
    );
  }
  if (isSet(filters.context)) record(kinds, evaluateContextFilter(filters.context, event?.context));
  if (isSet(filters.time)) {
    const time = event?.context?.time;
    record(
      kinds,
      time === undefined
        ? errored('time filter error (event has no time)')
        : evaluateTimeFilter(filters.time, time),
    );
  }
  return kinds;
}

/** Adds one kind's result to the tally (a function, not a closure per event: this runs for every event). */
function record(kinds: SyncKinds, result: FilterResult): void {
  if (result.error !== undefined) kinds.errors.push(result.error);
  if (result.pass) kinds.anyPassed = true;
  else kinds.allPassed = false;
}

/** Combines the synchronous kinds with the script filter's result, as `filterEvent` does. */
function combine(kinds: SyncKinds, script: FilterResult | undefined): FilterResult {
  if (!kinds.or && kinds.errors.length > 0) return { pass: false, error: kinds.errors[0] ?? '' };
  if (script?.error !== undefined) return { pass: false, error: script.error };
  if (kinds.or) {
    const pass = kinds.anyPassed || script?.pass === true;
    return kinds.errors.length > 0 ? { pass, error: kinds.errors.join(' / ') } : { pass };
  }
  return kinds.allPassed && (script?.pass ?? true) ? passed : failed;
}

const hasScript = (dependency: EventDependency) => (dependency.filters?.script ?? '') !== '';

/** True when the dependency needs the asynchronous entry points (Lua script filter or a transform). */
export function needsAsync(dependency: EventDependency): boolean {
  const transform = dependency.transform;
  return hasScript(dependency) || Boolean(transform?.jq || transform?.script);
}

/** Evaluates every configured filter kind of a dependency against one event (no script filter). */
export function evaluateFilters(dependency: EventDependency, event: SensorEvent | null): FilterResult {
  if (!dependency.filters) return passed;
  const kinds = evaluateSyncKinds(dependency, event);
  const script = hasScript(dependency)
    ? errored('filters.script is evaluated by evaluateFiltersAsync only')
    : undefined;
  return combine(kinds, script);
}

/** Evaluates every configured filter kind of a dependency, the Lua script filter included. */
export async function evaluateFiltersAsync(
  dependency: EventDependency,
  event: SensorEvent | null,
): Promise<FilterResult> {
  if (!dependency.filters) return passed;
  const kinds = evaluateSyncKinds(dependency, event);
  if (!hasScript(dependency)) return combine(kinds, undefined);
  // Under `and` an expr, data or time error is returned before the script runs, as upstream.
  if (!kinds.or && kinds.errors.length > 0) return combine(kinds, undefined);
  return combine(kinds, await scriptResult(dependency.filters.script ?? '', event));
}

async function scriptResult(script: string, event: SensorEvent | null): Promise<FilterResult> {
  if (!event) return errored('nil event');
  const payload = payloadOf(event);
  if (!payload.present) return passed;
  let data: unknown;
  try {
    data = event.raw === undefined ? event.data : JSON.parse(dataText(event));
  } catch (err) {
    return errored(err instanceof Error ? err.message : String(err));
  }
  return evaluateScriptFilter(script, data);
}

/** How one dependency judged one event: the verdict and the (possibly transformed) event it judged. */
export interface DependencyJudgement extends FilterResult {
  /** The event after the dependency's transform: what conditions and parameters must use. */
  event: SensorEvent;
}

/**
 * Applies a dependency's transform, then its filters (upstream `processDependency`): a transform error
 * drops the event for this dependency.
 */
export async function evaluateDependency(
  dependency: EventDependency,
  event: SensorEvent,
): Promise<DependencyJudgement> {
  const transformed = await applyTransform(dependency, event);
  if (transformed.error !== undefined) return { pass: false, error: transformed.error, event };
  const result = await evaluateFiltersAsync(dependency, transformed.event);
  return { ...result, event: transformed.event };
}
