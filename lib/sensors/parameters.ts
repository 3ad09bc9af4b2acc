/**
 * Trigger parameters (semantics §5): resolve each `src` against the fired events, then write it into the
 * target document at `dest` with sjson. Mirrors argoproj/argo-events: pkg/sensors/triggers/params.go.
 */
import { TriggerError } from '../errors.ts';
import type { SensorEvent } from '../events/envelope.ts';
import { get } from '../expr/gjson.ts';
import { set } from '../expr/sjson.ts';
import { compileTemplate } from '../expr/template/index.ts';
import type { CompiledTemplate } from '../expr/template/index.ts';
import type { TriggerParameter, TriggerParameterSource } from '../manifests/types.ts';
import type { FiredEvents } from '../triggers/types.ts';
import { contextText, dataText } from './event-data.ts';

/** A resolved value: its text and whether it is a JSON string (written quoted) or raw JSON. */
export interface ResolvedValue {
  text: string;
  /** gjson type of the source; template and `value` results are always `String`. */
  type: 'Null' | 'False' | 'Number' | 'String' | 'True' | 'JSON';
}

const templates = new Map<string, CompiledTemplate>();

/** Compiles a template once per distinct text (templates come from manifests, so the set is bounded). */
export function cachedTemplate(text: string): CompiledTemplate {
  let compiled = templates.get(text);
  if (!compiled) {
    compiled = compileTemplate(text);
    templates.set(text, compiled);
  }
  return compiled;
}

function runTemplate(text: string, input: unknown): string | undefined {
  try {
    const out = cachedTemplate(text).execute({ Input: input });
    // Upstream treats an empty output or exactly `<no value>` as "could not resolve".
    return out === '' || out === '<no value>' ? undefined : out;
  } catch {
    return undefined;
  }
}

function fromKey(json: string, key: string): ResolvedValue | undefined {
  if (json === '') return undefined;
  const result = get(json, key);
  return result.exists ? { text: result.string(), type: result.type } : undefined;
}

/** Base64 of the data bytes, as Go marshals a `[]byte` field. */
function wholeEvent(event: SensorEvent): string {
  const data = Buffer.from(dataText(event), 'utf8').toString('base64');
  return `{"context":${contextText(event)},"data":${JSON.stringify(data)}}`;
}

/**
 * Resolves one parameter source (upstream `ResolveParamValue`). Returns undefined when the dependency did
 * not fire and there is no default: the parameter is then skipped.
 */
export function resolveParameter(src: TriggerParameterSource, events: FiredEvents): ResolvedValue | undefined {
  const literal: ResolvedValue | undefined =
    src.value === undefined ? undefined : { text: src.value, type: 'String' };
  const event = events[src.dependencyName];
  if (!event) return literal;

  const hasData = src.dataKey !== undefined || src.dataTemplate !== undefined;
  const hasContext = src.contextKey !== undefined || src.contextTemplate !== undefined;
  if (!hasData && !hasContext) return literal ?? { text: wholeEvent(event), type: 'JSON' };

  let resolved: ResolvedValue | undefined;
  if (hasData) {
    const fromTemplate =
      src.dataTemplate === undefined ? undefined : runTemplate(src.dataTemplate, event.data ?? null);
    resolved =
      fromTemplate !== undefined
        ? { text: fromTemplate, type: 'String' }
        : src.dataKey === undefined
          ? undefined
          : fromKey(dataText(event), src.dataKey);
  }
  if (resolved === undefined && hasContext) {
    const fromTemplate =
      src.contextTemplate === undefined ? undefined : runTemplate(src.contextTemplate, event.context);
    resolved =
      fromTemplate !== undefined
        ? { text: fromTemplate, type: 'String' }
        : src.contextKey === undefined
          ? undefined
          : fromKey(contextText(event), src.contextKey);
  }
  resolved ??= literal;
  if (resolved === undefined) {
    throw new TriggerError(`unable to resolve '${src.dependencyName}' parameter value`, { retryable: false });
  }
  return resolved;
}

/** Writes one resolved value at `dest` of a JSON document, honouring `operation` and `useRawData`. */
function writeParameter(json: string, parameter: TriggerParameter, value: ResolvedValue): string {
  const operation = parameter.operation ?? '';
  if (operation === 'append' || operation === 'prepend') {
    const existing = get(json, parameter.dest);
    if (existing.exists) {
      const text = operation === 'append' ? existing.string() + value.text : value.text + existing.string();
      return set(json, parameter.dest, text);
    }
  } else if (operation !== '' && operation !== 'overwrite') {
    throw new TriggerError(`unsupported parameter operation '${operation}'`, { retryable: false });
  }
  if (parameter.src.useRawData && value.type !== 'String') {
    return set(json, parameter.dest, value.type === 'Null' ? 'null' : value.text, { raw: true });
  }
  return set(json, parameter.dest, value.text);
}

/** Applies parameters in order to a JSON text; each sees the writes before it. */
export function applyParametersToJson(
  json: string,
  parameters: readonly TriggerParameter[] | undefined,
  events: FiredEvents,
): string {
  let out = json;
  for (const parameter of parameters ?? []) {
    const value = resolveParameter(parameter.src, events);
    if (value !== undefined) out = writeParameter(out, parameter, value);
  }
  return out;
}

/** Applies parameters to a copy of `target` (upstream `ApplyParams`) and returns the copy. */
export function applyParameters<T>(
  target: T,
  parameters: readonly TriggerParameter[] | undefined,
  events: FiredEvents,
): T {
  const json = JSON.stringify(target ?? {});
  if (!parameters || parameters.length === 0) return JSON.parse(json) as T;
  return JSON.parse(applyParametersToJson(json, parameters, events)) as T;
}
