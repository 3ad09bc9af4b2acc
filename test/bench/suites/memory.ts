/**
 * Peak RSS of the functions as Lambda runs them (a plain node with the heap limits Lambda's Node.js runtime
 * sets for 128 MB), against an empty node process; each must fit a 128 MB function.
 * - Webhook: the bundled function (JetStream bus, compiled JSON configuration, as deployed) invoked back to
 *   back with signed pushes, 1 in 20 of them a large one. The same run gives the warm invocation duration
 *   the cost model uses.
 * - Sensor (DESIGN §5: 128 MB is enough for a batch of 10): the bundled JetStream sensor function drains a
 *   backlog of the same pushes in batches of 10, creating a Job in the test apiserver for each push to main;
 *   then the same with V8's default heap sizing, to show what the limits change.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JetStreamBus } from '../../../lib/bus/jetstream/index.ts';
import { loadManifests } from '../../../lib/manifests/index.ts';
import type { ManifestSet } from '../../../lib/manifests/types.ts';
import { createLocalSecretResolver } from '../../../lib/secrets/local.ts';
import { compileSensor, sensorSubjects } from '../../../lib/sensors/engine.ts';
import { createIngest, type Ingest } from '../../../lib/sources/ingest.ts';
import { startApiServer } from '../../support/apiserver.ts';
import type { BenchContext, Suite } from '../support/context.ts';
import { benchManifests, pushBody, pushHeaders, repoRoot, SECRET_ENV } from '../support/fixtures.ts';
import type { BenchRow } from '../support/report.ts';
import { median } from '../support/stats.ts';
import { buildFunction } from './bundle.ts';

interface DriverResult {
  invocations: number;
  failures: number;
  importMs: number;
  firstMs: number;
  p50Ms: number;
  p99Ms: number;
  peakRss: number;
  heapUsed: number;
}

/** The function's memory size, and the V8 heap flags Lambda's Node.js runtime derives from it. */
const FUNCTION_MB = 128;

/**
 * The heap limits Lambda's Node.js bootstrap passes for a function of `mb` MB (aws-lambda-base-images:
 * a tenth of the memory for the new space, half of that per semi-space, the rest for the old space).
 * Without them V8 sizes the heap from the machine's 24 GiB and collects later than a function would.
 */
function lambdaHeapFlags(mb: number): string[] {
  const newSpace = Math.floor(mb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${mb - newSpace}`];
}

function run(
  args: string[],
  env: Record<string, string>,
  heap: 'lambda' | 'default' = 'lambda',
): Promise<string> {
  return new Promise((resolve, reject) => {
    // The bundle is built for Lambda's Node 22, which has a global WebSocket; Node 20 needs the flag for it.
    const flags = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-websocket'] : [];
    if (heap === 'lambda' && env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE) {
      flags.push(...lambdaHeapFlags(Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE)));
    }
    const child = spawn(process.execPath, [...flags, ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stderr);
      else reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(-800)}`));
    });
  });
}

function apiGatewayEvent(body: Buffer): Record<string, unknown> {
  return {
    version: '2.0',
    routeKey: 'POST /push',
    rawPath: '/push',
    rawQueryString: '',
    headers: pushHeaders(body, 'template'),
    requestContext: { http: { method: 'POST', path: '/push', sourceIp: '127.0.0.1' }, stage: '$default' },
    body: body.toString('base64'),
    isBase64Encoded: true,
  };
}

/** A push with many commits: ~`kb` KB of JSON (GitHub caps a push at 20 commits in the payload, but sizes vary). */
function largePush(kb: number): Buffer {
  const payload = JSON.parse(pushBody('refs/heads/main').toString('utf8')) as { commits: unknown[] };
  const commit = payload.commits[0] ?? {};
  const filler = 'x'.repeat(1024);
  payload.commits = Array.from({ length: kb }, (_, i) => ({
    ...(commit as object),
    id: String(i),
    message: filler,
  }));
  return Buffer.from(JSON.stringify(payload));
}

interface DrainResult {
  batches: number;
  acked: number;
  retried: number;
  deadLettered: number;
  skipped: number;
  invocations: number;
  importMs: number;
  drainMs: number;
  peakRss: number;
}

