import { describe, expect, it } from 'vitest';
import type { SensorEvent } from '../../../lib/events/envelope.ts';
import type { EventDependency, EventDependencyFilter } from '../../../lib/manifests/types.ts';
import {
  evaluateDependency,
  evaluateFilters,
  evaluateFiltersAsync,
  needsAsync,
} from '../../../lib/sensors/filters/index.ts';

const event = (data: unknown, time = '2024-07-15T12:00:00Z'): SensorEvent => ({
  context: {
    id: 'e1',
    source: 'github-webhook',
    specversion: '1.0',
    type: 'github',
    datacontenttype: 'application/json',
    subject: 'github-push',
    time,
  },
  data,
});

const dependency = (filters: EventDependencyFilter | undefined, extra: Partial<EventDependency> = {}) =>
  ({
    name: 'dep',
    eventSourceName: 'github-webhook',
    eventName: 'github-push',
    filters,
    ...extra,
  }) as EventDependency;

const failingData = { data: [{ path: 'k', type: 'string', value: ['nope'] }] };
const erroringData = { data: [{ path: 'missing', type: 'string', value: ['x'] }] };
const passingContext = { context: { type: 'github' } };

describe('combining filter kinds', () => {
  it('pass an event with no filters', () => {
    // Assess
    expect(evaluateFilters(dependency(undefined), event({ k: 'v' }))).toEqual({ pass: true });
  });

  it('under and, fail when one kind fails', () => {
    // Act
    const result = evaluateFilters(dependency({ ...failingData, ...passingContext }), event({ k: 'v' }));

    // Assess
    expect(result).toEqual({ pass: false });
  });

  it('under and, report the first error even after an earlier kind failed', () => {
    // Prepare
    const filters = { exprs: [{ expr: 'k == "x"', fields: [{ name: 'k', path: 'k' }] }], ...erroringData };

    // Act
    const result = evaluateFilters(dependency(filters), event({ k: 'v' }));

    // Assess
    expect(result).toEqual({ pass: false, error: "data filter error (path 'missing' does not exist)" });
  });

  it('under or, pass when a configured kind passes and keep the other errors', () => {
    // Act
    const result = evaluateFilters(
      dependency({ ...erroringData, ...passingContext }, { filtersLogicalOperator: 'or' }),
      event({ k: 'v' }),
    );

    // Assess
    expect(result).toEqual({ pass: true, error: "data filter error (path 'missing' does not exist)" });
  });

  it('under or, not count unconfigured kinds as passing', () => {
    // Act
    const result = evaluateFilters(
      dependency(failingData, { filtersLogicalOperator: 'or' }),
      event({ k: 'v' }),
    );

    // Assess
    expect(result).toEqual({ pass: false });
  });

  it('pass data, expr and script filters when the event has no data', async () => {
    // Prepare
    const filters = {
      ...failingData,
      exprs: [{ expr: 'k == "x"', fields: [{ name: 'k', path: 'k' }] }],
      script: 'return false',
    };

    // Act
    const result = await evaluateFiltersAsync(dependency(filters), event(undefined));

    // Assess
    expect(result).toEqual({ pass: true });
  });

  it('apply the time filter to the event time', () => {
    // Prepare
    const filters = { time: { start: '13:00:00', stop: '14:00:00' } };

    // Act
    const result = evaluateFilters(dependency(filters), event({ k: 'v' }, '2024-07-15T12:00:00Z'));

    // Assess
    expect(result).toEqual({ pass: false });
  });
});

describe('script filters', () => {
  it('refuse a script in the synchronous entry point', () => {
    // Act
    const result = evaluateFilters(dependency({ script: 'return true' }), event({ k: 'v' }));

    // Assess
    expect(result.pass).toBe(false);
    expect(result.error).toContain('evaluateFiltersAsync');
    expect(needsAsync(dependency({ script: 'return true' }))).toBe(true);
    expect(needsAsync(dependency(failingData))).toBe(false);
  });

  it('return a script error even under or when another kind passed', async () => {
    // Act
    const result = await evaluateFiltersAsync(
      dependency({ ...passingContext, script: 'return nil + 1' }, { filtersLogicalOperator: 'or' }),
      event({ k: 'v' }),
    );

    // Assess
    expect(result.pass).toBe(false);
    expect(result.error).toMatch(/attempt to perform arithmetic on a nil value/);
  });

  it('under and, report an expr error before running the script', async () => {
    // Prepare
    const filters = { ...erroringData, script: 'error("script ran")' };

    // Act
    const result = await evaluateFiltersAsync(dependency(filters), event({ k: 'v' }));

    // Assess
    expect(result).toEqual({ pass: false, error: "data filter error (path 'missing' does not exist)" });
  });

  it('under or, pass on the script alone', async () => {
    // Act
    const result = await evaluateFiltersAsync(
      dependency({ ...failingData, script: 'return event.k == "v"' }, { filtersLogicalOperator: 'or' }),
      event({ k: 'v' }),
    );

    // Assess
    expect(result).toEqual({ pass: true });
  });
});

describe('evaluating a dependency', () => {
  it('transform the data before filtering and hand the transformed event on', async () => {
    // Prepare
    const dep = dependency(
      { data: [{ path: 'branch', type: 'string', value: ['^main$'] }] },
      { transform: { jq: '{branch: (.ref | ltrimstr("refs/heads/"))}' } },
    );

    // Act
    const judgement = await evaluateDependency(dep, event({ ref: 'refs/heads/main' }));

    // Assess
    expect(judgement.pass).toBe(true);
    expect(judgement.event.data).toEqual({ branch: 'main' });
  });

  it('drop the event when the transform fails', async () => {
    // Prepare
    const dep = dependency(undefined, { transform: { script: 'return 42' } });

    // Act
    const judgement = await evaluateDependency(dep, event({ k: 'v' }));

    // Assess
    expect(judgement.pass).toBe(false);
    expect(judgement.error).toContain('transformation script output type is not of lua table');
  });
});
