import { describe, expect, it } from 'vitest';
import { parseGoDurationNs } from '../../lib/expr/go-duration.ts';

describe('parseGoDurationNs', () => {
  it('adds up the parts of a Go duration in nanoseconds', () => {
    // Prepare
    const text = '1h2m3s4ms5us6ns';
    // Act
    const ns = parseGoDurationNs(text);
    // Assess
    expect(ns).toBe(3600e9 + 2 * 60e9 + 3e9 + 4e6 + 5e3 + 6);
  });

  it('reads signs, fractions and both spellings of micro as Go does', () => {
    expect(parseGoDurationNs('-1.5s')).toBe(-1.5e9);
    expect(parseGoDurationNs('+.5m')).toBe(30e9);
    expect(parseGoDurationNs('1.s')).toBe(1e9);
    expect(parseGoDurationNs('2µs')).toBe(parseGoDurationNs('2μs'));
    expect(parseGoDurationNs('0')).toBe(0);
  });

  it('refuses what Go refuses', () => {
    for (const text of ['', '-', '10', '.s', '1d', '1h ', 's', '1.5.5s']) {
      expect(parseGoDurationNs(text), text).toBeUndefined();
    }
  });
});
