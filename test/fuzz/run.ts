/**
 * `npm run fuzz`: at least a million cases across the targets of targets.ts, each target capped in wall
 * time; prints cases and cases/s per target and exits 1 on the first counterexample.
 *
 * Usage: tsx test/fuzz/run.ts [--cases N] [--seconds S]
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { fuzzTargets } from './targets.ts';

const { values } = parseArgs({
  options: { cases: { type: 'string', default: '1050000' }, seconds: { type: 'string', default: '240' } },
});
const total = Number(values.cases);
const budgetMs = Number(values.seconds) * 1000;
const weights = fuzzTargets.reduce((n, t) => n + t.weight, 0);
let ran = 0;
let failed = false;
const started = Date.now();
for (const [index, target] of fuzzTargets.entries()) {
  const numRuns = Math.ceil((total * target.weight) / weights);
  // What is left of the budget, shared by the targets still to run (fast ones leave time to slow ones).
  const capMs = Math.max(1_000, (budgetMs - (Date.now() - started)) / (fuzzTargets.length - index));
  const t0 = performance.now();
  const details = await fc.check(target.property(), {
    numRuns,
    interruptAfterTimeLimit: capMs,
    markInterruptAsFailure: false,
    endOnFailure: true,
  });
  const seconds = (performance.now() - t0) / 1000;
  ran += details.numRuns;
  const rate = Math.round(details.numRuns / seconds);
  const status = details.failed ? 'FAILED' : details.interrupted ? 'capped' : 'ok';
  process.stdout.write(
    `${target.name.padEnd(24)} ${String(details.numRuns).padStart(8)} cases ${seconds.toFixed(1).padStart(6)} s ${String(rate).padStart(7)}/s ${status}\n`,
  );
  if (details.failed) {
    failed = true;
    process.stdout.write(`  seed ${details.seed} path ${details.counterexamplePath}\n`);
    process.stdout.write(`  counterexample ${fc.stringify(details.counterexample)}\n`);
    process.stdout.write(
      `  error ${details.errorInstance instanceof Error ? details.errorInstance.stack : String(details.errorInstance)}\n`,
    );
  }
}
process.stdout.write(`total ${ran} cases in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(failed || ran < total * 0.95 ? 1 : 0);
