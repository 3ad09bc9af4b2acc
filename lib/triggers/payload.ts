/**
 * Request bodies and headers built from parameters (semantics §5.5 `ConstructPayload`, §6.3
 * `dynamicHeaders`). Pure: the same events give the same bytes. The resolution itself is shared with every
 * other parameter in lib/sensors/parameters.ts.
 */
import type { TriggerParameter } from '../manifests/types.ts';
import { constructPayload, resolveParameter } from '../sensors/parameters.ts';
import type { FiredEvents } from './types.ts';

export { constructPayload };

/**
 * The body of a trigger whose target expects a JSON document (Lambda, EventBridge `Detail`): the payload,
 * or `{}` when there are no entries or none resolved.
 */
export function constructJsonPayload(
  payload: readonly TriggerParameter[] | undefined,
  events: FiredEvents,
): string {
  return constructPayload(payload, events) ?? '{}';
}

/**
 * `http.dynamicHeaders`: each parameter's `dest` is a header name and its resolved text the value
 * (upstream adds them after the static and secure headers). A parameter that resolves to nothing is skipped.
 */
export function dynamicHeaders(
  parameters: readonly TriggerParameter[] | undefined,
  events: FiredEvents,
): [string, string][] {
  const out: [string, string][] = [];
  for (const parameter of parameters ?? []) {
    const value = resolveParameter(parameter.src, events);
    if (value !== undefined) out.push([parameter.dest, value.text]);
  }
  return out;
}
