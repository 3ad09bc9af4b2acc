/**
 * Event data as gjson sees it. gjson and sjson work on JSON text, as upstream; the text of parsed data is
 * computed at most once per event. Simple dotted paths (`body.repository.full_name`, `headers.X-Github-Event.0`)
 * are read straight from the parsed data instead, which gives the same result as gjson on the text (the text
 * is `JSON.stringify` of that data) without serialising a large payload for every event.
 */
import type { SensorEvent } from '../events/envelope.ts';
import type { GjsonResult } from '../expr/gjson.ts';
import { get, parse } from '../expr/gjson.ts';
import { boundedMemo } from '../memo.ts';

const texts = new WeakMap<SensorEvent, string>();

/** JSON text of `event.data` ('' when the event has no data). */
export function dataText(event: SensorEvent): string {
  let text = texts.get(event);
  if (text === undefined) {
    if (event.raw !== undefined) text = event.raw;
    else text = event.data === undefined || event.data === null ? '' : JSON.stringify(event.data);
    texts.set(event, text);
  }
  return text;
}

/** JSON text of the event context in Argo's key order. */
export function contextText(event: SensorEvent): string {
  return JSON.stringify(event.context);
}

// Keys gjson reads literally: no escapes, wildcards, queries, modifiers, pipes or multipaths.
const SIMPLE_PATH = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const ARRAY_INDEX = /^\d+$/;
const missing = get('', 'missing');

/** The keys of a path gjson and sjson read literally (dotted plain keys), else null; split once per path. */
export const simpleKeys: (path: string) => readonly string[] | null = boundedMemo(1_024, (path) =>
  SIMPLE_PATH.test(path) ? path.split('.') : null,
);

/** gjson's lookup of a simple path on parsed JSON, or undefined when the path is not simple. */
function lookupParsed(data: unknown, path: string): GjsonResult | undefined {
  const keys = simpleKeys(path);
  if (keys === null) return undefined;
  let current: unknown = data;
  for (const key of keys) {
    if (Array.isArray(current)) {
      if (!ARRAY_INDEX.test(key)) return missing;
      current = current[Number(key)];
      if (current === undefined) return missing;
    } else if (typeof current === 'object' && current !== null) {
      if (!Object.hasOwn(current, key)) return missing;
      current = (current as Record<string, unknown>)[key];
    } else {
      return missing;
    }
  }
  return parse(JSON.stringify(current));
}

/** gjson `Get` of `path` on the event data (raw bytes when the event carries them, else parsed data). */
export function getData(event: SensorEvent, path: string): GjsonResult {
  // Only for an object or array document: gjson scans scalar documents in its own ways.
  if (event.raw === undefined && typeof event.data === 'object' && event.data !== null) {
    const fast = lookupParsed(event.data, path);
    if (fast !== undefined) return fast;
  }
  return get(dataText(event), path);
}
