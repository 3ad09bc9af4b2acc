/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` of an incoming request (or a
 * new one) travels with the event as the CloudEvents distributed-tracing extension attribute `traceparent`
 * (https://github.com/cloudevents/spec/blob/main/cloudevents/extensions/distributed-tracing.md), appears in
 * every log line as `traceId`, and is set on created objects as an annotation.
 */
import { randomFillSync } from 'node:crypto';
import type { RawHeaders } from '../events/headers.ts';
import { headerValue } from '../events/headers.ts';

/** A parsed `traceparent`. */
export interface TraceContext {
  /** 32 lowercase hex characters, not all zero. */
  traceId: string;
  /** The span this one descends from: 16 lowercase hex characters, not all zero. */
  parentId: string;
  /** Trace flags; bit 0 = sampled. */
  flags: number;
  /** Vendor state, passed on unchanged. */
  tracestate?: string;
}

/** Where the trace goes: the CloudEvent extension attributes, the annotation on objects, the log field. */
export const TraceKey = {
  extension: 'traceparent',
  stateExtension: 'tracestate',
  annotation: 'outrigger.io/traceparent',
  logField: 'traceId',
} as const;

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/** Parses a `traceparent` value; undefined when it is not valid (then a new trace starts, as the spec says). */
export function parseTraceparent(value: string | undefined, tracestate?: string): TraceContext | undefined {
  if (value === undefined) return undefined;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  // Version ff is invalid; version 00 has exactly four fields; later versions may append fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE_ID || parentId === ZERO_SPAN_ID) return undefined;
  const context: TraceContext = { traceId, parentId, flags: Number.parseInt(flags, 16) };
  if (tracestate !== undefined && tracestate !== '') context.tracestate = tracestate;
  return context;
}

// Ids come from a pool refilled 4 KiB at a time: one crypto call per 170 traces instead of one per request
// (a per-call randomBytes was 10% of the webhook's in-process profile).
const pool = Buffer.alloc(4096);
let offset = pool.length;

/** `bytes` random bytes as lowercase hex, from the pool. */
function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}

/** A random span id, never all zero (the spec's invalid value). */
function newSpanId(): string {
  for (;;) {
    const id = randomHex(8);
    if (id !== ZERO_SPAN_ID) return id;
  }
}

/** A new sampled trace: trace and span id drawn as one 24-byte hex string (one conversion per request). */
export function newTrace(): TraceContext {
  for (;;) {
    const hex = randomHex(24);
    const traceId = hex.slice(0, 32);
    const parentId = hex.slice(32);
    if (traceId !== ZERO_TRACE_ID && parentId !== ZERO_SPAN_ID) return { traceId, parentId, flags: 1 };
  }
}

/** The same trace with a new span id: what a component passes on after doing its part. */
export function childSpan(parent: TraceContext): TraceContext {
  return { ...parent, parentId: newSpanId() };
}

/** The `traceparent` header value (version 00). */
export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.parentId}-${context.flags.toString(16).padStart(2, '0')}`;
}

/**
 * The span a component works in for an incoming request: a child of the caller's span, or the root span
 * of a new trace when the request carries none (no throwaway parent id is drawn for it).
 */
export function spanFromHeaders(headers: RawHeaders): TraceContext {
  const parent = headerValue(headers, 'traceparent');
  // Most requests carry no trace: the state is looked for only beside a parent.
  const incoming =
    parent === undefined ? undefined : parseTraceparent(parent, headerValue(headers, 'tracestate'));
  return incoming ? childSpan(incoming) : newTrace();
}

/** Extension attributes to put on the CloudEvent beside its required ones. */
export function traceExtensions(context: TraceContext): { traceparent: string; tracestate?: string } {
  // TraceKey.extension and stateExtension, written out: an object literal with a computed key is built
  // property by property, and every accepted request makes one.
  const out: { traceparent: string; tracestate?: string } = { traceparent: formatTraceparent(context) };
  if (context.tracestate) out.tracestate = context.tracestate;
  return out;
}

/** The trace carried by an event's extension attributes (any object with `traceparent`), if valid. */
export function traceFromEvent(event: unknown): TraceContext | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const record = event as Record<string, unknown>;
  const parent = record[TraceKey.extension];
  const state = record[TraceKey.stateExtension];
  return parseTraceparent(
    typeof parent === 'string' ? parent : undefined,
    typeof state === 'string' ? state : undefined,
  );
}

/** Log fields for a trace: `{traceId}`; empty when there is none. */
export function traceLogFields(context: TraceContext | undefined): Record<string, string> {
  return context ? { [TraceKey.logField]: context.traceId } : {};
}

/** Annotations to set on a created object for a trace. */
export function traceAnnotations(context: TraceContext | undefined): Record<string, string> {
  return context ? { [TraceKey.annotation]: formatTraceparent(context) } : {};
}
