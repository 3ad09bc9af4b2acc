import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../../lib/errors.ts';
import { nextCronTime, parseCron } from '../../../lib/sources/calendar/cron.ts';
import { nextFireTimes } from '../../../lib/sources/calendar/index.ts';
import { wallClock } from '../../../lib/sources/calendar/zone.ts';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('parseCron', () => {
  it.each([
    ['60 * * * *', 'end of range (60) above maximum (59)'],
    ['* 24 * * *', 'end of range (24) above maximum (23)'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1)'],
    ['* * * 13 *', 'end of range (13) above maximum (12)'],
    ['* * * * 7', 'end of range (7) above maximum (6)'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1)'],
    ['*/0 * * * *', 'step of range should be a positive number'],
    ['1-2-3 * * * *', 'too many hyphens'],
    ['1/2/3 * * * *', 'too many slashes'],
    ['a * * * *', 'failed to parse int from a'],
    ['-1 * * * *', 'failed to parse int from '],
    ['* * * *', 'expected exactly 5 fields, found 4'],
    ['* * * * * * *', 'expected exactly 5 fields, found 7'],
    ['@reboot', 'unrecognized descriptor'],
    ['CRON_TZ=Nowhere/Atlantis * * * * *', 'provided bad location Nowhere/Atlantis'],
  ])('refuses `%s` with robfig’s reason', (spec, reason) => {
    // Act
    const act = () => parseCron(spec);

    // Assess
    expect(act).toThrow(ExpressionError);
    expect(act).toThrow(reason);
  });

  it('reads names in any case, `N/step` as N-max/step, and `?` as `*`', () => {
    // Prepare
    const from = new Date('2024-01-01T00:00:00Z'); // a Monday

    // Act
    const named = nextFireTimes({ schedule: '0 0 * JAN MON-wed' }, from, 3);
    const stepped = nextFireTimes({ schedule: '50/5 0 ? * *' }, from, 3);

    // Assess
    expect(iso(named)).toEqual([
      '2024-01-02T00:00:00.000Z',
      '2024-01-03T00:00:00.000Z',
      '2024-01-08T00:00:00.000Z',
    ]);
    expect(iso(stepped)).toEqual([
      '2024-01-01T00:50:00.000Z',
      '2024-01-01T00:55:00.000Z',
      '2024-01-02T00:50:00.000Z',
    ]);
  });

  it('fires when either day field matches if both are restricted, and on both when one is a star', () => {
    // Prepare
    const from = new Date('2024-05-01T10:00:00Z'); // a Wednesday

    // Act
    const either = nextFireTimes({ schedule: '0 9 1 * 1' }, from, 6);
    const both = nextFireTimes({ schedule: '0 9 * * 1' }, from, 2);

    // Assess
    expect(iso(either)).toEqual([
      '2024-05-06T09:00:00.000Z',
      '2024-05-13T09:00:00.000Z',
      '2024-05-20T09:00:00.000Z',
      '2024-05-27T09:00:00.000Z',
      '2024-06-01T09:00:00.000Z', // a Saturday: day of month 1
      '2024-06-03T09:00:00.000Z',
    ]);
    expect(iso(both)).toEqual(['2024-05-06T09:00:00.000Z', '2024-05-13T09:00:00.000Z']);
  });

  it('accepts the descriptors and 6-field specs manifest validation accepts', () => {
    // Prepare
    const from = new Date('2024-05-01T10:20:00Z');

    // Act
    const hourly = nextFireTimes({ schedule: '@hourly' }, from, 1);
    const seconds = nextFireTimes({ schedule: '30 * * * * *' }, from, 2);
    const every = nextFireTimes({ schedule: '@every 90s' }, from, 2);

    // Assess
    expect(iso(hourly)).toEqual(['2024-05-01T11:00:00.000Z']);
    expect(iso(seconds)).toEqual(['2024-05-01T10:20:30.000Z', '2024-05-01T10:21:30.000Z']);
    expect(iso(every)).toEqual(['2024-05-01T10:21:30.000Z', '2024-05-01T10:23:00.000Z']);
  });
});

describe('next fire times across daylight saving time', () => {
  it('keeps local wall time in Europe/Berlin when the offset changes', () => {
    // Prepare: CET → CEST on 2024-03-31
    const from = new Date('2024-03-29T12:00:00Z');

    // Act
    const times = nextFireTimes({ schedule: '0 9 * * *', timezone: 'Europe/Berlin' }, from, 4);

    // Assess
    expect(iso(times)).toEqual([
      '2024-03-30T08:00:00.000Z',
      '2024-03-31T07:00:00.000Z',
      '2024-04-01T07:00:00.000Z',
      '2024-04-02T07:00:00.000Z',
    ]);
  });

  it('skips a time that does not exist when clocks spring forward, as robfig does', () => {
    // Prepare: 02:00 → 03:00 on 2024-03-10 in New York
    const from = new Date('2024-03-08T00:00:00Z');

    // Act
    const times = nextFireTimes({ schedule: '30 2 * * *', timezone: 'America/New_York' }, from, 3);

    // Assess
    expect(iso(times)).toEqual([
      '2024-03-08T07:30:00.000Z',
      '2024-03-09T07:30:00.000Z',
      '2024-03-11T06:30:00.000Z',
    ]);
  });

  it('fires twice in the repeated hour when clocks fall back, as robfig does', () => {
    // Prepare: 02:00 EDT → 01:00 EST on 2024-11-03
    const from = new Date('2024-11-02T12:00:00Z');

    // Act
    const times = nextFireTimes({ schedule: '30 1 * * *', timezone: 'America/New_York' }, from, 3);

    // Assess
    expect(iso(times)).toEqual([
      '2024-11-03T05:30:00.000Z',
      '2024-11-03T06:30:00.000Z',
      '2024-11-04T06:30:00.000Z',
    ]);
  });

  it('reads a CRON_TZ prefix in its own zone', () => {
    // Act
    const times = nextFireTimes(
      { schedule: 'CRON_TZ=Asia/Tokyo 0 9 * * *' },
      new Date('2024-05-01T00:00:00Z'),
      1,
    );

    // Assess
    expect(iso(times)).toEqual(['2024-05-02T00:00:00.000Z']);
  });
});

describe('nextCronTime (property)', () => {
  const values = (max: number) => fc.uniqueArray(fc.integer({ min: 0, max }), { minLength: 1, maxLength: 4 });

  it('returns the first later minute whose minute and hour are listed, in any zone', () => {
    fc.assert(
      fc.property(
        values(59),
        values(23),
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
        fc.constantFrom('UTC', 'Europe/Paris', 'Asia/Kolkata', 'America/Los_Angeles'),
        (minutes, hours, from, zone) => {
          // Prepare
          const schedule = parseCron(`${minutes.join(',')} ${hours.join(',')} * * *`);
          const matches = (ms: number) => {
            const w = wallClock(ms, zone);
            return minutes.includes(w.minute) && hours.includes(w.hour) && w.second === 0;
          };

          // Act
          const next = nextCronTime(schedule, from, zone);

          // Assess
          expect(next).toBeDefined();
          expect(next!).toBeGreaterThan(from);
          expect(matches(next!)).toBe(true);
          for (let t = Math.floor(from / 60_000) * 60_000 + 60_000; t < next!; t += 60_000) {
            expect(matches(t)).toBe(false);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
