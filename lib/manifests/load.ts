/**
 * Loads Argo Events manifests from YAML files: every document is checked strictly against the schemas of
 * this folder, every problem across every file is collected, and one `ManifestError` lists them all as
 * `file:line:col: field.path: message`.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isScalar, LineCounter, type Node, parseAllDocuments } from 'yaml';
import { ManifestError, type ManifestIssue } from '../errors.ts';
import { objectMeta } from './common.ts';
import { eventBusSpec } from './eventbus.ts';
import { eventSourceSpec } from './eventsource.ts';
import { any, obj, required, type Schema, SchemaContext, str, suggest, valueNode } from './schema.ts';
import { checkSensorReferences, sensorSpec } from './sensor.ts';
import type { EventBus, EventSource, Manifest, ManifestSet, Sensor } from './types.ts';

/** The API version Outrigger reads. */
export const apiVersion = 'argoproj.io/v1alpha1';

const kinds = ['EventSource', 'Sensor', 'EventBus'] as const;
type Kind = (typeof kinds)[number];

const specs: Record<Kind, Schema> = {
  EventSource: eventSourceSpec,
  Sensor: sensorSpec,
  EventBus: eventBusSpec,
};

const documents: Record<Kind, Schema> = Object.fromEntries(
  kinds.map((kind) => [
    kind,
    obj({
      apiVersion: required(str()),
      kind: required(str()),
      metadata: required(objectMeta),
      spec: required(specs[kind]),
      status: any(),
    }),
  ]),
) as Record<Kind, Schema>;

/** Options of `loadManifests`. */
export interface LoadOptions {
  /** File name extensions read from folders; default `.yaml` and `.yml`. */
  extensions?: readonly string[];
}

/** One checked document, before the set-wide checks. */
interface Loaded {
  manifest: Manifest;
  file: string;
  line: number;
  nameNode: Node;
  nameColumn: number;
}

