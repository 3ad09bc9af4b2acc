/**
 * Dependency transforms (semantics §3.8; argoproj/argo-events: pkg/sensors/dependencies/transform.go):
 * `transform.jq` or `transform.script` (Lua) rewrite the event data before the filters run, and the result
 * replaces `data` for filters and parameters. jq (jq-wasm, jq 1.7 in WebAssembly; upstream runs gojq) and
 * Lua (wasmoon) are each loaded by dynamic import the first time a manifest uses them.
 */
import type { SensorEvent } from '../../events/envelope.ts';
import type { EventDependency } from '../../manifests/types.ts';
import { dataText } from '../event-data.ts';
import { runLuaTransform } from './lua.ts';

/** The transformed event, or why the event is dropped for this dependency. */
export type TransformResult =
  | { event: SensorEvent; error?: undefined }
  | { event?: undefined; error: string };

type JqRaw = (data: string, filter: string, flags?: string[]) => Promise<string>;
let jqRaw: Promise<JqRaw> | undefined;

function loadJq(): Promise<JqRaw> {
  jqRaw ??= import('jq-wasm').then((module) => module.raw);
  return jqRaw;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Parsed data of an event; throws when raw bytes are not JSON (Go's `json.Unmarshal` fails there too). */
function parsedData(event: SensorEvent): unknown {
  if (event.raw === undefined) return event.data;
  const text = dataText(event);
  return text === '' ? undefined : JSON.parse(text);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Upstream decodes the data into a Go map before jq or Lua see it. */
function requireObject(data: unknown): Record<string, unknown> {
  if (isObject(data)) return data;
  const kind = Array.isArray(data) ? 'array' : typeof data;
  throw new Error(`json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`);
}

/** Runs a jq program; the first output must be a JSON object (gojq's first iterator value upstream). */
export async function transformWithJq(program: string, data: unknown): Promise<Record<string, unknown>> {
  const input = JSON.stringify(requireObject(data));
  const raw = await loadJq();
  const output = await raw(input, program, ['-c']);
  const first = output.split('\n')[0] ?? '';
  if (first.trim() === '') throw new Error('no output available from the jq command execution');
  const value: unknown = JSON.parse(first);
  if (!isObject(value)) throw new Error('jq transformation output must be a JSON object');
  return value;
}

/** Runs a Lua transform script; it must return a table (semantics §3.8). */
export async function transformWithLua(script: string, data: unknown): Promise<unknown> {
  return JSON.parse(await runLuaTransform(script, requireObject(data)));
}

function withData(event: SensorEvent, data: unknown): SensorEvent {
  return { context: { ...event.context, datacontenttype: 'application/json' }, data };
}

/**
 * Applies a dependency's `transform` to an event. Events without data pass unchanged, as upstream; jq wins
 * when both kinds are set, as upstream.
 */
export async function applyTransform(
  dependency: EventDependency,
  event: SensorEvent,
): Promise<TransformResult> {
  const transform = dependency.transform;
  if (!transform || (!transform.jq && !transform.script)) return { event };
  try {
    const data = parsedData(event);
    if (data === undefined || data === null) return { event };
    if (transform.jq) return { event: withData(event, await transformWithJq(transform.jq, data)) };
    return { event: withData(event, await transformWithLua(transform.script ?? '', data)) };
  } catch (err) {
    return { error: `transform failed: ${messageOf(err)}` };
  }
}
