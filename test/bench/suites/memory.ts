/**
 * Peak RSS of the webhook path under load: the bundled webhook function (JetStream bus, compiled JSON
 * configuration, as deployed) invoked back to back with signed pushes, 1 in 20 of them a large one, in a
 * plain node process; against an empty node process. It must fit a 128 MB function. The same run gives the
 * warm invocation duration the cost model uses.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JetStreamBus } from '../../../lib/bus/jetstream/index.ts';
import { loadManifests } from '../../../lib/manifests/index.ts';
import type { Suite } from '../support/context.ts';
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

function run(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    // The bundle is built for Lambda's Node 22, which has a global WebSocket; Node 20 needs the flag for it.
    const flags = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-websocket'] : [];
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
  const config = join(ctx.tmp, 'memory-config.json');
  await writeFile(config, JSON.stringify(await loadManifests([dir])));
  const events = join(ctx.tmp, 'memory-events.json');
  const templates = Array.from({ length: 20 }, (_, i) =>
    apiGatewayEvent(i === 19 ? largePush(512) : pushBody(i % 2 ? 'refs/heads/main' : 'refs/heads/feature/x')),
  );
  await writeFile(events, JSON.stringify(templates));

  const driver = join(import.meta.dirname, '..', 'support', 'rss-driver.mjs');
  const env = { ...SECRET_ENV, OUTRIGGER_CONFIG: config, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' };
  const floors: number[] = [];
  const results: DriverResult[] = [];
  for (let round = 0; round < (ctx.quick ? 1 : 2); round++) {
    const empty = await run(
      ['-e', 'process.stderr.write(String(process.resourceUsage().maxRSS * 1024))'],
      {},
    );
    floors.push(Number(empty));
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
  const floor = median(floors) / 2 ** 20;
  const rows: BenchRow[] = [
    {
      suite: 'memory',
      name: `webhook function peak RSS, ${results[0]!.invocations} sequential invocations (1 in 20 a 512 KB push)`,
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
  ];
  return rows;
};
