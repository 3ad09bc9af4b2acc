/**
 * Manifests as a deployed function sees them. At package time the validated manifests are compiled into one
 * JSON file shipped in the bundle (DESIGN §4); `OUTRIGGER_CONFIG` names it. Without it (tests, local use)
 * the YAML under `OUTRIGGER_MANIFESTS` (default `manifests/`) is loaded and validated instead.
 */
import { readFile } from 'node:fs/promises';
import type { ManifestSet } from './types.ts';

let cached: Promise<ManifestSet> | undefined;

/** The compiled form of a manifest set: what `OUTRIGGER_CONFIG` files hold. */
export function compileManifestSet(set: ManifestSet): string {
  return JSON.stringify({ version: 1, ...set });
}

/**
 * Reads the manifests a function runs: `OUTRIGGER_CONFIG` naming a `.json` file is the compiled set (no YAML
 * parser is even imported); naming anything else, or `OUTRIGGER_MANIFESTS`, is YAML to load and validate.
 */
export async function loadRuntimeManifests(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ManifestSet> {
  const config = env.OUTRIGGER_CONFIG;
  if (config?.endsWith('.json')) {
    const { version: _version, ...set } = JSON.parse(await readFile(config, 'utf8')) as ManifestSet & {
      version?: number;
    };
    return set;
  }
  const { loadManifests } = await import('./load.ts');
  return loadManifests([config || env.OUTRIGGER_MANIFESTS || 'manifests']);
}

/** Loads the function's manifests once per container. */
export function runtimeManifests(): Promise<ManifestSet> {
  cached ??= loadRuntimeManifests();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}

/** Forgets the cached manifests (tests). */
export function resetRuntimeManifests(): void {
  cached = undefined;
}
