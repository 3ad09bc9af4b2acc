import { describe, expect, it } from 'vitest';
import {
  encodeEvent,
  encodeEventBytes,
  goJsonEscape,
  newEvent,
  rfc3339Nano,
  toSensorEvent,
} from '../../lib/events/envelope.ts';
import { scanJson } from '../../lib/events/json-scan.ts';
import { dataJsonBytes, lazyRawJson } from '../../lib/events/raw-json.ts';

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

describe('encodeEventBytes', () => {
  const eventWith = (body: string, extra: Record<string, unknown> = {}) => {
    const bytes = Buffer.from(body, 'latin1');
    const scan = scanJson(bytes);
    const data = lazyRawJson(
      { header: { 'X-A': ['<1>'] }, body: undefined as unknown, ...extra },
      'body',
      bytes,
      scan?.compact ?? false,
    );
    return newEvent({
      source: 's',
      subject: 'e',
      type: 'webhook',
      data,
      id: 'x',
      extensions: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
    });
  };
  const utf8 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

  it.each([
    ['a compact body, copied as bytes', '{"a":[1,2.50],"b":"caf\\u00e9"}', true],
    ['a body with whitespace (compacted as text)', '{ "a" : [1, 2] }', false],
    ['a body with < > & (escaped as Go does)', '{"html":"<b>&</b>"}', false],
    ['a body with U+2028', `{"s":"${utf8('a\u2028b')}"}`, false],
    ['a body with UTF-8 text', `{"s":"${utf8('café ☃ 😀')}"}`, true],
    ['a body with invalid UTF-8 (decoded to U+FFFD, as before)', '{"s":"\xff\xfe"}', false],
  ])('writes the bytes of encodeEvent for %s', (_, body, copied) => {
    // Prepare
    const event = eventWith(body, { metadata: { k: 'v' } });

    // Act
    const bytes = encodeEventBytes(event);

    // Assert: the same bytes either way; `copied` says which way was taken.
    expect(Buffer.from(bytes).equals(Buffer.from(encodeEvent(event), 'utf8'))).toBe(true);
    expect(dataJsonBytes(event.data) !== undefined).toBe(copied);
    expect(JSON.parse(Buffer.from(bytes).toString('utf8')).data.header).toEqual({ 'X-A': ['<1>'] });
  });

  it('serialises a body replaced after ingest, and data with no raw field, like encodeEvent', () => {
    // Prepare
    const replaced = eventWith('{"a":1}');
    (replaced.data as { body: unknown }).body = { b: '<2>' };
    const plain = newEvent({
      source: 's',
      subject: 'e',
      type: 'calendar',
      data: { eventTime: 't' },
      id: 'y',
    });
    const none = newEvent({ source: 's', subject: 'e', type: 'calendar', data: undefined, id: 'z' });

    // Act / Assert
    for (const event of [replaced, plain, none]) {
      expect(Buffer.from(encodeEventBytes(event)).toString('utf8')).toBe(encodeEvent(event));
    }
    expect(encodeEvent(replaced)).toContain('"body":{"b":"\\u003c2\\u003e"}');
    expect(encodeEvent(none)).not.toContain('"data"');
  });
});