type Push = { body: Buffer; main: boolean };

/** The mix both halves use, 20 long: every other push to main (the build sensor fires), the last 512 KB. */
function pushMixOf20(): Push[] {
  return Array.from({ length: 20 }, (_, i) => {
    if (i === 19) return { body: largePush(512), main: true };
    const main = i % 2 === 1;
    return { body: pushBody(main ? 'refs/heads/main' : 'refs/heads/feature/x'), main };
  });
}

/** Publishes `count` pushes of the mix through `ingest`, as the webhook function does; returns how many go to main. */
async function publishBacklog(ingest: Ingest, pushes: Push[], count: number, pass: string): Promise<number> {
  let main = 0;
  for (let i = 0; i < count; i++) {
    const push = pushes[i % pushes.length]!;
    const response = await ingest.handle({
      method: 'POST',
      path: '/push',
      rawQuery: '',
      headers: { ...pushHeaders(push.body, 'template'), 'x-github-delivery': `drain-${pass}-${i}` },
      body: push.body,
    });
    if (response.statusCode !== 200) throw new Error(`publishing the backlog: ${response.body}`);
    if (push.main) main++;
  }
  return main;
}

/**
 * The sensor function's peak RSS over a drain of a backlog (the suite's fresh JetStream), once with the heap
 * limits Lambda sets (the goal) and once with V8's defaults for this machine (to show what they change).
 */
async function sensorDrain(
  ctx: BenchContext,
  natsWsUrl: string,
  set: ManifestSet,
  config: string,
  pushes: Push[],
  floor: number,
): Promise<BenchRow[]> {
  const count = ctx.quick ? 500 : 5_000;
  const bundle = await buildFunction('sensor', 'jetstream');
  const driver = join(import.meta.dirname, '..', 'support', 'sensor-drain-driver.mjs');
  const apiserver = await startApiServer();
  const bus = await JetStreamBus.connect({ url: natsWsUrl, createIfMissing: true });
  const rows: BenchRow[] = [];
  try {
    // The sensor's consumer exists before the backlog, as a deployment creates it (it delivers new events).
    const sensor = compileSensor(set.sensors[0]!);
    await bus.drain({ name: sensor.name, subjects: sensorSubjects(sensor) }, async () => [], {
      maxBatches: 0,
    });
    const env = {
      ...SECRET_ENV,
      OUTRIGGER_CONFIG: config,
      OUTRIGGER_SENSOR: sensor.name,
      KUBECONFIG: apiserver.kubeconfigPath,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(FUNCTION_MB),
    };
    const secrets = createLocalSecretResolver({
      env: { ...SECRET_ENV },
      baseDir: join(ctx.tmp, 'no-secrets'),
    });
    const ingest = createIngest(set, { bus, secrets });
    let expected = 0;
    for (const heap of ['lambda', 'default'] as const) {
      expected += await publishBacklog(ingest, pushes, count, heap);
      const out = await run([driver, bundle, '120000'], env, heap);
      const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as DrainResult;
      const jobs = apiserver.objects('Job').length;
      if (result.acked !== count || jobs !== expected) {
        throw new Error(
          `the sensor drain acked ${result.acked} of ${count} events; ${jobs} of ${expected} Jobs exist: ${out.slice(-500)}`,
        );
      }
      const peak = result.peakRss / 2 ** 20;
      ctx.progress(`  sensor drained ${result.acked} events (${heap} heap), peak RSS ${peak.toFixed(1)} MB`);
      const what = `a drain of ${count} events in batches of 10 (1 in 20 a 512 KB push; half create a Job)`;
      if (heap === 'lambda') {
        rows.push(
          {
            suite: 'memory',
            name: `sensor function peak RSS, ${what}, heap limits as Lambda sets them for ${FUNCTION_MB} MB`,
            value: peak,
            unit: 'MB',
            floor: { name: 'empty node', value: floor },
            ratio: peak / floor,
            goal: { text: `≤ ${FUNCTION_MB} MB`, met: peak <= FUNCTION_MB },
          },
          {
            suite: 'memory',
            name: 'sensor function drain throughput (pull, decode, filters, Job create against the test apiserver, ack)',
            value: (result.acked / result.drainMs) * 1000,
            unit: 'events/s',
          },
        );
      } else {
        rows.push({
          suite: 'memory',
          name: `sensor function peak RSS, the same drain with V8's default heap sizing (a 24 GiB machine, not Lambda)`,
          value: peak,
          unit: 'MB',
          floor: { name: 'empty node', value: floor },
          ratio: peak / floor,
        });
      }
    }
  } finally {
    await bus.close();
    await apiserver.close();
  }
  return rows;
}

