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
import { get, parse, valid } from '../expr/gjson.ts';
import { set } from '../expr/sjson.ts';
import type { CompiledTemplate } from '../expr/template/index.ts';
import { compileTemplate } from '../expr/template/index.ts';
import type { TriggerParameter, TriggerParameterSource } from '../manifests/types.ts';
import { setOwn } from '../own.ts';
import type { FiredEvents } from '../triggers/types.ts';
import { contextText, dataText, getData, simpleKeys } from './event-data.ts';

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
function byKey(event: SensorEvent, fromData: boolean, key: string): ResolvedValue | { error: string } {
  const result = fromData ? getData(event, key) : get(contextText(event), key);
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
  if (dataSelected) {
    const problem = checkData(event);
    if (problem !== undefined) return failOrDefault(src, literal, problem);
  }

  let lastError: string | undefined;
  if (template !== undefined) {
    const out = runTemplate(template, dataSelected ? parsedData(event) : event.context);
    if ('value' in out) return { text: out.value, type: 'String' };
    lastError = out.error;
  }
  if (key !== undefined) {
    const out = byKey(event, dataSelected, key);
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

// An array index as gjson reads it and as JavaScript stores it (`01` is left to sjson).
const CANONICAL_INDEX = /^(?:0|[1-9][0-9]*)$/;
// Integer-like keys sort first in a JavaScript object, so adding one would reorder keys: left to sjson.
const INTEGER_KEY = /^[0-9]+$/;
// Strings sjson writes differently from JSON.stringify: Go's encoder escapes HTML characters and U+2028/9
// and writes a lone surrogate as U+FFFD. Keeping them out keeps the parsed copy's JSON text byte for byte
// what the sjson path would have written, so a later write falling back to sjson sees the same text.
const GO_ENCODED = /[<>&\u2028\u2029]|\p{Cs}/u;
const SKIP = Symbol('skip');

/**
 * The container and key `dest` names in `document` when every component before the last exists as an
 * object or array, and the last is an existing member or a new non-integer key of an object; otherwise
 * undefined (sjson then creates, pads or replaces what is missing, so the write is left to it).
 */
function locate(
  document: unknown,
  dest: string,
): { container: Record<string, unknown>; key: string } | undefined {
  // Plain keys only (no escapes, `:` forcing, `-1` appends, wildcards, queries, modifiers or pipes).
  const keys = simpleKeys(dest);
  if (keys === null) return undefined;
  let current: unknown = document;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key === '__proto__' || key === '-1') return undefined;
    let exists: boolean;
    if (Array.isArray(current)) {
      if (!CANONICAL_INDEX.test(key)) return undefined;
      exists = Number(key) < current.length;
    } else if (typeof current === 'object' && current !== null) {
      exists = Object.hasOwn(current, key);
    } else {
      return undefined;
    }
    if (i === keys.length - 1) {
      if (!exists && (Array.isArray(current) || INTEGER_KEY.test(key))) return undefined;
      return { container: current as Record<string, unknown>, key };
    }
    if (!exists) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return undefined;
}

/** What `value` reads as through gjson's `String()` on its JSON text (append and prepend use it). */
function gjsonString(value: unknown): string {
  if (typeof value === 'string' && !GO_ENCODED.test(value)) return value;
  return parse(JSON.stringify(value)).string();
}

/**
 * Writes one parameter into a parsed document in place, exactly as `writeParameter` would write it into
 * the document's JSON text; SKIP when that needs sjson (see `locate`), or when a raw value's text is not
 * the canonical JSON of what it parses to (whitespace, duplicate keys, digits beyond float precision),
 * which sjson would keep byte for byte.
 */
function writeParameterInPlace(
  document: unknown,
  parameter: TriggerParameter,
  resolved: ResolvedValue,
): typeof SKIP | undefined {
  const operation = parameter.operation ?? '';
  if (operation !== '' && operation !== 'overwrite' && operation !== 'append' && operation !== 'prepend') {
    return SKIP;
  }
  const place = locate(document, parameter.dest);
  if (place === undefined) return SKIP;
  const { container, key } = place;
  const exists = Array.isArray(container) ? true : Object.hasOwn(container, key);
  let { text, type } = resolved;
  if ((operation === 'append' || operation === 'prepend') && exists) {
    const existing = gjsonString(container[key]);
    text = operation === 'append' ? existing + text : text + existing;
    type = 'String';
  }
  let value: unknown;
  if (parameter.src.useRawData === true && type !== 'String') {
    try {
      value = JSON.parse(text);
    } catch {
      return SKIP;
    }
    if (JSON.stringify(value) !== text) return SKIP;
  } else {
    if (GO_ENCODED.test(text)) return SKIP;
    value = text;
  }
  container[key] = value;
  return undefined;
}

const MAX_CLONE_DEPTH = 200;

/**
 * `JSON.parse(JSON.stringify(value))` for plain data, without the text: what JSON drops (undefined,
 * functions, symbols) is dropped, non-finite numbers become null and -0 becomes 0. Anything else (a
 * `toJSON`, a class instance, a bigint, deep or cyclic nesting) takes the JSON round trip itself, so the
 * result and the errors are the same.
 */
function cloneJson(value: unknown, depth = 0): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value + 0 : null;
    case 'object': {
      if (value === null) return null;
      if (depth > MAX_CLONE_DEPTH) return JSON.parse(JSON.stringify(value));
      if (Array.isArray(value)) {
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          out[i] =
            item === undefined || typeof item === 'function' || typeof item === 'symbol'
              ? null
              : cloneJson(item, depth + 1);
        }
        return out;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if ((proto !== Object.prototype && proto !== null) || 'toJSON' in value) {
        return JSON.parse(JSON.stringify(value));
      }
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        const item: unknown = (value as Record<string, unknown>)[key];
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
        const copy = cloneJson(item, depth + 1);
        // Inline for the common key: this runs for every member of every rendered resource.
        if (key === '__proto__') setOwn(out, key, copy);
        else out[key] = copy;
      }
      return out;
    }
    default:
      return JSON.parse(JSON.stringify(value) as string);
  }
}

/**
 * Applies parameters to a copy of `target` and returns the copy. Plain dotted `dest` paths into existing
 * members are written into the parsed copy directly; the first write that needs sjson switches to the
 * JSON text of the copy for it and every later write, so the result is always what `applyParametersToJson`
 * gives on `JSON.stringify(target)`, parsed.
 */
export function applyParameters<T>(
  target: T,
  parameters: readonly TriggerParameter[] | undefined,
  events: FiredEvents,
): T {
  const document = cloneJson(target ?? {});
  if (!parameters || parameters.length === 0) return document as T;
  let json: string | undefined;
  for (const parameter of parameters) {
    const value = resolveParameter(parameter.src, events);
    if (value === undefined) continue;
    if (json === undefined && writeParameterInPlace(document, parameter, value) !== SKIP) continue;
    json = writeParameter(json ?? JSON.stringify(document), parameter, value);
  }
  return (json === undefined ? document : JSON.parse(json)) as T;
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
