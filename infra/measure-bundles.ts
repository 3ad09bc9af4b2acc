/**
 * Builds each function bundle as deployed (infra/esbuild.config.cjs) and reports its size and import time
 * over a bare node process, against the budgets of DESIGN §5. `npm run bundle:measure [-- --runs 21]`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** The budget of one function bundle. */
export interface BundleBudget {
  maxBytes: number;
  maxImportMs: number;
}

/** DESIGN §5. */
export const budgets: Readonly<Record<'webhook' | 'sensor', BundleBudget>> = {
  webhook: { maxBytes: 250 * 1024, maxImportMs: 60 },
  sensor: { maxBytes: 1.5 * 1024 * 1024, maxImportMs: 150 },
};

/** What a bundle must reach, as infra/plugin.cjs records it for a deployment. */
export interface Deployment {
  bus: 'sqs' | 'jetstream';
  jq: boolean;
  lua: boolean;
  /** Whether an EventSource uses `filter.expression` (the expr-lang evaluator and RE2). */
  filter?: boolean;
  /** Whether a sensor has a `nats` trigger (nats.ws stays in the sensor bundle on the SQS bus). */
  nats?: boolean;
}

interface EsbuildConfig {
  esbuildOptions(
    deployment: Deployment,
  ): Record<string, unknown> & { exclude: string[]; outputFileExtension: string };
}

function label(d: Deployment): string {
  return `${d.bus}${d.jq ? '+jq' : ''}${d.lua ? '+lua' : ''}${d.nats ? '+nats' : ''}${d.filter ? '+filter' : ''}`;
}

const root = resolve(import.meta.dirname, '..');

/** Bundles `functions/<name>.ts` for a deployment into `outdir`; returns the bundle's path and size. */
export async function bundleFunction(
  name: string,
  deployment: Deployment,
  outdir: string,
): Promise<{ file: string; bytes: number }> {
  const require = createRequire(import.meta.url);
  const { esbuildOptions } = require('./esbuild.config.cjs') as EsbuildConfig;
  const { exclude, outputFileExtension, ...options } = esbuildOptions(deployment);
  const file = join(outdir, label(deployment), `${name}${outputFileExtension}`);
  await build({
    ...options,
    sourcemap: false,
    external: exclude,
    entryPoints: [join(root, 'functions', `${name}.ts`)],
    outfile: file,
    logLevel: 'silent',
  });
  return { file, bytes: (await stat(file)).size };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Milliseconds the child prints, median of `runs` fresh processes. */
function importMs(file: string, runs: number): number {
  const code = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`importing ${file} failed: ${result.stderr}`);
    times.push(Number(result.stdout.trim().split('\n').at(-1)));
  }
  return median(times);
}

/** Wall time of a fresh `node -e <code>`, median of `runs`. */
function nodeMs(code: string, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`node -e ${code} failed`);
    times.push(performance.now() - start);
  }
  return median(times);
}

async function main(): Promise<void> {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
  const outdir = await mkdtemp(join(tmpdir(), 'outrigger-bundles-'));
  try {
    const bare = nodeMs('', runs);
    console.log(`bare node: ${bare.toFixed(1)} ms (median of ${runs})`);
    let over = 0;
    const deployments: Deployment[] = [
      { bus: 'sqs', jq: false, lua: false },
      { bus: 'sqs', jq: false, lua: true },
      { bus: 'sqs', jq: true, lua: true },
      { bus: 'jetstream', jq: false, lua: false },
    ];
    for (const deployment of deployments) {
      for (const name of ['webhook', 'sensor'] as const) {
        const { file, bytes } = await bundleFunction(name, deployment, outdir);
        const ms = nodeMs(`await import(${JSON.stringify(pathToFileURL(file).href)})`, runs) - bare;
        const inside = importMs(file, runs);
        const budget = budgets[name];
        // The in-process time: spawn jitter on a busy machine can make the difference to bare node negative.
        const ok = bytes <= budget.maxBytes && inside <= budget.maxImportMs;
        if (!ok) over++;
        console.log(
          `${ok ? 'ok  ' : 'OVER'} ${name} (${label(deployment)}): ${(bytes / 1024).toFixed(1)} KB (budget ${budget.maxBytes / 1024} KB), import +${ms.toFixed(1)} ms over bare node, ${inside.toFixed(1)} ms inside (budget ${budget.maxImportMs} ms)`,
        );
      }
    }
    process.exitCode = over > 0 ? 1 : 0;
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();
