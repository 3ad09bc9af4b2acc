// Drives a bundled webhook function the way Lambda does: one invocation at a time, API Gateway HTTP API
// (payload 2.0) events, for a bounded count and time. Prints one JSON line: peak RSS, heap, durations.
// argv: <bundle.mjs> <events.json> <count> <maxMs>
import { readFileSync } from 'node:fs';

const [bundle, eventsFile, countText, maxMsText] = process.argv.slice(2);
const templates = JSON.parse(readFileSync(eventsFile, 'utf8'));
const count = Number(countText);
const maxMs = Number(maxMsText);
const rssAtStart = process.memoryUsage().rss;
const t0 = performance.now();
const { handler } = await import(bundle);
const importMs = performance.now() - t0;
const durations = [];
let failures = 0;
let firstMs = 0;
const started = performance.now();
for (let i = 0; i < count && performance.now() - started < maxMs; i++) {
  const template = templates[i % templates.length];
  const event = {
    ...template,
    headers: { ...template.headers, 'x-github-delivery': `rss-${process.pid}-${i}` },
  };
  const t = performance.now();
  const result = await handler(event, { getRemainingTimeInMillis: () => 30_000 });
  const ms = performance.now() - t;
  if (i === 0) firstMs = ms;
  else durations.push(ms);
  if (result.statusCode !== 200) {
    failures++;
    if (failures === 1) process.stderr.write(`first failure: ${JSON.stringify(result).slice(0, 500)}\n`);
  }
}
durations.sort((a, b) => a - b);
const at = (p) =>
  durations[Math.min(durations.length - 1, Math.floor((p / 100) * durations.length))] ?? Number.NaN;
process.stderr.write(
  `${JSON.stringify({
    invocations: durations.length + 1,
    failures,
    importMs,
    firstMs,
    p50Ms: at(50),
    p99Ms: at(99),
    rssAtStart,
    peakRss: process.resourceUsage().maxRSS * 1024,
    heapUsed: process.memoryUsage().heapUsed,
  })}\n`,
);
process.exit(0);
