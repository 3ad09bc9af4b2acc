// Drives a bundled JetStream sensor function the way its safety schedule does: drain invocations, one at a
// time, until one hands nothing over. Prints one JSON line: events drained, peak RSS, durations.
// argv: <bundle.mjs> <maxMs>
const [bundle, maxMsText] = process.argv.slice(2);
const maxMs = Number(maxMsText);
const t0 = performance.now();
const { handler } = await import(bundle);
const importMs = performance.now() - t0;
const context = { getRemainingTimeInMillis: () => 60_000 };
const tally = { batches: 0, acked: 0, retried: 0, deadLettered: 0, skipped: 0 };
let invocations = 0;
const started = performance.now();
while (performance.now() - started < maxMs) {
  const { drained } = await handler({}, context);
  invocations++;
  for (const key of Object.keys(tally)) tally[key] += drained[key];
  if (drained.batches === 0) break;
}
process.stderr.write(
  `${JSON.stringify({
    ...tally,
    invocations,
    importMs,
    drainMs: performance.now() - started,
    peakRss: process.resourceUsage().maxRSS * 1024,
    heapUsed: process.memoryUsage().heapUsed,
  })}\n`,
);
process.exit(0);
