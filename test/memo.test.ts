import { describe, expect, it } from 'vitest';
import { boundedMemo, latestMemo } from '../lib/memo.ts';

describe('boundedMemo', () => {
  it('computes each key once, null results included, and no more than `limit` keys are kept', () => {
    const calls: string[] = [];
    const lookup = boundedMemo(2, (key) => {
      calls.push(key);
      return key === 'none' ? null : key.toUpperCase();
    });
    expect([lookup('a'), lookup('none'), lookup('a'), lookup('none')]).toEqual(['A', null, 'A', null]);
    expect(calls).toEqual(['a', 'none']);
    // The cache is full: a third key is answered right, and computed again each time.
    expect([lookup('b'), lookup('b')]).toEqual(['B', 'B']);
    expect(calls).toEqual(['a', 'none', 'b', 'b']);
  });
});

describe('latestMemo', () => {
  it('computes again only when the key changes', () => {
    const calls: number[] = [];
    const format = latestMemo((ms) => {
      calls.push(ms);
      return `t${ms}`;
    });
    expect([format(1), format(1), format(2), format(2), format(1)]).toEqual(['t1', 't1', 't2', 't2', 't1']);
    expect(calls).toEqual([1, 2, 1]);
  });
});
