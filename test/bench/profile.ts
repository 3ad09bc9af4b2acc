/**
 * Runs one benchmark subject alone for a few seconds so `node --cpu-prof` sees only it:
 *   node --import tsx --cpu-prof --cpu-prof-dir=bench-results/profiles test/bench/profile.ts sensor|decoded|template|handler [seconds]
 * then `npx tsx test/bench/top-frames.ts bench-results/profiles/<file>.cpuprofile`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledHandlerSubject } from './suites/ingest-handler.ts';
import { prepareSensor } from './suites/sensor.ts';
import { throughput } from './support/stats.ts';

const [what, secondsText] = process.argv.slice(2);
const ms = Number(secondsText ?? 4) * 1000;
const tmp = await mkdtemp(join(tmpdir(), 'outrigger-profile-'));
try {
  let rate: number;
  if (what === 'sensor' || what === 'decoded' || what === 'template') {
    const { processOne, processDecoded, render } = await prepareSensor();
    rate = await throughput({ sensor: processOne, decoded: processDecoded, template: render }[what], ms);
  } else if (what === 'handler') {
    const { prepareHandler } = await bundledHandlerSubject();
    const { handler } = await prepareHandler(tmp);
    rate = await handler(ms);
  } else {
    throw new Error('profile what? sensor | decoded | template | handler');
  }
  console.log(`${what}: ${rate.toFixed(0)} ops/s`);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
