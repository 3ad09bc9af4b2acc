/**
 * How template functions are declared: Go's reflect-based calling convention made explicit. Each function
 * lists its parameter types so arguments are checked and converted exactly as text/template does
 * (`evalArg`/`validateType`): `repeat` wants a Go `int`, so a float64 from JSON data is refused.
 */
import type { Value } from './value.ts';

/** Go parameter types the functions use. `reflect` is `reflect.Value` (builtins: nil stays invalid). */
export type ParamType = 'any' | 'reflect' | 'string' | 'int' | 'int64' | 'float64' | 'bool' | 'map' | 'time';

/** Go's spelling of each parameter type, for error messages. */
export const PARAM_TYPE_NAMES: Record<ParamType, string> = {
  any: 'interface {}',
  reflect: 'reflect.Value',
  string: 'string',
  int: 'int',
  int64: 'int64',
  float64: 'float64',
  bool: 'bool',
  map: 'map[string]interface {}',
  time: 'time.Time',
};

/** Shared per-execution limits that functions must respect. */
export interface ExecBudget {
  /** Charges `n` units of work; throws when the execution has done too much. */
  charge(n: number): void;
}

/** A template function. Throwing FuncError becomes `error calling NAME: message`. */
export interface TemplateFunc {
  params: readonly ParamType[];
  /** Element type of a trailing `...T` parameter. */
  variadic?: ParamType;
  call(args: Value[], budget: ExecBudget): Value;
}

/** A function's error (Go: a non-nil error result, or a recovered panic). */
export class FuncError extends Error {}

/** Largest string or list a function may build (Go has no limit; an event-time template must). */
export const MAX_BUILD = 1 << 22;

/** Shorthand to declare a function. */
export function fn(
  params: readonly ParamType[],
  call: (args: Value[], budget: ExecBudget) => Value,
  variadic?: ParamType,
): TemplateFunc {
  return variadic === undefined ? { params, call } : { params, variadic, call };
}
