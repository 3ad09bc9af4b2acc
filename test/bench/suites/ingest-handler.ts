/**
 * The webhook handler in-process (issue 3): `ingest.handle` with the memory bus against a loop that only
 * verifies the HMAC and parses the JSON of the same request. Interleaved rounds, medians.
 *
 * Both loops run from an esbuild bundle of support/handler-subject.ts, built as bin/bundle.js builds the
 * CLI: deployed functions and `npm start` run bundled code, never tsx's, whose `keepNames` adds an
 * `Object.defineProperty` for every closure made (1-2% of this handler).
 */
import { join, relative } from 'node:path';
import { bundled, packageRoot } from '../../../bin/bundle.js';
import type { Suite } from '../support/context.ts';
import { interleave, median, medianRatio } from '../support/stats.ts';

type Subject = typeof import('../support/handler-subject.ts');

/** The handler and floor loops, from the bundle. */
export async function bundledHandlerSubject(): Promise<Subject> {
  const entry = relative(packageRoot, join(import.meta.dirname, '..', 'support', 'handler-subject.ts'));
  return (await import(await bundled(entry, 'bench-handler'))) as Subject;
}

export const ingestHandler: Suite = async (ctx) => {
  const rounds = ctx.quick ? 3 : 7;
  const ms = ctx.quick ? 200 : 400;
  const { prepareHandler } = await bundledHandlerSubject();
  const { handler, floor, rejected } = await prepareHandler(ctx.tmp);
  await handler(ms);
  await floor(ms);
  const samples = await interleave(rounds, { floor: () => floor(ms), handler: () => handler(ms) });
  if (rejected() > 0) throw new Error(`ingest.handle refused ${rejected()} valid requests`);
  const ratio = medianRatio(samples.handler!, samples.floor!);
  return [
    {
      suite: 'ingest-handler',
      name: 'ingest.handle in-process, memory bus',
      value: median(samples.handler!),
      unit: 'req/s',
      floor: { name: 'HMAC+parse loop', value: median(samples.floor!) },
      ratio,
      goal: { text: '≥ 70% of floor', met: ratio >= 0.7 },
    },
  ];
};
