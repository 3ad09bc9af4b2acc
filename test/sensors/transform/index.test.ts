import { describe, expect, it } from 'vitest';
import type { SensorEvent } from '../../../lib/events/envelope.ts';
import type { EventDependency } from '../../../lib/manifests/types.ts';
import { applyTransform, transformWithJq, transformWithLua } from '../../../lib/sensors/transform/index.ts';

const event = (data: unknown, raw?: string): SensorEvent => ({
  context: {
    id: 'e1',
    source: 'webhook',
    specversion: '1.0',
    type: 'webhook',
    datacontenttype: 'application/json',
    subject: 'example',
    time: '2024-07-15T12:00:00Z',
  },
  data,
  ...(raw === undefined ? {} : { raw }),
});

const withTransform = (transform: EventDependency['transform']): EventDependency =>
  ({ name: 'dep', eventSourceName: 'webhook', eventName: 'example', transform }) as EventDependency;

describe('jq transforms', () => {
  it('replace the data with the first output', async () => {
    // Act
    const out = await transformWithJq('{sha: .body.after, short: .body.after[0:7]}', {
      body: { after: '9f3c2b1a0d' },
    });

    // Assess
    expect(out).toEqual({ sha: '9f3c2b1a0d', short: '9f3c2b1' });
  });

  it('use only the first of several outputs', async () => {
    // Act
    const out = await transformWithJq('{n: .a[]}', { a: [1, 2] });

    // Assess
    expect(out).toEqual({ n: 1 });
  });

  it.each([
    ['an array', '[.a]', 'jq transformation output must be a JSON object'],
    ['a string', '"x"', 'jq transformation output must be a JSON object'],
    ['nothing', 'empty', 'no output available from the jq command execution'],
  ])('refuse %s as output', async (_what, program, message) => {
    // Act
    const run = transformWithJq(program, { a: 1 });

    // Assess
    await expect(run).rejects.toThrow(message);
  });

  it('report a syntax error', async () => {
    // Act
    const run = transformWithJq('.a |', { a: 1 });

    // Assess
    await expect(run).rejects.toThrow(/syntax error/);
  });
});

describe('Lua transforms', () => {
  it('turn an empty table into an object unless it is marked __is_array', async () => {
    // Act
    const out = await transformWithLua(
      'event.plain = {}; event.list = setmetatable({}, { __is_array = true }); return event',
      { a: 1 },
    );

    // Assess
    expect(out).toEqual({ a: 1, plain: {}, list: [] });
  });

  it('turn a table with positive integer keys into an array, dropping other keys', async () => {
    // Act
    const out = await transformWithLua('return { "a", "b", x = 1 }', { a: 1 });

    // Assess
    expect(out).toEqual(['a', 'b']);
  });

  it('keep integers, fractions and nested tables', async () => {
    // Act
    const out = await transformWithLua(
      'return { n = event.n + 1, half = event.n / 2, inner = { ok = true } }',
      {
        n: 3,
      },
    );

    // Assess
    expect(out).toEqual({ n: 4, half: 1.5, inner: { ok: true } });
  });

  it('refuse a value JSON cannot hold', async () => {
    // Act
    const run = transformWithLua('return { x = 0/0 }', { a: 1 });

    // Assess
    await expect(run).rejects.toThrow('json: unsupported value');
  });
});

describe('applying a dependency transform', () => {
  it('leave an event without a transform untouched', async () => {
    // Prepare
    const original = event({ a: 1 });

    // Act
    const result = await applyTransform(withTransform(undefined), original);

    // Assess
    expect(result.event).toBe(original);
  });

  it('leave an event without data untouched, as upstream', async () => {
    // Prepare
    const original = event(undefined);

    // Act
    const result = await applyTransform(withTransform({ jq: '.x = 1' }), original);

    // Assess
    expect(result.event).toBe(original);
  });

  it('read raw data bytes and keep the context', async () => {
    // Act
    const result = await applyTransform(withTransform({ jq: '.b = .a * 2' }), event(undefined, '{"a": 21}'));

    // Assess
    expect(result.event?.data).toEqual({ a: 21, b: 42 });
    expect(result.event?.context.id).toBe('e1');
    expect(result.event?.raw).toBeUndefined();
  });

  it('prefer jq when both kinds are set, as upstream', async () => {
    // Act
    const result = await applyTransform(
      withTransform({ jq: '{by: "jq"}', script: 'return {by = "lua"}' }),
      event({}),
    );

    // Assess
    expect(result.event?.data).toEqual({ by: 'jq' });
  });

  it('report a failure instead of throwing', async () => {
    // Act
    const result = await applyTransform(withTransform({ script: 'return nil' }), event({ a: 1 }));

    // Assess
    expect(result.event).toBeUndefined();
    expect(result.error).toBe('transform failed: transformation script output type is not of lua table');
  });
});