function scalarString(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/** Checks every document of one YAML text; issues and warnings go to the given lists. */
function checkText(
  text: string,
  file: string,
  loaded: Loaded[],
  issues: ManifestIssue[],
  warnings: ManifestIssue[],
): void {
  const lineCounter = new LineCounter();
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    issues.push({
      file,
      line: 1,
      column: 1,
      path: '',
      message: `cannot parse YAML: ${String(err)}`,
      severity: 'error',
    });
    return;
  }
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const position = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
        issues.push({
          file,
          line: position.line,
          column: position.col,
          path: '',
          message: `invalid YAML: ${firstLine(error.message)}`,
          severity: 'error',
        });
      }
      continue;
    }
    const ctx = new SchemaContext(file, lineCounter, doc);
    const root = ctx.resolve(doc.contents);
    if (root === null || (isScalar(root) && root.value === null)) continue;
    if (!isMap(root)) {
      ctx.error(root, '', 'a manifest must be a mapping with `apiVersion`, `kind`, `metadata` and `spec`');
      issues.push(...ctx.issues);
      continue;
    }
    const version = scalarString(valueNode(root, 'apiVersion'));
    const kind = scalarString(valueNode(root, 'kind'));
    const isArgoEvents = kind !== undefined && (kinds as readonly string[]).includes(kind);
    if (version === undefined || kind === undefined) {
      ctx.error(
        root,
        version === undefined ? 'apiVersion' : 'kind',
        `missing required field \`${version === undefined ? 'apiVersion' : 'kind'}\``,
      );
    } else if (isArgoEvents && !version.startsWith('argoproj.io/')) {
      // `apiVersion: v1` on a Sensor is a typo, not someone else's manifest: losing a Sensor silently is worse.
      ctx.error(valueNode(root, 'apiVersion'), 'apiVersion', `must be ${apiVersion} for a ${kind}`);
    } else if (version.startsWith('argoproj.io/') && !isArgoEvents && suggest(kind, kinds) !== undefined) {
      ctx.error(
        valueNode(root, 'kind'),
        'kind',
        `unknown kind \`${kind}\`: did you mean \`${suggest(kind, kinds)}\`? (Argo Events kinds: ${kinds.join(', ')})`,
      );
    } else if (!version.startsWith('argoproj.io/') || !isArgoEvents) {
      const name = scalarString(valueNode(valueNode(root, 'metadata'), 'name'));
      ctx.warn(
        root,
        '',
        `${version} ${kind}${name ? ` \`${name}\`` : ''}: not an Argo Events manifest; ignored`,
      );
    } else if (version !== apiVersion) {
      ctx.error(valueNode(root, 'apiVersion'), 'apiVersion', `must be ${apiVersion}`);
    } else {
      const value = documents[kind as Kind].check(root, '', ctx);
      if (kind === 'Sensor') checkSensorReferences(ctx);
      if (value !== undefined && ctx.issues.length === 0) {
        const nameNode = valueNode(valueNode(root, 'metadata'), 'name');
        const { line, col } = lineCounter.linePos(nameNode.range?.[0] ?? 0);
        loaded.push({ manifest: value as unknown as Manifest, file, line, nameNode, nameColumn: col });
      }
    }
    issues.push(...ctx.issues);
    // One warning per field and file, however many times the same document shape repeats it.
    for (const warning of ctx.warnings) {
      if (
        !warnings.some((w) => w.file === warning.file && w.line === warning.line && w.path === warning.path)
      ) {
        warnings.push(warning);
      }
    }
  }
}

/** Builds the set and runs the checks across documents (unique names per kind). */
function assemble(loaded: Loaded[], issues: ManifestIssue[], warnings: ManifestIssue[]): ManifestSet {
  const set: ManifestSet = { eventSources: [], sensors: [], eventBuses: [], origins: {}, warnings };
  for (const entry of loaded) {
    const { kind, metadata } = entry.manifest;
    const key = `${kind}/${metadata.name}`;
    const earlier = set.origins[key];
    if (earlier !== undefined) {
      issues.push({
        file: entry.file,
        line: entry.line,
        column: entry.nameColumn,
        path: 'metadata.name',
        message: `duplicate ${kind} name \`${metadata.name}\` (first defined at ${earlier.file}:${earlier.line})`,
        severity: 'error',
      });
      continue;
    }
    set.origins[key] = { file: entry.file, line: entry.line };
    if (kind === 'EventSource') set.eventSources.push(entry.manifest as EventSource);
    else if (kind === 'Sensor') set.sensors.push(entry.manifest as Sensor);
    else set.eventBuses.push(entry.manifest as EventBus);
  }
  if (issues.length > 0) throw new ManifestError(issues);
  return set;
}

/**
 * Checks the manifests of one YAML text (tests, `outrigger validate -`); `file` names it in messages.
 * @throws ManifestError listing every problem found
 */
export function loadManifestText(text: string, file: string): ManifestSet {
  const loaded: Loaded[] = [];
  const issues: ManifestIssue[] = [];
  const warnings: ManifestIssue[] = [];
  checkText(text, file, loaded, issues, warnings);
  return assemble(loaded, issues, warnings);
}

async function listFiles(path: string, extensions: readonly string[]): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext)))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/**
 * Loads every `.yaml`/`.yml` file under the given folders (recursively, sorted) and the given files.
 * @example
 * const set = await loadManifests(['manifests/']);
 * for (const warning of set.warnings) console.warn(formatIssue(warning));
 * @throws ManifestError listing every problem of every file
 */
export async function loadManifests(
  paths: readonly string[],
  options: LoadOptions = {},
): Promise<ManifestSet> {
  const extensions = options.extensions ?? ['.yaml', '.yml'];
  const loaded: Loaded[] = [];
  const issues: ManifestIssue[] = [];
  const warnings: ManifestIssue[] = [];
  for (const path of paths) {
    let files: string[];
    try {
      files = await listFiles(path, extensions);
    } catch (err) {
      issues.push({
        file: path,
        line: 1,
        column: 1,
        path: '',
        message: `cannot read: ${(err as Error).message}`,
        severity: 'error',
      });
      continue;
    }
    for (const file of files) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        issues.push({
          file,
          line: 1,
          column: 1,
          path: '',
          message: `cannot read: ${(err as Error).message}`,
          severity: 'error',
        });
        continue;
      }
      checkText(text, file, loaded, issues, warnings);
    }
  }
  return assemble(loaded, issues, warnings);
}
