import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ExpressionError } from '../../../lib/errors.ts';
import {
  calendarEventData,
  calendarEventId,
  compileCalendar,
  latestFireTime,
  nextFireTimes,
  parseCron,
  parseExclusionDates,
} from '../../../lib/sources/calendar/index.ts';
import { sharedPath } from '../../support/shared.ts';

interface Vector {
  id: string;
  section: string;
  exclusionDates?: string[];
  spec?: { schedule?: string };
  expect: { dates?: string[]; valid?: boolean };
}

const vectors = (parse(readFileSync(sharedPath('conformance/argo-vectors.yaml'), 'utf8')) as Vector[]).filter(
  (v) => v.section.startsWith('N.'),
);

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('conformance vectors, section N (calendar)', () => {
  it('has the section', () => {
    expect(vectors.length).toBeGreaterThan(0);
  });

  it.each(vectors.map((v) => [v.id, v] as const))('%s', (_id, vector) => {
    if (vector.exclusionDates) {
      // Act
      const dates = parseExclusionDates(vector.exclusionDates);

      // Assess
      expect(iso(dates)).toEqual(vector.expect.dates!.map((d) => new Date(d).toISOString()));
    }
    if (vector.spec?.schedule !== undefined) {
      // Act
      const act = () => parseCron(vector.spec!.schedule!);

      // Assess
      if (vector.expect.valid) expect(act).not.toThrow();
      else expect(act).toThrow(ExpressionError);
    }
  });
});

describe('exclusionDates', () => {
  it('skips every tick of an excluded day and only that day', () => {
    // Prepare
    const spec = { schedule: '0 */8 * * *', exclusionDates: ['EXDATE:20240502T153000Z'] };

    // Act
    const times = nextFireTimes(spec, new Date('2024-05-01T12:00:00Z'), 4);

    // Assess
    expect(iso(times)).toEqual([
      '2024-05-01T16:00:00.000Z',
      '2024-05-03T00:00:00.000Z',
      '2024-05-03T08:00:00.000Z',
      '2024-05-03T16:00:00.000Z',
    ]);
  });

  it('compares the day in the calendar’s time zone', () => {
    // Prepare: 20:00 in Los Angeles is 03:00 UTC the next day
    const spec = {
      schedule: '0 20 * * *',
      timezone: 'America/Los_Angeles',
      exclusionDates: ['EXDATE:20240502T000000Z'],
    };

    // Act
    const times = nextFireTimes(spec, new Date('2024-05-01T12:00:00Z'), 2);

    // Assess: the 1 May tick (03:00 UTC on 2 May) runs, the 2 May tick does not
    expect(iso(times)).toEqual(['2024-05-02T03:00:00.000Z', '2024-05-04T03:00:00.000Z']);
  });

  it('applies to intervals too, and ignores entries without the EXDATE: prefix', () => {
    // Prepare
    const spec = { interval: '24h', exclusionDates: ['RDATE:20240502T000000Z', 'EXDATE:20240503T000000Z'] };

    // Act
    const times = nextFireTimes(spec, new Date('2024-05-01T06:00:00Z'), 3);

    // Assess
    expect(iso(times)).toEqual([
      '2024-05-02T06:00:00.000Z',
      '2024-05-04T06:00:00.000Z',
      '2024-05-05T06:00:00.000Z',
    ]);
  });

  it.each([
    'EXDATE:2024-05-02',
    'EXDATE:20241301T000000Z',
    'EXDATE:20240230T000000Z',
    'EXDATE:20240502T250000Z',
  ])('refuses the malformed `%s`', (value) => {
    expect(() => parseExclusionDates([value])).toThrow(ExpressionError);
  });
});

describe('interval and precedence', () => {
  it('counts an interval from the last tick, and lets `schedule` win over `interval`', () => {
    // Prepare
    const from = new Date('2024-05-01T10:00:00.250Z');

    // Act
    const interval = nextFireTimes({ interval: '1h30m' }, from, 2);
    const both = nextFireTimes({ interval: '1s', schedule: '0 12 * * *' }, from, 1);

    // Assess
    expect(iso(interval)).toEqual(['2024-05-01T11:30:00.000Z', '2024-05-01T13:00:00.000Z']);
    expect(iso(both)).toEqual(['2024-05-01T12:00:00.000Z']);
  });

  it.each([
    [{}, 'needs `schedule` or `interval`'],
    [{ interval: 'soon' }, 'invalid interval'],
    [{ schedule: '* * * * *', timezone: 'Mars/Olympus' }, 'unknown time zone'],
  ])('refuses %j', (spec, reason) => {
    expect(() => compileCalendar(spec)).toThrow(reason);
  });
});

describe('event data and id', () => {
  it('writes eventTime as Go’s time.Time.String() in UTC without the monotonic part', () => {
    // Prepare
    const scheduled = Date.parse('2024-05-01T10:00:00Z');

    // Act
    const data = calendarEventData(scheduled, { metadata: { team: 'infra' } });
    const bare = calendarEventData(scheduled, { metadata: {} });

    // Assess
    expect(data).toEqual({ eventTime: '2024-05-01 10:00:00 +0000 UTC', metadata: { team: 'infra' } });
    expect(data.eventTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)? \+0000 UTC$/);
    expect(bare).toEqual({ eventTime: '2024-05-01 10:00:00 +0000 UTC' });
    expect(JSON.stringify(bare)).not.toContain('m=');
  });

  it('derives the same 32-hex id from the same tick and different ids from anything else', () => {
    // Prepare
    const t = Date.parse('2024-05-01T10:00:00Z');

    // Act
    const ids = [
      calendarEventId('cal', 'every-minute', t),
      calendarEventId('cal', 'every-minute', t),
      calendarEventId('cal', 'every-minute', t + 60_000),
      calendarEventId('cal', 'other', t),
      calendarEventId('other', 'every-minute', t),
    ];

    // Assess
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[1]).toBe(ids[0]);
    expect(new Set(ids).size).toBe(4);
  });

  it('finds the tick an invocation without a scheduled time stands for', () => {
    // Prepare
    const calendar = compileCalendar({ schedule: '*/15 * * * *' });
    const now = Date.parse('2024-05-01T10:31:07Z');

    // Act
    const latest = latestFireTime(calendar, now);
    const nothingRecent = latestFireTime(compileCalendar({ schedule: '0 0 1 1 *' }), now);

    // Assess
    expect(new Date(latest).toISOString()).toBe('2024-05-01T10:30:00.000Z');
    expect(new Date(nothingRecent).toISOString()).toBe('2024-05-01T10:31:00.000Z');
  });
});
