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

async function load(): Promise<ManifestSet> {
  const config = process.env.OUTRIGGER_CONFIG;
  if (config) {
    const parsed = JSON.parse(await readFile(config, 'utf8')) as ManifestSet & { version: number };
    const { version: _version, ...set } = parsed;
    return set;
  }
  const { loadManifests } = await import('./load.ts');
  return loadManifests([process.env.OUTRIGGER_MANIFESTS ?? 'manifests']);
}

/** Loads the function's manifests once per container. */
export function runtimeManifests(): Promise<ManifestSet> {
  cached ??= load();
  return cached;
}

/** Forgets the cached manifests (tests). */
export function resetRuntimeManifests(): void {
  cached = undefined;
}
