/** A sample of every fuzz target (the full million runs with `npm run fuzz`): no crash, no hang. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { fuzzTargets } from './targets.ts';

describe('fuzz targets, sampled', () => {
  it.each(fuzzTargets.map((t) => [t.name, t] as const))(
    'survive hostile input: %s',
    async (_name, target) => {
      // Act / Assess: fast-check throws with the counterexample on the first failure
      await fc.assert(target.property(), { numRuns: 300, interruptAfterTimeLimit: 8_000 });
    },
    15_000,
  );
});