export const memory: Suite = async (ctx) => {
  const natsWsUrl = await ctx.nats();
  if (!natsWsUrl) {
    return [
      {
        suite: 'memory',
        name: 'webhook function peak RSS',
        value: Number.NaN,
        unit: '',
        note: 'skipped: no nats-server',
      },
    ];
  }
  const count = ctx.quick ? 500 : 3_000;
  const bundle = await buildFunction('webhook', 'jetstream');
  // On AWS the deployment creates the stream; here the bench does, as the local runner would.
  await (await JetStreamBus.connect({ url: natsWsUrl, createIfMissing: true })).close();
  const dir = await benchManifests(join(ctx.tmp, 'memory'), { jetstreamUrl: natsWsUrl });
  const set = await loadManifests([dir]);
  const config = join(ctx.tmp, 'memory-config.json');
  await writeFile(config, JSON.stringify(set));
  const events = join(ctx.tmp, 'memory-events.json');
  const pushes = pushMixOf20();
  const templates = pushes.map((push) => apiGatewayEvent(push.body));
  await writeFile(events, JSON.stringify(templates));
  // The floor of both halves: an empty node's peak RSS, the median of three.
  const floors: number[] = [];
  for (let i = 0; i < 3; i++) {
    floors.push(
      Number(await run(['-e', 'process.stderr.write(String(process.resourceUsage().maxRSS * 1024))'], {})),
    );
  }
  const floor = median(floors) / 2 ** 20;
  // The sensor first, while the stream holds only its backlog.
  const sensorRows = await sensorDrain(ctx, natsWsUrl, set, config, pushes, floor);

  const driver = join(import.meta.dirname, '..', 'support', 'rss-driver.mjs');
  const env = {
    ...SECRET_ENV,
    OUTRIGGER_CONFIG: config,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(FUNCTION_MB),
  };
  const results: DriverResult[] = [];
  for (let round = 0; round < (ctx.quick ? 1 : 2); round++) {
    const out = await run([driver, bundle, events, String(count), '40000'], env);
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as DriverResult;
    if (result.failures > 0)
      throw new Error(
        `the webhook function refused ${result.failures} of ${result.invocations} pushes: ${out.slice(0, 500)}`,
      );
    results.push(result);
    ctx.progress(`  ${result.invocations} invocations, peak RSS ${(result.peakRss / 2 ** 20).toFixed(1)} MB`);
  }
  const peak = Math.max(...results.map((r) => r.peakRss)) / 2 ** 20;
  const rows: BenchRow[] = [
    {
      suite: 'memory',
      name: `webhook function peak RSS, ${results[0]!.invocations} sequential invocations (1 in 20 a 512 KB push), heap limits as Lambda sets them for ${FUNCTION_MB} MB`,
      value: peak,
      unit: 'MB',
      floor: { name: 'empty node', value: floor },
      ratio: peak / floor,
      goal: { text: '≤ 128 MB', met: peak <= 128 },
    },
    {
      suite: 'memory',
      name: 'webhook function cold first invocation (config, bus connect, publish)',
      value: median(results.map((r) => r.firstMs)),
      unit: 'ms',
    },
    {
      suite: 'memory',
      name: 'webhook function warm invocation p50 (verify, publish to JetStream, answer)',
      value: median(results.map((r) => r.p50Ms)),
      unit: 'ms',
    },
    {
      suite: 'memory',
      name: 'webhook function warm invocation p99',
      value: median(results.map((r) => r.p99Ms)),
      unit: 'ms',
    },
    ...sensorRows,
  ];
  return rows;
};
