/**
 * Runs this package's TypeScript as one esbuild bundle instead of through tsx's loader. tsx compiles with
 * `keepNames`, which names every closure with an `Object.defineProperty` as it is made: the local runner
 * makes several per request and per event, and served ~10% fewer requests a second for it (2026-11-27,
 * three interleaved runs). The bundle is kept in a cache folder and built again only when one of its
 * source files changed (size or mtime), so a start stats the sources instead of compiling them.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

/** The package's root, where the sources and node_modules are. */
export const packageRoot = resolve(import.meta.dirname, '..');

/** Where bundles are kept: inside the package, so the packages they import resolve from its node_modules. */
export const cacheDir = join(packageRoot, 'node_modules', '.cache', 'outrigger');

/** The installed esbuild's version, read from its package.json (a new esbuild must rebuild). */
function esbuildVersion() {
  return createRequire(import.meta.url)('esbuild/package.json').version;
}

// Part of the stamp: a change to these options must rebuild.
const OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Dependencies load from node_modules as before, and only when the code imports them.
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'silent',
};

/** The stat of `file` under `root`, undefined when it is not there. */
async function statOf(root, file) {
  try {
    return await stat(resolve(root, file));
  } catch {
    return undefined;
  }
}

/** What a stamp records of a source: its size and mtime, or that it is missing. */
const stampOf = (info) => (info ? `${info.size}:${info.mtimeMs}` : 'missing');

/** True when `stampFile` was written for `key` and records the current size and mtime of every source. */
async function isFresh(root, stampFile, key) {
  let stamp;
  try {
    stamp = JSON.parse(await readFile(stampFile, 'utf8'));
  } catch {
    return false;
  }
  if (stamp.key !== key) return false;
  const files = Object.keys(stamp.inputs);
  const now = await Promise.all(files.map((file) => statOf(root, file)));
  return files.every((file, i) => stamp.inputs[file] === stampOf(now[i]));
}

/** Writes `contents` to `file` through a temporary name, so a process starting meanwhile never reads half. */
async function replace(file, contents) {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, file);
}

/**
 * The path of a bundle of `entry` (relative to `root`) named `name`, built first when a source changed.
 * Throws when esbuild cannot build it or the cache cannot be written.
 */
export async function bundled(entry, name, { root = packageRoot, into = cacheDir } = {}) {
  const outfile = join(into, `${name}.mjs`);
  const stampFile = join(into, `${name}.json`);
  const key = JSON.stringify({ entry, root, esbuild: esbuildVersion(), options: OPTIONS });
  if (await isFresh(root, stampFile, key)) return outfile;

  // Imported only to build: loading esbuild's API took ~50 ms of every start.
  const esbuild = await import('esbuild');

  // Rounded up: a file written in the same millisecond before the build has an mtime past Date.now().
  const started = Date.now() + 1;
  const result = await esbuild.build({
    ...OPTIONS,
    entryPoints: [resolve(root, entry)],
    absWorkingDir: root,
    outfile,
    metafile: true,
    write: false,
  });
  // esbuild also reads tsconfig.json (class fields, decorators…), which the metafile does not list.
  const files = [...Object.keys(result.metafile.inputs), 'tsconfig.json'];
  const stats = await Promise.all(files.map((file) => statOf(root, file)));
  await mkdir(into, { recursive: true });
  for (const output of result.outputFiles) await replace(output.path, output.contents);
  // A source saved while esbuild read it may be missing from the bundle: no stamp, so the next start builds.
  if (stats.some((info) => info && info.mtimeMs >= started)) return outfile;
  const inputs = Object.fromEntries(files.map((file, i) => [file, stampOf(stats[i])]));
  await replace(stampFile, JSON.stringify({ key, inputs }));
  return outfile;
}
