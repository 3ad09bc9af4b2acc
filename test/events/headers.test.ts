import { describe, expect, it } from 'vitest';
import { canonicalHeaderKey, headerValue } from '../../lib/events/headers.ts';

describe('canonicalHeaderKey', () => {
  it('canonicalises as Go’s textproto does, and leaves invalid names alone', () => {
    expect(canonicalHeaderKey('x-github-event')).toBe('X-Github-Event');
    expect(canonicalHeaderKey('CONTENT-TYPE')).toBe('Content-Type');
    expect(canonicalHeaderKey('x hub')).toBe('x hub');
  });

  it('answers correctly past the size of its cache', () => {
    // Names are chosen by callers: the cache is bounded, and names beyond it are computed each time.
    for (let i = 0; i < 2_000; i++) expect(canonicalHeaderKey(`x-name-${i}-end`)).toBe(`X-Name-${i}-End`);
    expect(canonicalHeaderKey('x-name-1999-end')).toBe('X-Name-1999-End');
  });
});

describe('headerValue', () => {
  it('finds a header in any case, the first of repeated values, and the first of two spellings', () => {
    const headers = { 'content-type': 'application/json', 'X-Tag': ['a', 'b'], 'x-tag-2': undefined };
    expect(headerValue(headers, 'Content-Type')).toBe('application/json');
    expect(headerValue(headers, 'x-tag')).toBe('a');
    expect(headerValue(headers, 'X-Tag-2')).toBeUndefined();
    expect(headerValue(headers, 'X-Missing')).toBeUndefined();
    expect(headerValue({ 'X-Id': 'first', 'x-id': 'second' }, 'x-ID')).toBe('first');
    expect(headerValue({ 'x-id': undefined, 'X-Id': 'set' }, 'x-id')).toBe('set');
  });

  it('does not read inherited properties', () => {
    const inherited = Object.create({ 'x-secret': 'from the prototype' }) as Record<string, string>;
    inherited['x-own'] = 'own';
    expect(headerValue(inherited, 'x-secret')).toBeUndefined();
    expect(headerValue(inherited, 'X-Own')).toBe('own');
  });
});
