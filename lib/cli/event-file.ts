/**
 * Reads event files for `outrigger test` and `replay --dry-run`: a structured CloudEvent
 * (`{specversion, id, source, subject, type, time, datacontenttype, data}`), Argo's sensor view
 * (`{context: {…}, data: …}`), or a JSON array of either.
 */
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { CloudEvent, EventContext, SensorEvent } from '../events/envelope.ts';
import { rfc3339Nano, sensorView, toSensorEvent } from '../events/envelope.ts';
import { elementsJson } from '../sensors/event-data.ts';

/** An event file that is not one of the accepted shapes; the CLI answers exit 2. */
export class EventFileError extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function text(record: Record<string, unknown>, key: string, where: string, fallback?: string): string {
  const value = record[key];
  if (typeof value === 'string' && value !== '') return value;
  if (fallback !== undefined && (value === undefined || value === null)) return fallback;
  throw new EventFileError(
    `${where}: \`${key}\` must be a non-empty string (the EventSource name for source, the event name for subject)`,
  );
}

/**
 * Turns one parsed JSON value into the event a sensor sees; `where` names it in errors. `written`, the JSON the
 * value was parsed from, lets paths read the data as written there, as they would on the bus.
 */
export function toEvent(value: unknown, where: string, fallbackId: string, written?: string): SensorEvent {
  if (!isObject(value)) throw new EventFileError(`${where}: an event must be a JSON object`);
  const now = rfc3339Nano(new Date());
  if (isObject(value.context) && 'data' in value) {
    const c = value.context;
    const context: EventContext = {
      id: text(c, 'id', `${where} context`, fallbackId),
      source: text(c, 'source', `${where} context`),
      specversion: text(c, 'specversion', `${where} context`, '1.0'),
      type: text(c, 'type', `${where} context`, 'webhook'),
      datacontenttype: text(c, 'datacontenttype', `${where} context`, 'application/json'),
      subject: text(c, 'subject', `${where} context`),
      time: text(c, 'time', `${where} context`, now).replace(/\.\d+Z$/, 'Z'),
    };
    return sensorView(context, value.data, written);
  }
  if ('context' in value)
    throw new EventFileError(`${where}: a sensor-view event needs both context and data`);
  if (!('source' in value) || !('subject' in value)) {
    throw new EventFileError(
      `${where}: not an event; write a CloudEvent {specversion, id, source, subject, type, time, data} or {context: {…}, data: …}`,
    );
  }
  const event: CloudEvent = {
    specversion: '1.0',
    id: text(value, 'id', where, fallbackId),
    source: text(value, 'source', where),
    subject: text(value, 'subject', where),
    type: text(value, 'type', where, 'webhook'),
    time: text(value, 'time', where, now),
    datacontenttype: 'application/json',
    data: value.data ?? null,
  };
  const sensorEvent = toSensorEvent(event, written);
  const contentType = value.datacontenttype;
  if (typeof contentType === 'string') sensorEvent.context.datacontenttype = contentType;
  return sensorEvent;
}

/** Reads the events of one file, in order. */
export async function readEventFile(path: string, cwd: string): Promise<SensorEvent[]> {
  let raw: string;
  try {
    raw = await readFile(resolve(cwd, path), 'utf8');
  } catch (err) {
    throw new EventFileError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new EventFileError(`${path}: not JSON (${(err as Error).message})`);
  }
  const name = basename(path);
  if (Array.isArray(parsed)) {
    const texts = elementsJson(raw);
    return parsed.map((item, i) => toEvent(item, `${path}[${i}]`, `${name}#${i + 1}`, texts?.[i]));
  }
  return [toEvent(parsed, path, name, raw)];
}
