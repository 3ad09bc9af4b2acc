import { describe, expect, it } from 'vitest';
import { intlKnowsZone, zonedParts } from '../../lib/expr/time-zone.ts';

describe('zonedParts', () => {
  it('reads the civil time and zone name of an instant in another zone', () => {
    // Prepare
    const instant = Date.UTC(2024, 0, 15, 12, 30, 45, 999);
    // Act
    const parts = zonedParts(instant, 'America/New_York');
    // Assess
    expect(parts).toEqual({
      year: 2024,
      month: 1,
      day: 15,
      hour: 7,
      minute: 30,
      second: 45,
      zoneName: 'EST',
    });
  });

  it('counts hours from 0 to 23, never 24 at midnight', () => {
    const parts = zonedParts(Date.UTC(2024, 6, 1, 22, 0, 0), 'Europe/Berlin');
    expect([parts.day, parts.hour]).toEqual([2, 0]);
  });

  it('numbers years before 1 as Go does: 1 BC is year 0', () => {
    // 31 December of 1 BC, 12:00 UTC (setUTCFullYear, as Date.UTC would read year 0 as 1900)
    const firstBc = new Date(0);
    firstBc.setUTCFullYear(0, 11, 31);
    firstBc.setUTCHours(12, 0, 0, 0);
    expect(zonedParts(firstBc.getTime(), 'UTC')).toMatchObject({ year: 0, month: 12, day: 31, hour: 12 });
    expect(zonedParts(Date.UTC(2024, 0, 2), 'UTC')).toMatchObject({ year: 2024, month: 1, day: 2 });
  });
});

describe('intlKnowsZone', () => {
  it('knows IANA names and refuses others', () => {
    expect(intlKnowsZone('Asia/Kolkata')).toBe(true);
    expect(intlKnowsZone('Mars/Olympus')).toBe(false);
  });
});
