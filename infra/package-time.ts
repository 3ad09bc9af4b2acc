/**
 * What the plugin runs at package time: load and validate the manifests with the project's loader, expand
 * them, and write the compiled configuration every bundle ships (DESIGN §4).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatIssue } from '../lib/errors.ts';
import { loadManifests } from '../lib/manifests/index.ts';
import { compileManifestSet } from '../lib/manifests/runtime.ts';
import type { ManifestSet } from '../lib/manifests/types.ts';
import { CONFIG_FILE, type ExpandOptions, type Expansion, expandManifests } from './expand.ts';

/**
 * A JetStream `streamConfig` written as YAML text (as Argo's EventBus takes it) is parsed here, at package
 * time, so no function bundle carries a YAML parser.
 */
function withParsedStreamConfig(set: ManifestSet): ManifestSet {
  return {
    ...set,
    eventBuses: set.eventBuses.map((bus) => {
      const exotic = bus.spec.jetstreamExotic;
      if (typeof exotic?.streamConfig !== 'string') return bus;
      const parsed = parseYaml(exotic.streamConfig) as Record<string, unknown> | null;
      return { ...bus, spec: { ...bus.spec, jetstreamExotic: { ...exotic, streamConfig: parsed ?? {} } } };
    }),
  };
}

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
  await writeFile(configFile, compileManifestSet(withParsedStreamConfig(expansion.config)));
  // Read by infra/esbuild.config.cjs to leave out of the bundles what this deployment cannot reach.
  await writeFile(
    join(dirname(configFile), 'build.json'),
    JSON.stringify({ bus: expansion.bus, ...expansion.features }),
  );
  return { expansion, configFile, warnings: set.warnings.map(formatIssue) };
}
