import { describe, expect, it } from 'vitest';
import { constructJsonPayload, constructPayload, dynamicHeaders } from '../../lib/triggers/payload.ts';
import type { FiredEvents } from '../../lib/triggers/types.ts';
import { event } from './fixtures.ts';

const events: FiredEvents = {
  push: event('e1', { body: { repo: 'backend', size: 3, tags: ['a', 'b'] }, header: { 'X-Id': ['r-1'] } }),
};

describe('payload construction', () => {
  it('writes each entry at its dest, raw when useRawData and not a string', () => {
    // Act
    const body = constructPayload(
      [
        { src: { dependencyName: 'push', dataKey: 'body.repo' }, dest: 'repo.name' },
        { src: { dependencyName: 'push', dataKey: 'body.tags', useRawData: true }, dest: 'tags' },
        { src: { dependencyName: 'push', dataKey: 'body.size' }, dest: 'size' },
      ],
      events,
    );

    // Assess
    expect(JSON.parse(body ?? '')).toEqual({ repo: { name: 'backend' }, tags: ['a', 'b'], size: '3' });
  });

  it('skips an entry whose dependency did not fire and has no default, where upstream crashes', () => {
    // Act
    const body = constructPayload(
      [
        { src: { dependencyName: 'absent', dataKey: 'x' }, dest: 'x' },
        { src: { dependencyName: 'absent', dataKey: 'y', value: 'fallback' }, dest: 'y' },
      ],
      events,
    );

    // Assess
    expect(JSON.parse(body ?? '')).toEqual({ y: 'fallback' });
  });

  it('gives an empty JSON object for JSON targets when there is nothing to send', () => {
    // Act
    const none = constructJsonPayload(undefined, events);
    const skipped = constructJsonPayload([{ src: { dependencyName: 'absent' }, dest: 'x' }], events);

    // Assess
    expect(none).toBe('{}');
    expect(skipped).toBe('{}');
  });

  it('resolves dynamic headers to name and text pairs, skipping unresolved ones', () => {
    // Act
    const headers = dynamicHeaders(
      [
        {
          src: { dependencyName: 'push', dataTemplate: '{{ index .Input.header "X-Id" 0 }}' },
          dest: 'X-Trace',
        },
        { src: { dependencyName: 'absent' }, dest: 'X-None' },
        { src: { dependencyName: 'push', dataKey: 'body.size' }, dest: 'X-Size' },
      ],
      events,
    );

    // Assess
    expect(headers).toEqual([
      ['X-Trace', 'r-1'],
      ['X-Size', '3'],
    ]);
  });
});
