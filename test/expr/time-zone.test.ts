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
});

describe('intlKnowsZone', () => {
  it('knows IANA names and refuses others', () => {
    expect(intlKnowsZone('Asia/Kolkata')).toBe(true);
    expect(intlKnowsZone('Mars/Olympus')).toBe(false);
  });
});
