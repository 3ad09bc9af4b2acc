import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventHeaders, MASKED_AUTH, safeEventId } from '../../lib/sources/headers.ts';

describe('safeEventId', () => {
  const hashed = (id: string) => `github:sha256:${createHash('sha256').update(id).digest('hex')}`;

  it('keeps a provider id of printable ASCII up to 128 characters in all', () => {
    expect(safeEventId('github', '4242:72d3162e-cc78-11e3-81ab-4c9367dc0958')).toBe(
      'github:4242:72d3162e-cc78-11e3-81ab-4c9367dc0958',
    );
    const longest = 'x'.repeat(128 - 'github:'.length);
    expect(safeEventId('github', longest)).toBe(`github:${longest}`);
  });

  it('replaces an id that is too long, has spaces, control or non-ASCII characters by its SHA-256', () => {
    for (const id of ['x'.repeat(122), 'a b', 'tab\there', 'nul\u0000', 'caf\u00e9', '\u007f']) {
      expect(safeEventId('github', id)).toBe(hashed(id));
    }
  });
});

describe('eventHeaders', () => {
  it('merges spellings of one header in arrival order under its canonical key, sorted, secrets masked', () => {
    const headers = {
      'x-tag': 'one',
      'X-TAG': ['two', 'three'],
      authorization: 'Bearer secret',
      Host: 'example.com',
      'content-type': 'application/json',
    };
    expect(eventHeaders(headers)).toEqual({
      Authorization: [MASKED_AUTH],
      'Content-Type': ['application/json'],
      'X-Tag': ['one', 'two', 'three'],
    });
    expect(Object.keys(eventHeaders(headers))).toEqual(['Authorization', 'Content-Type', 'X-Tag']);
    // The caller's arrays are not touched by the merge or the masking.
    expect(headers['X-TAG']).toEqual(['two', 'three']);
  });
});
