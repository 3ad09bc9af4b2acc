/**
 * Trigger parameters (semantics §5): resolve each `src` against the fired events, then write it into the
 * target document at `dest` with sjson. Mirrors argoproj/argo-events: pkg/sensors/triggers/params.go
 * (`ResolveParamValue`, `ApplyParams`, `ConstructPayload`).
 *
 * @example
 * applyParameters({ metadata: { name: 'build-' } }, [
 *   { src: { dependencyName: 'push', dataKey: 'body.after' }, dest: 'metadata.name', operation: 'append' },
 * ], events); // { metadata: { name: 'build-9f3c…' } }
 */
import { TriggerError } from '../errors.ts';
import type { SensorEvent } from '../events/envelope.ts';
import type { GjsonResult } from '../expr/gjson.ts';
import { get, valid } from '../expr/gjson.ts';
import { set } from '../expr/sjson.ts';
import type { CompiledTemplate } from '../expr/template/index.ts';
import { compileTemplate } from '../expr/template/index.ts';
import type { TriggerParameter, TriggerParameterSource } from '../manifests/types.ts';
import type { FiredEvents } from '../triggers/types.ts';
import { contextText, dataText, getData } from './event-data.ts';

/** A resolved value: its text and the gjson type it came from (decides how `useRawData` writes it). */
export interface ResolvedValue {
  text: string;
  /** gjson type of a key's value; templates, `value` and the whole event are always `String`. */
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

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A template's output, or the reason it cannot be used (upstream `getValueWithTemplate`). */
function runTemplate(text: string, input: unknown): { value: string } | { error: string } {
  let out: string;
  try {
    out = cachedTemplate(text).execute({ Input: input });
  } catch (err) {
    return { error: messageOf(err) };
  }
  // Upstream treats an empty output or exactly `<no value>` as "could not resolve".
  if (out === '' || out === '<no value>') {
    return { error: `template evaluated to empty string or no value: ${text}` };
  }
  return { value: out };
}

/** Upstream `getValueByKey`: JSON and null keep their raw text, the rest gjson's `String()`. */
function byKey(read: (key: string) => GjsonResult, key: string): ResolvedValue | { error: string } {
  const result = read(key);
  if (!result.exists) return { error: `key ${key} does not exist to in the event payload` };
  const text = result.type === 'JSON' || result.type === 'Null' ? result.raw : result.string();
  return { text, type: result.type };
}

/** Base64 of the data bytes, as Go marshals a `[]byte` field. */
function wholeEvent(event: SensorEvent): string {
  const data = Buffer.from(dataText(event), 'utf8').toString('base64');
  return `{"context":${contextText(event)},"data":${JSON.stringify(data)}}`;
}

/**
 * The event data as JSON text for data selectors (upstream `renderEventDataAsJSON`). Outrigger's envelope
 * only carries JSON, so `application/yaml` data is refused like any other content type (a documented
 * difference: upstream converts YAML).
 */
function checkData(event: SensorEvent): string | undefined {
  const type = event.context.datacontenttype;
  if (type !== 'application/json') return `unsupported event content type: ${type}`;
  if (event.raw === undefined) {
    return event.data === undefined || event.data === null ? 'event data is not valid JSON' : undefined;
  }
  return event.raw === '' || !valid(event.raw) ? 'event data is not valid JSON' : undefined;
}

function parsedData(event: SensorEvent): unknown {
  return event.raw === undefined ? event.data : JSON.parse(event.raw);
}

/**
 * Resolves one parameter source (upstream `ResolveParamValue`). Returns undefined when the dependency did
 * not fire and there is no default: the parameter is then skipped. Throws a non-retryable `TriggerError`
 * when nothing resolves.
 */
export function resolveParameter(
  src: TriggerParameterSource,
  events: FiredEvents,
): ResolvedValue | undefined {
  const literal: ResolvedValue | undefined =
    src.value === undefined || src.value === null ? undefined : { text: src.value, type: 'String' };
  const event = events[src.dependencyName];
  if (!event) return literal;

  const dataSelected = Boolean(src.dataKey || src.dataTemplate);
  const contextSelected = Boolean(src.contextKey || src.contextTemplate);
  if (!dataSelected && !contextSelected) return literal ?? { text: wholeEvent(event), type: 'String' };

  // Data selectors win over context selectors entirely: the context ones are then not tried at all.
  const key = (dataSelected ? src.dataKey : src.contextKey) || undefined;
  const template = (dataSelected ? src.dataTemplate : src.contextTemplate) || undefined;
  let read: (path: string) => GjsonResult;
  let input: () => unknown;
  if (dataSelected) {
    const problem = checkData(event);
    if (problem !== undefined) return failOrDefault(src, literal, problem);
    read = (path) => getData(event, path);
    input = () => parsedData(event);
  } else {
    read = (path) => get(contextText(event), path);
    input = () => event.context;
  }

  let lastError: string | undefined;
  if (template !== undefined) {
    const out = runTemplate(template, input());
    if ('value' in out) return { text: out.value, type: 'String' };
    lastError = out.error;
  }
  if (key !== undefined) {
    const out = byKey(read, key);
    if (!('error' in out)) return out;
    lastError = out.error;
  }
  return failOrDefault(src, literal, lastError);
}

function failOrDefault(
  src: TriggerParameterSource,
  literal: ResolvedValue | undefined,
  error: string | undefined,
): ResolvedValue {
  if (literal !== undefined) return literal;
  throw new TriggerError(
    `unable to resolve '${src.dependencyName}' parameter value. err: ${error ?? '<nil>'}`,
    {
      retryable: false,
    },
  );
}

/** Writes one resolved value at `dest` of a JSON document, honouring `operation` and `useRawData`. */
function writeParameter(json: string, parameter: TriggerParameter, resolved: ResolvedValue): string {
  const operation = parameter.operation ?? '';
  let { text, type } = resolved;
  if (operation === 'append' || operation === 'prepend') {
    const existing = get(json, parameter.dest);
    // Onto an existing value the result is always a string; onto a missing dest it is a plain overwrite.
    if (existing.exists) {
      text = operation === 'append' ? existing.string() + text : text + existing.string();
      type = 'String';
    }
  } else if (operation !== '' && operation !== 'overwrite') {
    throw new TriggerError(`unsupported trigger parameter operation: ${operation}`, { retryable: false });
  }
  return writeValue(json, parameter.dest, { text, type }, parameter.src.useRawData === true);
}

function writeValue(json: string, dest: string, value: ResolvedValue, useRawData: boolean): string {
  if (useRawData && value.type !== 'String') return set(json, dest, value.text, { raw: true });
  return set(json, dest, value.text);
}

/** Applies parameters in order to a JSON text; each sees the writes before it (upstream `ApplyParams`). */
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

/** Applies parameters to a copy of `target` and returns the copy. */
export function applyParameters<T>(
  target: T,
  parameters: readonly TriggerParameter[] | undefined,
  events: FiredEvents,
): T {
  const json = JSON.stringify(target ?? {});
  if (!parameters || parameters.length === 0) return JSON.parse(json) as T;
  return JSON.parse(applyParametersToJson(json, parameters, events)) as T;
}

/**
 * Builds a request body from `payload` entries (upstream `ConstructPayload`), as JSON text; undefined when
 * there are no entries (an empty body). An entry with an empty `dest` is the whole body. An entry that
 * resolves to no value (its dependency did not fire, no default) is skipped, where upstream crashes.
 */
export function constructPayload(
  payload: readonly TriggerParameter[] | undefined,
  events: FiredEvents,
): string | undefined {
  let body: string | undefined;
  for (const parameter of payload ?? []) {
    const value = resolveParameter(parameter.src, events);
    if (parameter.dest === '') {
      if (value !== undefined) return value.text;
      continue;
    }
    if (value === undefined) continue;
    body = writeValue(body ?? '', parameter.dest, value, parameter.src.useRawData === true);
  }
  return body;
}
