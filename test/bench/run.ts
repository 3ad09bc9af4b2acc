/**
 * `npm run bench`: runs every benchmark of test/bench, each figure beside its floor measured in the same
 * run, and writes bench-results/latest.md and latest.json. Loopback only; every load is bounded in count
 * and time. Options: `--quick` (fewer, shorter rounds), `--only ingest-http,latency` (a subset).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNatsServer, type NatsServer, startNatsServer } from '../support/nats-server.ts';
import { bundles } from './suites/bundle.ts';
import { ingestHandler } from './suites/ingest-handler.ts';
import { ingestHttp } from './suites/ingest-http.ts';
import { latency } from './suites/latency.ts';
import { memory } from './suites/memory.ts';
import { publish } from './suites/publish.ts';
import { sensor } from './suites/sensor.ts';
import type { BenchContext, Suite } from './support/context.ts';
import { repoRoot } from './support/fixtures.ts';
import { type BenchReport, type BenchRow, writeReport } from './support/report.ts';

const SUITES: Readonly<Record<string, Suite>> = {
  'ingest-handler': ingestHandler,
  'ingest-http': ingestHttp,
  latency,
  publish,
  sensor,
  bundle: bundles,
  memory,
};

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

const only = option('--only')?.split(',');
const unknown = only?.filter((name) => !(name in SUITES)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown suite(s) ${unknown.join(', ')}; choose from ${Object.keys(SUITES).join(', ')}`);
  process.exit(2);
}

const started = performance.now();
const tmp = await mkdtemp(join(tmpdir(), 'outrigger-bench-'));
const haveNats = findNatsServer() !== undefined;
if (!haveNats)
  console.warn(
    '!! nats-server not found: the JetStream benchmarks are skipped (apt-get install nats-server)',
  );
const servers: NatsServer[] = [];

const ctx: BenchContext = {
  tmp,
  nats: async () => {
    if (!haveNats) return undefined;
    const server = await startNatsServer();
    servers.push(server);
    return server.url;
  },
  quick: process.argv.includes('--quick'),
  progress: (line) => process.stderr.write(`${line}\n`),
};
const rows: BenchRow[] = [];
const failures: BenchReport['failures'] = [];
try {
  for (const [name, suite] of Object.entries(SUITES)) {
    if (only && !only.includes(name)) continue;
    ctx.progress(`▶ ${name}`);
    const t0 = performance.now();
    try {
      rows.push(...(await suite(ctx)));
    } catch (err) {
      const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      failures.push({ suite: name, error: error.split('\n').slice(0, 4).join(' | ') });
      ctx.progress(`  ${name} failed: ${error}`);
    }
    await Promise.all(servers.splice(0).map((server) => server.stop()));
    ctx.progress(`  ${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
} finally {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
  await rm(tmp, { recursive: true, force: true });
}

const cpuList = cpus();
const report: BenchReport = {
  machine: {
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: loadavg(),
    date: new Date().toISOString(),
  },
  durationSeconds: (performance.now() - started) / 1000,
  rows,
  failures,
};
process.stdout.write(await writeReport(repoRoot, report));
process.exitCode = failures.length > 0 ? 1 : 0;
