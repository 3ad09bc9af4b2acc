/**
 * Go text/template with the sprig v3.3.0 function map, as Argo Events runs `dataTemplate`,
 * `contextTemplate` and data-filter `template` (reference §5.3). Parse once, execute per event.
 *
 * @example
 * const t = compileTemplate('refs/heads/{{ .Input.body.ref | replace "refs/heads/" "" }}');
 * t.execute({ Input: { body: { ref: 'refs/heads/main' } } }); // 'refs/heads/main'
 */
import { ExpressionError } from '../../errors.ts';
import { BUILTINS } from './builtins.ts';
import { ExecError, State } from './exec.ts';
import type { TemplateFunc } from './func.ts';
import { functionNames, type ParsedTemplates, parseTemplate, TemplateSyntaxError } from './parse.ts';
import { FORBIDDEN_FUNCTIONS, SPRIG_FUNCS, UNSUPPORTED_FUNCTIONS } from './sprig/index.ts';
import { fromJs } from './value.ts';

export { GoInt, GoTime, NO_VALUE } from './value.ts';

/** A parsed template, ready to run against event data. */
export interface CompiledTemplate {
  /** Runs the template with `data` as dot (Argo passes `{ Input: … }`); throws ExpressionError. */
  execute(data: unknown): string;
}

/** Options for compileTemplate. */
export interface CompileOptions {
  /** Name used in error messages, as Go's `template.New(name)`. */
  name?: string;
}

// Sprig's functions shadow the builtins of the same name (`slice`), as text/template's lookup does.
const FUNCS: ReadonlyMap<string, TemplateFunc> = new Map([...BUILTINS, ...SPRIG_FUNCS]);

function refuse(name: string, fnName: string): never {
  if (FORBIDDEN_FUNCTIONS.has(fnName)) {
    throw new ExpressionError(
      `template: ${name}: function "${fnName}" is refused: templates may not read the process environment; ` +
        'pass the value through the event or a literal instead',
    );
  }
  throw new ExpressionError(`template: ${name}: function "${fnName}" is not supported by Outrigger`);
}

function toExpressionError(err: unknown, fallback: string): ExpressionError {
  if (err instanceof ExpressionError) return err;
  if (err instanceof TemplateSyntaxError || err instanceof ExecError) {
    return new ExpressionError(err.message, { cause: err });
  }
  // Stack exhaustion on pathological nesting, or a string beyond the engine's limit.
  if (err instanceof RangeError) return new ExpressionError(`${fallback}: ${err.message}`, { cause: err });
  throw err;
}

/** Parses a template once; throws ExpressionError on syntax errors and on `env`/`expandenv`. */
export function compileTemplate(text: string, options: CompileOptions = {}): CompiledTemplate {
  const name = options.name ?? 'template';
  let parsed: ParsedTemplates;
  try {
    parsed = parseTemplate(name, text, (fnName) => {
      if (FUNCS.has(fnName)) return true;
      if (FORBIDDEN_FUNCTIONS.has(fnName) || UNSUPPORTED_FUNCTIONS.has(fnName)) refuse(name, fnName);
      return false;
    });
  } catch (err) {
    throw toExpressionError(err, `template: ${name}`);
  }
  return {
    execute(data: unknown): string {
      try {
        return new State(text, name, parsed, FUNCS).run(fromJs(data));
      } catch (err) {
        throw toExpressionError(err, `template: ${name}`);
      }
    },
  };
}

/** Names of refused functions (`env`, `expandenv`) a template uses, for the manifest linter. */
export function usesForbiddenFunctions(text: string): string[] {
  return functionNames(text).filter((n) => FORBIDDEN_FUNCTIONS.has(n));
}
