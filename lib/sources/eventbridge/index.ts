/**
 * The Outrigger `eventbridge` source: AWS events (S3 Object Created, EC2 state changes…) that an
 * EventBridge rule with the event's `eventPattern` delivers to the aws-source function. The EventBridge
 * event is the event data and its `id` the event id.
 *
 * Invocation contract: the deploy plugin gives each rule an input transformer that wraps the event as
 * `{"eventSourceName": <EventSource>, "eventName": <event>, "event": <aws.events.event.json>}`, so the rule
 * itself names the Outrigger event. A bare EventBridge event (a rule without the transformer, or a test
 * invocation) is routed by matching each spec's `eventPattern` (the subset in `matchesEventPattern`).
 */
import type { EventSourceFilter } from '../../manifests/types.ts';

/** The fields of an eventbridge event spec this module reads. */
export interface EventBridgeSpec {
  eventPattern: Record<string, unknown>;
  eventBusName?: string;
  metadata?: Record<string, string>;
  filter?: EventSourceFilter;
}

/** An EventBridge event (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html). */
export interface EventBridgeEvent {
  version?: string;
  id: string;
  'detail-type': string;
  source: string;
  account?: string;
  time?: string;
  region?: string;
  resources?: string[];
  detail?: unknown;
  [key: string]: unknown;
}

/** The input transformer's wrapper naming the Outrigger event. */
export interface EventBridgeInvocation {
  eventSourceName: string;
  eventName: string;
  event: EventBridgeEvent;
}

/** True for an EventBridge event. */
export function isEventBridgeEvent(value: unknown): value is EventBridgeEvent {
  const e = value as Partial<EventBridgeEvent> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.id === 'string' &&
    typeof e.source === 'string' &&
    typeof e['detail-type'] === 'string'
  );
}

/** True for the wrapper the deploy plugin's input transformer produces. */
export function isEventBridgeInvocation(value: unknown): value is EventBridgeInvocation {
  const v = value as Partial<EventBridgeInvocation> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.eventSourceName === 'string' &&
    typeof v.eventName === 'string' &&
    isEventBridgeEvent(v.event)
  );
}

/** The event data: the EventBridge event itself, plus the spec's `metadata` when set. */
export function eventBridgeEventData(
  event: EventBridgeEvent,
  spec: Pick<EventBridgeSpec, 'metadata'>,
): unknown {
  if (!spec.metadata || Object.keys(spec.metadata).length === 0) return event;
  return { ...event, metadata: spec.metadata };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numericMatches(conditions: unknown[], value: unknown): boolean {
  if (typeof value !== 'number') return false;
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const bound = conditions[i + 1];
    if (typeof bound !== 'number') return false;
    const op = conditions[i];
    const ok =
      op === '='
        ? value === bound
        : op === '<'
          ? value < bound
          : op === '<='
            ? value <= bound
            : op === '>'
              ? value > bound
              : op === '>='
                ? value >= bound
                : false;
    if (!ok) return false;
  }
  return true;
}

/** One element of a pattern array against one scalar value of the event. */
function elementMatches(element: unknown, value: unknown, present: boolean): boolean {
  if (!isObject(element)) return present && element === value;
  const [op, arg] = Object.entries(element)[0] ?? [];
  switch (op) {
    case 'exists':
      return arg === present;
    case 'prefix':
      return present && typeof value === 'string' && typeof arg === 'string' && value.startsWith(arg);
    case 'suffix':
      return present && typeof value === 'string' && typeof arg === 'string' && value.endsWith(arg);
    case 'equals-ignore-case':
      return (
        present &&
        typeof value === 'string' &&
        typeof arg === 'string' &&
        value.toLowerCase() === arg.toLowerCase()
      );
    case 'numeric':
      return present && Array.isArray(arg) && numericMatches(arg, value);
    case 'anything-but': {
      if (!present) return false;
      if (isObject(arg)) return !elementMatches(arg, value, present);
      return !(Array.isArray(arg) ? arg : [arg]).includes(value);
    }
    default:
      // An operator this subset does not know never matches, so nothing is published by mistake.
      return false;
  }
}

/**
 * EventBridge pattern matching for routing bare events: nested objects, value lists (an array value in the
 * event matches when any element does), `prefix`, `suffix`, `equals-ignore-case`, `anything-but`, `numeric`
 * and `exists`. Unknown operators never match.
 */
export function matchesEventPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  const target = isObject(event) ? event : {};
  for (const [key, expected] of Object.entries(pattern)) {
    const present = Object.hasOwn(target, key);
    const value = present ? target[key] : undefined;
    if (isObject(expected)) {
      if (!matchesEventPattern(expected, value)) return false;
      continue;
    }
    if (!Array.isArray(expected)) return false;
    const values = Array.isArray(value) ? value : [value];
    if (!expected.some((element) => values.some((v) => elementMatches(element, v, present)))) return false;
  }
  return true;
}
