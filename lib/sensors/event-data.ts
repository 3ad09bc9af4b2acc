/**
 * Event data as gjson sees it. gjson and sjson work on JSON text, as upstream, where that text is the data's
 * bytes on the bus: what a source received, compacted (`dataJson`), or the message a sensor decoded
 * (`envelopeOf`). Simple dotted paths (`body.repository.full_name`, `headers.X-Github-Event.0`) to a string,
 * boolean, null or a number that prints the same are read straight from the parsed data instead, which gives
 * the same result without reading a large payload for every event. Objects, arrays and other numbers are
 * read from the text: gjson gives them as written (`12345678901234567890`, keys in their order), where the
 * parsed value would not. One difference is left: of a key repeated in one object, gjson finds the first and
 * the parsed data keeps the last, so a simple path to a scalar under a repeated key reads the last.
 */
import type { CloudEvent, SensorEvent } from '../events/envelope.ts';
import { decodeEnvelope, envelopeOf, goJsonEscape } from '../events/envelope.ts';
import { dataJson, keepRawJson } from '../events/raw-json.ts';
import type { GjsonResult } from '../expr/gjson.ts';
import { get, parse } from '../expr/gjson.ts';
import { boundedMemo } from '../memo.ts';

const texts = new WeakMap<SensorEvent, string>();

/** JSON text of `event.data` ('' when the event has no data): its bytes on the bus, where they are known. */
export function dataText(event: SensorEvent): string {
  let text = texts.get(event);
  if (text === undefined) {
    if (event.raw !== undefined) text = event.raw;
    else if (event.data === undefined || event.data === null) text = '';
    else text = carriedData(event) ?? goJsonEscape(dataJson(event.data) ?? JSON.stringify(event.data));
    texts.set(event, text);
  }
  return text;
}

/** The `data` member of the bus message the event was decoded from, as written there. */
function carriedData(event: SensorEvent): string | undefined {
  const envelope = envelopeOf(event);
  return envelope === undefined ? undefined : memberJson(envelope, 'data');
}

/**
 * The text of member `key` of the JSON object `text` as written there: the last one, as Go's decoder and
 * `JSON.parse` keep a repeated key (gjson's own lookup finds the first).
 */
export function memberJson(text: string, key: string): string | undefined {
  const document = parse(text);
  if (!document.isObject()) return undefined;
  let found: string | undefined;
  document.each((name, value) => {
    if (name.str === key) found = value.raw;
    return true;
  });
  return found;
}

/** The text of each element of the JSON array `text`, as written; undefined when it is not an array. */
export function elementsJson(text: string): string[] | undefined {
  const document = parse(text);
  return document.isArray() ? document.array().map((element) => element.raw) : undefined;
}

/**
 * `decodeEvent` for a message that is published again (`outrigger replay`): its data keeps the text it was
 * written as, so `encodeEvent` writes it back unchanged instead of re-serialising the parsed value.
 */
export function decodeForResend(bytes: string | Uint8Array): CloudEvent {
  const { event, text } = decodeEnvelope(bytes);
  const data = memberJson(text, 'data');
  return data === undefined ? event : keepRawJson(event, 'data', data);
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

/**
 * Whether gjson reads this number from its JSON text as it reads `JSON.stringify` of it: not for integers
 * past 2^53 (gjson keeps the digits as written), -0, or a literal too large for a double.
 */
const printsAlike = (n: number) =>
  Number.isSafeInteger(n) ? !Object.is(n, -0) : Number.isFinite(n) && !Number.isInteger(n);

/**
 * gjson's lookup of a simple path on parsed JSON; undefined when the path is not simple or leads to a value
 * that must be read from the text (an object, an array, a number that `printsAlike` rules out).
 */
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
  if (typeof current === 'object' && current !== null) return undefined;
  if (typeof current === 'number' && !printsAlike(current)) return undefined;
  return parse(goJsonEscape(JSON.stringify(current)));
}

/** gjson `Get` of `path` on the event data (its text on the bus, or the parsed data where that is the same). */
export function getData(event: SensorEvent, path: string): GjsonResult {
  // Only for an object or array document: gjson scans scalar documents in its own ways.
  if (event.raw === undefined && typeof event.data === 'object' && event.data !== null) {
    const fast = lookupParsed(event.data, path);
    if (fast !== undefined) return fast;
  }
  return get(dataText(event), path);
}
