/**
 * Data filters (semantics §3.3; argoproj/argo-events: pkg/sensors/dependencies/filter.go `filterData`).
 * String values are unanchored RE2 regexes, as upstream: `main` also matches `main-old`. Error texts are
 * upstream's: `data filter error (path 'k' does not exist)`, `data filter errors [a / b]`.
 */

import type { GjsonResult } from '../../expr/gjson.ts';
import { get } from '../../expr/gjson.ts';
import { compileRegex } from '../../expr/regex.ts';
import type { DataFilter } from '../../manifests/types.ts';
import { cachedTemplate } from '../parameters.ts';
import type { FilterResult } from './result.ts';
import { errored, failed, passed } from './result.ts';

const numberComparators: Record<string, (a: number, b: number) => boolean> = {
  '': (a, b) => a === b,
  '=': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^([+-]?)(?:inf|infinity|nan)$/i;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/;

/** Go's `strconv.ParseFloat(s, 64)`: the number, or undefined where Go reports a syntax error. */
export function parseGoFloatStrict(text: string): number | undefined {
  // Go accepts `_` separators only after a base prefix, which filter values never need.
  if (text.includes('_')) return undefined;
  const s = text;
  if (DECIMAL.test(s)) return Number(s);
  const special = SPECIAL.exec(s);
  if (special) {
    if (/nan/i.test(s)) return Number.NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  const hex = HEX_FLOAT.exec(s);
  if (hex && (hex[2] !== '' || hex[3] !== '')) {
    const value =
      Number.parseInt(`${hex[2]}${hex[3]}`, 16) * 2 ** (Number(hex[4]) - 4 * (hex[3] ?? '').length);
    return hex[1] === '-' ? -value : value;
  }
  return undefined;
}

const goBools: Readonly<Record<string, boolean>> = {
  '1': true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

/** What one filter concluded; `error` texts are unwrapped (the caller adds `data filter error (…)`). */
type Verdict = { kind: 'pass' } | { kind: 'fail' } | { kind: 'error'; message: string };
const PASS: Verdict = { kind: 'pass' };
const FAIL: Verdict = { kind: 'fail' };
const error = (message: string): Verdict => ({ kind: 'error', message });

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Runs a filter's template over the path's string form (upstream wraps the output in a gjson string). */
function applyTemplate(
  filter: DataFilter,
  result: GjsonResult,
  operator: 'and' | 'or',
): { result: GjsonResult } | { verdict: Verdict } {
  const template = filter.template ?? '';
  let out: string;
  try {
    out = cachedTemplate(template).execute({ Input: result.string() });
  } catch (err) {
    return { verdict: error(messageOf(err)) };
  }
  if (out === '' || out === '<no value>') {
    return {
      verdict: error(
        operator === 'or'
          ? `template evaluated to empty string or no value: '${template}'`
          : `template '${template}' evaluated to empty string or no value`,
      ),
    };
  }
  return { result: get(JSON.stringify([out]), '0') };
}

/** Where filters read paths: JSON text, or a lookup that answers as gjson on that text would. */
export type DataDocument = string | ((path: string) => GjsonResult);

const lookup = (document: DataDocument, path: string) =>
  typeof document === 'string' ? get(document, path) : document(path);

/** Evaluates one data filter against the event data. */
export function evaluateDataFilter(
  filter: DataFilter,
  document: DataDocument,
  operator: 'and' | 'or' = 'and',
): Verdict {
  let result: GjsonResult = lookup(document, filter.path);
  if (!result.exists) return error(`path '${filter.path}' does not exist`);
  const values = filter.value ?? [];
  if (values.length === 0) return error('no values specified');
  if (filter.template) {
    const templated = applyTemplate(filter, result, operator);
    if ('verdict' in templated) return templated.verdict;
    result = templated.result;
  }
  const comparator = filter.comparator ?? '';

  switch (filter.type) {
    case 'bool': {
      // Upstream ignores the comparator for booleans.
      const actual = result.bool();
      for (const value of values) {
        const wanted = goBools[value];
        if (wanted === undefined)
          return error(`strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
        if (wanted === actual) return PASS;
      }
      return FAIL;
    }
    case 'number': {
      const compare = numberComparators[comparator];
      const actual = result.float();
      for (const value of values) {
        const wanted = parseGoFloatStrict(value);
        if (wanted === undefined)
          return error(`strconv.ParseFloat: parsing ${JSON.stringify(value)}: invalid syntax`);
        if (compare?.(actual, wanted)) return PASS;
      }
      return FAIL;
    }
    case 'string': {
      const text = result.string();
      for (const value of values) {
        let matches: boolean;
        try {
          matches = compileRegex(value).test(text);
        } catch (err) {
          return error(messageOf(err));
        }
        // Comparators other than `=`, `!=` and empty never match strings (no error), as upstream.
        if ((comparator === '' || comparator === '=') && matches) return PASS;
        if (comparator === '!=' && !matches) return PASS;
      }
      return FAIL;
    }
    default:
      return error(`unsupported JSON type '${filter.type ?? ''}'`);
  }
}

/**
 * Combines a dependency's data filters with `dataLogicalOperator`: `and` (default) stops at the first
 * failure or error; `or` passes at the first passing filter and otherwise reports every error.
 */
export function evaluateDataFilters(
  filters: readonly DataFilter[],
  document: DataDocument,
  operator: 'and' | 'or' | '' | undefined,
): FilterResult {
  if (filters.length === 0) return passed;
  if (operator === 'or') {
    const errors: string[] = [];
    for (const filter of filters) {
      const verdict = evaluateDataFilter(filter, document, 'or');
      if (verdict.kind === 'pass') return passed;
      if (verdict.kind === 'error') errors.push(verdict.message);
    }
    return errors.length > 0 ? errored(`data filter errors [${errors.join(' / ')}]`) : failed;
  }
  for (const filter of filters) {
    const verdict = evaluateDataFilter(filter, document, 'and');
    if (verdict.kind === 'error') return errored(`data filter error (${verdict.message})`);
    if (verdict.kind === 'fail') return failed;
  }
  return passed;
}
