import { describe, expect, it } from 'vitest';
import { evaluateTimeFilter, parseClock } from '../../../lib/sensors/filters/time.ts';

const window = (start: string, stop: string, timezone?: string) => ({
  start,
  stop,
  ...(timezone ? { timezone } : {}),
});

describe('time filter windows', () => {
  it.each([
    ['2024-03-01T08:59:59Z', false],
    ['2024-03-01T09:00:00Z', true],
    ['2024-03-01T16:59:59Z', true],
    ['2024-03-01T17:00:00Z', false],
  ])('with start before stop, include start and exclude stop (%s)', (time, expected) => {
    // Act
    const result = evaluateTimeFilter(window('09:00:00', '17:00:00'), time);

    // Assess
    expect(result).toEqual({ pass: expected });
  });

  it.each([
    ['2024-03-01T22:00:00Z', true],
    ['2024-03-01T23:59:59Z', true],
    ['2024-03-01T00:00:00Z', true],
    ['2024-03-01T05:59:59Z', true],
    ['2024-03-01T06:00:00Z', false],
    ['2024-03-01T12:00:00Z', false],
    ['2024-03-01T21:59:59Z', false],
  ])('across midnight, pass before stop or from start on the same day (%s)', (time, expected) => {
    // Act
    const result = evaluateTimeFilter(window('22:00:00', '06:00:00'), time);

    // Assess
    expect(result).toEqual({ pass: expected });
  });

  it('use the calendar date of the event in the time zone, not in UTC', () => {
    // Prepare: 2024-07-15T03:30Z is 23:30 on 2024-07-14 in New York.
    const filter = window('23:00:00', '23:59:59', 'America/New_York');

    // Act
    const result = evaluateTimeFilter(filter, '2024-07-15T03:30:00Z');

    // Assess
    expect(result).toEqual({ pass: true });
  });

  it('follow the zone offset in winter and in summer', () => {
    // Prepare
    const filter = window('09:00:00', '10:00:00', 'Europe/Berlin');

    // Act
    const winter = evaluateTimeFilter(filter, '2024-01-10T08:30:00Z');
    const summer = evaluateTimeFilter(filter, '2024-07-10T08:30:00Z');

    // Assess: 09:30 CET in January, 10:30 CEST in July.
    expect(winter).toEqual({ pass: true });
    expect(summer).toEqual({ pass: false });
  });
});

describe('time filter on daylight-saving days (Go time.Date rules)', () => {
  it('place a wall time skipped by spring-forward where Go does (02:30 becomes 01:30 EST)', () => {
    // Prepare: New York, 2024-03-10, clocks jump from 02:00 EST to 03:00 EDT at 07:00Z.
    const filter = window('02:30:00', '05:00:00', 'America/New_York');

    // Act: 01:45 EST = 06:45Z is after 06:30Z, where Go puts "02:30".
    const before = evaluateTimeFilter(filter, '2024-03-10T06:29:59Z');
    const after = evaluateTimeFilter(filter, '2024-03-10T06:45:00Z');

    // Assess
    expect(before).toEqual({ pass: false });
    expect(after).toEqual({ pass: true });
  });

  it('place a wall time repeated by fall-back on its first occurrence (EDT)', () => {
    // Prepare: New York, 2024-11-03, 01:00-02:00 happens twice (05:00Z-06:00Z EDT, 06:00Z-07:00Z EST).
    const filter = window('01:30:00', '03:00:00', 'America/New_York');

    // Act
    const firstPass = evaluateTimeFilter(filter, '2024-11-03T05:30:00Z');
    const secondPassEarlierWallTime = evaluateTimeFilter(filter, '2024-11-03T06:15:00Z');
    const beforeStart = evaluateTimeFilter(filter, '2024-11-03T05:29:59Z');

    // Assess
    expect(firstPass).toEqual({ pass: true });
    expect(secondPassEarlierWallTime).toEqual({ pass: true });
    expect(beforeStart).toEqual({ pass: false });
  });

  it('keep a window of one wall-clock hour at two real hours on a fall-back day', () => {
    // Prepare: 01:00-02:00 EDT-first to 02:00 EST spans 05:00Z-07:00Z.
    const filter = window('01:00:00', '02:00:00', 'America/New_York');

    // Act
    const late = evaluateTimeFilter(filter, '2024-11-03T06:59:59Z');

    // Assess
    expect(late).toEqual({ pass: true });
  });
});

describe('time filter errors', () => {
  it('refuse an unknown time zone with the upstream text', () => {
    // Act
    const result = evaluateTimeFilter(window('09:00:00', '17:00:00', 'Mars/Olympus'), '2024-07-15T10:00:00Z');

    // Assess
    expect(result).toEqual({
      pass: false,
      error: "time filter error (invalid timezone 'Mars/Olympus': unknown time zone Mars/Olympus)",
    });
  });

  it('refuse a one-digit second as Go layout 05 does', () => {
    // Act
    const result = evaluateTimeFilter(window('09:09:0', '19:19:19'), '2024-07-15T10:00:00Z');

    // Assess
    expect(result.error).toBe(
      'time filter error (parsing time "2024-07-15 09:09:0" as "2006-01-02 15:04:05": cannot parse "0" as "05")',
    );
  });

  it.each([
    ['9:05:00', 9 * 3600 + 5 * 60],
    ['23:59:59', 86399],
    ['10:10:10.5', 36610],
  ])('accept %s as Go layout 15:04:05 does', (text, seconds) => {
    // Assess
    expect(parseClock(text)).toBe(seconds);
  });

  it.each([
    ['24:00:00', 'hour out of range'],
    ['10:60:00', 'minute out of range'],
    ['10:00:00 pm', 'extra text: " pm"'],
    ['10-00-00', 'cannot parse "-00-00" as ":"'],
  ])('refuse %s', (text, message) => {
    // Assess
    expect(parseClock(text)).toContain(message);
  });
});
