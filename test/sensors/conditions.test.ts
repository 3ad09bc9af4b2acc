import { describe, expect, it } from 'vitest';
import { compileCondition } from '../../lib/sensors/conditions.ts';

const deps = ['push', 'pr-opened', 'tag_created'];
const holds = (conditions: string | undefined, satisfied: string[]) =>
  compileCondition(conditions, deps).evaluate(new Set(satisfied));

describe('trigger conditions', () => {
  it('wait for every dependency when there are no conditions', () => {
    // Act
    const condition = compileCondition(undefined, deps);

    // Assess
    expect(condition.dependencies).toEqual(deps);
    expect(condition.needsState).toBe(true);
    expect(holds('', ['push', 'pr-opened'])).toBe(false);
    expect(holds('', deps)).toBe(true);
  });

  it('bind && tighter than ||', () => {
    // Assess
    expect(holds('push || pr-opened && tag_created', ['push'])).toBe(true);
    expect(holds('push || pr-opened && tag_created', ['pr-opened'])).toBe(false);
    expect(holds('(push || pr-opened) && tag_created', ['push'])).toBe(false);
  });

  it('read - as _ in both directions, as upstream', () => {
    // Act
    const condition = compileCondition('pr_opened || tag-created', deps);

    // Assess
    expect(condition.dependencies).toEqual(['pr-opened', 'tag_created']);
  });

  it('need no saved state for an OR-only expression', () => {
    // Assess
    expect(compileCondition('push || tag_created', deps).needsState).toBe(false);
    expect(compileCondition('push', deps).needsState).toBe(false);
  });

  it('refuse a name that is not a dependency, listing the ones there are', () => {
    // Act
    const compile = () => compileCondition('push && pull', deps);

    // Assess
    expect(compile).toThrow('"pull" is not a dependency of this sensor (have: push, pr-opened, tag_created)');
  });

  it.each(['!push', 'push &&', 'push || (tag_created', 'push & tag_created'])('refuse %j', (conditions) => {
    // Assess
    expect(() => compileCondition(conditions, deps)).toThrow(/conditions/);
  });
});
