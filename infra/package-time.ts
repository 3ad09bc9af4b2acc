/**
 * What the plugin runs at package time: load and validate the manifests with the project's loader, expand
 * them, and write the compiled configuration every bundle ships (DESIGN §4).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { formatIssue } from '../lib/errors.ts';
import { loadManifests } from '../lib/manifests/index.ts';
import { compileManifestSet } from '../lib/manifests/runtime.ts';
import { CONFIG_FILE, type ExpandOptions, type Expansion, expandManifests } from './expand.ts';

/** The result handed to infra/plugin.cjs. */
export interface PackageTimeResult {
  expansion: Expansion;
  /** Absolute path of the compiled configuration written for the bundles. */
  configFile: string;
  /** Loader warnings, formatted `file:line:col: path: message`. */
  warnings: string[];
}

/** Loads `manifests` (files or folders, relative to `serviceDir`), expands them and writes the configuration. */
export async function prepareDeployment(
  serviceDir: string,
  manifests: readonly string[],
  options: ExpandOptions,
): Promise<PackageTimeResult> {
  const set = await loadManifests(manifests.map((path) => resolve(serviceDir, path)));
  const expansion = expandManifests(set, options);
  const configFile = join(serviceDir, CONFIG_FILE);
  await mkdir(dirname(configFile), { recursive: true });
  await writeFile(configFile, compileManifestSet(expansion.config));
  // Read by infra/esbuild.config.cjs to leave out of the bundles what this deployment cannot reach.
  await writeFile(
    join(dirname(configFile), 'build.json'),
    JSON.stringify({ bus: expansion.bus, ...expansion.features }),
  );
  return { expansion, configFile, warnings: set.warnings.map(formatIssue) };
}
