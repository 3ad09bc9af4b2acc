import { describe, expect, it } from 'vitest';
import { goJsonEscape, newEvent, rfc3339Nano, toSensorEvent } from '../../lib/events/envelope.ts';

describe('rfc3339Nano', () => {
  it('prints sdk-go’s form: trailing zeros of the fraction dropped, none for whole seconds', () => {
    expect(rfc3339Nano(new Date('2024-05-01T10:00:00.120Z'))).toBe('2024-05-01T10:00:00.12Z');
    expect(rfc3339Nano(new Date('2024-05-01T10:00:00.000Z'))).toBe('2024-05-01T10:00:00Z');
    expect(rfc3339Nano(new Date('2024-05-01T10:00:00.007Z'))).toBe('2024-05-01T10:00:00.007Z');
  });

  it('answers each instant with its own text when calls alternate between instants', () => {
    // The last formatted millisecond is remembered: a different instant must not get it back.
    const a = new Date('2030-01-02T03:04:05.678Z');
    const b = new Date('1999-12-31T23:59:59.999Z');
    expect([rfc3339Nano(a), rfc3339Nano(b), rfc3339Nano(a), rfc3339Nano()]).toEqual([
      '2030-01-02T03:04:05.678Z',
      '1999-12-31T23:59:59.999Z',
      '2030-01-02T03:04:05.678Z',
      expect.stringMatching(/^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/),
    ]);
    const now = Date.now();
    const printed = Date.parse(rfc3339Nano());
    expect(Math.abs(printed - now)).toBeLessThan(1_000);
  });

  it('gives the sensor the time in whole seconds', () => {
    const event = newEvent({
      source: 's',
      subject: 'e',
      type: 'webhook',
      data: {},
      time: new Date('2024-05-01T10:00:00.5Z'),
    });
    expect(event.time).toBe('2024-05-01T10:00:00.5Z');
    expect(toSensorEvent(event).context.time).toBe('2024-05-01T10:00:00Z');
  });
});

describe('goJsonEscape', () => {
  it.each([
    ['<', '\\u003c'],
    ['>', '\\u003e'],
    ['&', '\\u0026'],
    ['\u2028', '\\u2028'],
    ['\u2029', '\\u2029'],
  ])('writes %j as Go does, alone in a string', (char, escaped) => {
    // Act
    const out = goJsonEscape(JSON.stringify({ a: `x${char}y`, b: char }));

    // Assess
    expect(out).toBe(`{"a":"x${escaped}y","b":"${escaped}"}`);
    expect(JSON.parse(out)).toEqual({ a: `x${char}y`, b: char });
  });

  it('returns text without those characters unchanged', () => {
    const text = JSON.stringify({ a: 'plain', b: 'é ✓ \u2027 \u202a' });
    expect(goJsonEscape(text)).toBe(text);
  });
});
