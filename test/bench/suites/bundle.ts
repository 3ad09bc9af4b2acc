/**
 * Function bundles as deployed (infra/esbuild.config.cjs: minified ESM, platform node, `@aws-sdk/*`
 * external, createRequire banner) for each bus, and the import time of each against an empty node process:
 * the median wall time of `node -e` spawns, interleaved, minus the empty one.
 */
import { spawn } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildOptions } from 'esbuild';
import type { Suite } from '../support/context.ts';
import { repoRoot } from '../support/fixtures.ts';
import type { BenchRow } from '../support/report.ts';
import { median } from '../support/stats.ts';

const require = createRequire(import.meta.url);
const { esbuildOptions } = require('../../../infra/esbuild.config.cjs') as {
  esbuildOptions: (deployment?: {
    bus: string;
    jq: boolean;
    lua: boolean;
    filter: boolean;
    nats: boolean;
  }) => BuildOptions & { exclude?: string[]; outputFileExtension?: string };
};

export type FunctionName = 'webhook' | 'sensor';
export type BusName = 'jetstream' | 'sqs';

/** Bundles live under bench-results/ (git-ignored) so `@aws-sdk/*` resolves from the repository. */
const outDir = join(repoRoot, 'bench-results', 'bundles');
const built = new Map<string, Promise<string>>();

/** Builds `functions/<name>.ts` for `bus` once per run; returns the .mjs path. */
export function buildFunction(name: FunctionName, bus: BusName): Promise<string> {
  const key = `${name}-${bus}`;
  let done = built.get(key);
  if (!done) {
    done = (async () => {
      const { build } = await import('esbuild');
      // What a deployment of the article on this bus packages: no sensor uses jq or Lua.
      const {
        exclude,
        outputFileExtension: _ext,
        ...options
      } = esbuildOptions({ bus, jq: false, lua: false, filter: false, nats: false });
      const outfile = join(outDir, `${key}.mjs`);
      await mkdir(outDir, { recursive: true });
      await build({
        ...options,
        external: exclude ?? [],
        sourcemap: false,
        entryPoints: [join(repoRoot, 'functions', `${name}.ts`)],
        outfile,
        logLevel: 'error',
      });
      return outfile;
    })();
    built.set(key, done);
  }
  return done;
}

/** Wall time of one `node -e` that imports `file` (or nothing), in ms. */
function spawnImport(file: string | undefined): Promise<number> {
  const code = file ? `await import(${JSON.stringify(pathToFileURL(file).href)})` : '';
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH ?? '' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(performance.now() - t0);
      else reject(new Error(`importing ${file} failed (${code}): ${stderr.slice(0, 500)}`));
    });
  });
}

const BUDGETS: Record<FunctionName, { kb: number; importMs: number }> = {
  webhook: { kb: 400, importMs: 60 },
  sensor: { kb: 1536, importMs: 150 },
};

export const bundles: Suite = async (ctx) => {
  const rounds = ctx.quick ? 5 : 11;
  const rows: BenchRow[] = [];
  const files: Record<string, string> = {};
  for (const name of ['webhook', 'sensor'] as const) {
    for (const bus of ['jetstream', 'sqs'] as const) {
      const file = await buildFunction(name, bus);
      files[`${name}-${bus}`] = file;
      const kb = (await stat(file)).size / 1024;
      rows.push({
        suite: 'bundle',
        name: `functions/${name}.ts bundle, ${bus} bus`,
        value: kb,
        unit: 'KB',
        goal: { text: `≤ ${BUDGETS[name].kb} KB`, met: kb <= BUDGETS[name].kb },
      });
    }
  }
  const subjects: Record<string, string | undefined> = { empty: undefined, ...files };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
  await spawnImport(undefined);
  for (let round = 0; round < rounds; round++) {
    for (const [key, file] of Object.entries(subjects)) samples[key]!.push(await spawnImport(file));
  }
  const empty = median(samples.empty!);
  for (const [key, file] of Object.entries(files)) {
    if (!file) continue;
    const name = key.split('-')[0] as FunctionName;
    const total = median(samples[key]!);
    const delta = total - empty;
    rows.push({
      suite: 'bundle',
      name: `import of ${key} over an empty node (spawn ${total.toFixed(0)} ms)`,
      value: delta,
      unit: 'ms',
      floor: { name: 'empty node -e', value: empty },
      ratio: total / empty,
      goal: { text: `≤ ${BUDGETS[name].importMs} ms`, met: delta <= BUDGETS[name].importMs },
    });
  }
  return rows;
};
