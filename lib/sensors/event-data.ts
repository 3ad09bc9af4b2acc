/** The JSON text of event data, computed once per event: gjson and sjson work on text, as upstream. */
import type { SensorEvent } from '../events/envelope.ts';

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
