/**
 * Data filters (semantics §3.3; argoproj/argo-events: pkg/sensors/dependencies/filter.go `filterData`).
 * String values are unanchored RE2 regexes, as upstream: `main` also matches `main-old`.
 */
import { get } from '../../expr/gjson.ts';
import type { GjsonResult } from '../../expr/gjson.ts';
import { compileRegex } from '../../expr/regex.ts';
import type { DataFilter } from '../../manifests/types.ts';
import { cachedTemplate } from '../parameters.ts';
import { errored, failed, passed } from './result.ts';
import type { FilterResult } from './result.ts';

const numberComparators: Record<string, (a: number, b: number) => boolean> = {
  '': (a, b) => a === b,
  '=': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** Go's strconv.ParseFloat: the whole string must be a number. */
function parseGoFloat(text: string): number | undefined {
  const t = text.trim() === text ? text : '';
  if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|[Ii]nf(inity)?|NaN)$/.test(t)) return undefined;
  if (/inf/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  return Number(t);
}

const goBools: Record<string, boolean> = {
  '1': true, t: true, T: true, TRUE: true, true: true, True: true,
  '0': false, f: false, F: false, FALSE: false, false: false, False: false,
};

/** The comparable form of a path's value: the gjson result or a template's string output. */
interface Subject {
  text: string;
  float: () => number;
  bool: () => boolean;
}

function subjectOf(result: GjsonResult, filter: DataFilter): Subject | string {
  if (filter.template === undefined) {
    return { text: result.string(), float: () => result.float(), bool: () => result.bool() };
  }
  let out: string;
  try {
    out = cachedTemplate(filter.template).execute({ Input: result.string() });
  } catch (err) {
    return `template evaluation failed for path '${filter.path}': ${err instanceof Error ? err.message : err}`;
  }
  if (out === '' || out === '<no value>') return `template evaluation produced no value for path '${filter.path}'`;
  // Upstream wraps the output in a gjson String result: Float() parses, Bool() lower-cases then parses.
  const asString = get(JSON.stringify({ v: out }), 'v');
  return { text: out, float: () => asString.float(), bool: () => asString.bool() };
}

/** Evaluates one data filter against the JSON text of the event data. */
export function evaluateDataFilter(filter: DataFilter, json: string): FilterResult {
  if (!filter.path || !filter.type) return errored('data filter needs a path and a type');
  if (!filter.value || filter.value.length === 0) return errored('no values specified');
  const result = get(json, filter.path);
  if (!result.exists) return errored(`data filter error (path '${filter.path}' does not exist)`);
  const subject = subjectOf(result, filter);
  if (typeof subject === 'string') return errored(subject);
  const comparator = filter.comparator ?? '';

  switch (filter.type) {
    case 'string': {
      if (comparator !== '' && comparator !== '=' && comparator !== '!=') return failed;
      for (const value of filter.value) {
        let matches: boolean;
        try {
          matches = compileRegex(value).test(subject.text);
        } catch (err) {
          return errored(`invalid regex '${value}': ${err instanceof Error ? err.message : err}`);
        }
        if (matches === (comparator !== '!=')) return passed;
      }
      return failed;
    }
    case 'number': {
      const compare = numberComparators[comparator];
      if (!compare) return failed;
      const actual = subject.float();
      for (const value of filter.value) {
        const wanted = parseGoFloat(value);
        if (wanted === undefined) return errored(`invalid number '${value}' in data filter '${filter.path}'`);
        if (compare(actual, wanted)) return passed;
      }
      return failed;
    }
    case 'bool': {
      const actual = subject.bool();
      for (const value of filter.value) {
        const wanted = goBools[value];
        if (wanted === undefined) return errored(`invalid bool '${value}' in data filter '${filter.path}'`);
        if (actual === wanted) return passed;
      }
      return failed;
    }
    default:
      return errored(`unsupported JSON type '${filter.type}'`);
  }
}

/** Combines a dependency's data filters with `dataLogicalOperator` (and by default). */
export function evaluateDataFilters(
  filters: readonly DataFilter[],
  json: string,
  operator: 'and' | 'or' | undefined,
): FilterResult {
  if (operator === 'or') {
    const errors: string[] = [];
    for (const filter of filters) {
      const result = evaluateDataFilter(filter, json);
      if (result.pass) return passed;
      if (result.error) errors.push(result.error);
    }
    return errors.length > 0 ? errored(`data filter errors [${errors.join(' / ')}]`) : failed;
  }
  for (const filter of filters) {
    const result = evaluateDataFilter(filter, json);
    if (!result.pass) return result;
  }
  return passed;
}
