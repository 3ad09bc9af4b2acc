import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  childSpan,
  formatTraceparent,
  newTrace,
  parseTraceparent,
  spanFromHeaders,
  TraceKey,
  traceAnnotations,
  traceExtensions,
  traceFromEvent,
  traceLogFields,
} from '../../lib/observability/trace.ts';

// The example of https://www.w3.org/TR/trace-context/#examples-of-http-traceparent-headers
const EXAMPLE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('W3C trace context', () => {
  it('keeps a valid incoming traceparent and tracestate', () => {
    // Act
    const trace = parseTraceparent(EXAMPLE, 'congo=t61rcWkgMzE')!;
    // Assess
    expect(trace).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentId: '00f067aa0ba902b7',
      flags: 1,
      tracestate: 'congo=t61rcWkgMzE',
    });
    expect(formatTraceparent(trace)).toBe(EXAMPLE);
  });

  it('starts a new trace for a missing or invalid traceparent', () => {
    // Prepare
    const invalid = [
      undefined,
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      `${EXAMPLE}-extra`,
    ];
    for (const value of invalid) {
      // Act
      const trace = spanFromHeaders(value === undefined ? {} : { traceparent: value });
      // Assess
      expect(parseTraceparent(value)).toBeUndefined();
      expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(trace.traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    }
  });

  it('works in a child span of the caller, or in the root span of a new trace', () => {
    // Act
    const child = spanFromHeaders({ TraceParent: EXAMPLE, TraceState: 'congo=t61rcWkgMzE' });
    const root = spanFromHeaders({ traceparent: 'not a traceparent' });
    // Assess: same trace, new span id, state passed on; a new trace otherwise
    expect(child).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      flags: 1,
      tracestate: 'congo=t61rcWkgMzE',
    });
    expect(child.parentId).toMatch(/^[0-9a-f]{16}$/);
    expect(child.parentId).not.toBe('00f067aa0ba902b7');
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.parentId).toMatch(/^[0-9a-f]{16}$/);
    expect(root.tracestate).toBeUndefined();
  });

  it('drops a tracestate that comes without a valid traceparent', () => {
    // Act
    const alone = spanFromHeaders({ tracestate: 'congo=t61rcWkgMzE' });
    const besideInvalid = spanFromHeaders({ traceparent: 'garbled', tracestate: 'congo=t61rcWkgMzE' });
    // Assess
    expect(alone.tracestate).toBeUndefined();
    expect(besideInvalid.tracestate).toBeUndefined();
  });

  it('writes the flags as two hex digits', () => {
    // Prepare
    const base = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7';
    for (const flags of ['00', '01', '0a', '10', 'ff']) {
      // Act
      const trace = parseTraceparent(`${base}-${flags}`)!;
      // Assess
      expect(formatTraceparent(trace)).toBe(`${base}-${flags}`);
    }
  });

  it('accepts later versions with extra fields, as the spec asks', () => {
    // Act + Assess
    expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what')?.traceId).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
  });

  it('carries the trace as CloudEvent extension attributes, log fields and an object annotation', () => {
    // Prepare
    const trace = childSpan(parseTraceparent(EXAMPLE, 'a=b')!);
    // Act
    const event = { id: 'x', ...traceExtensions(trace) };
    const back = traceFromEvent(event);
    // Assess
    expect(back).toEqual(trace);
    expect(Object.keys(traceExtensions(trace))).toEqual([TraceKey.extension, TraceKey.stateExtension]);
    expect(Object.keys(traceExtensions(newTrace()))).toEqual([TraceKey.extension]);
    expect(trace.parentId).not.toBe('00f067aa0ba902b7');
    expect(traceLogFields(back)).toEqual({ [TraceKey.logField]: '4bf92f3577b34da6a3ce929d0e0e4736' });
    expect(traceAnnotations(back)).toEqual({ [TraceKey.annotation]: formatTraceparent(trace) });
    expect(traceFromEvent({ id: 'x' })).toBeUndefined();
  });

  it('round-trips every trace it makes and never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const fresh = newTrace();
        expect(parseTraceparent(formatTraceparent(fresh))).toEqual(fresh);
        parseTraceparent(text);
      }),
    );
  });
});
