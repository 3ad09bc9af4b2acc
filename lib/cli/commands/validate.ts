/**
 * `outrigger validate <files or folders…> [--json]`: every load error and warning, plus the footgun lints
 * of ../lint.ts. Exit 0 when every file loaded (warnings allowed), 1 when any file was refused, 2 for usage.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ManifestIssue } from '../../errors.ts';
import { formatIssue, ManifestError } from '../../errors.ts';
import { loadManifests } from '../../manifests/load.ts';
import type { ManifestSet, SourceRef } from '../../manifests/types.ts';
import type { CliContext } from '../io.ts';
import { ExitCode, println, raiseExit, usageError } from '../io.ts';
import { lintManifests } from '../lint.ts';
import { ManifestLocator } from '../positions.ts';

/** One finding in `--json` output. */
export interface Finding {
  line: number;
  column: number;
  path: string;
  message: string;
}

/** What validate found in one file. */
export interface FileReport {
  file: string;
  loaded: boolean;
  errors: Finding[];
  warnings: Finding[];
}

const EXTENSIONS = ['.yaml', '.yml'];

/** The YAML files named by `paths` (folders recursively, sorted); a missing path is a usage error. */
export async function manifestFiles(paths: readonly string[], cwd: string): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const full = resolve(cwd, path);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(full);
    } catch {
      throw usageError(`${path}: no such file or folder`);
    }
    if (!info.isDirectory()) {
      files.push(full);
      continue;
    }
    const entries = await readdir(full, { recursive: true, withFileTypes: true });
    files.push(
      ...entries
        .filter((e) => e.isFile() && EXTENSIONS.some((ext) => e.name.endsWith(ext)))
        .map((e) => join(e.parentPath, e.name))
        .sort(),
    );
  }
  return [...new Set(files)];
}

const finding = (issue: ManifestIssue): Finding => ({
  line: issue.line,
  column: issue.column,
  path: issue.path,
  message: issue.message,
});

/** Loads each file on its own, then checks names across files and lints the loaded whole. */
export async function validateFiles(files: readonly string[]): Promise<FileReport[]> {
  const reports = new Map<string, FileReport>();
  const issuesByFile = new Map<string, ManifestIssue[]>();
  const sets: ManifestSet[] = [];
  for (const file of files) {
    reports.set(file, { file, loaded: true, errors: [], warnings: [] });
    issuesByFile.set(file, []);
    try {
      const set = await loadManifests([file]);
      sets.push(set);
      issuesByFile.get(file)!.push(...set.warnings);
    } catch (err) {
      if (!(err instanceof ManifestError)) throw err;
      reports.get(file)!.loaded = false;
      issuesByFile.get(file)!.push(...err.issues);
    }
  }

  // Names must be unique across files too, as `loadManifests` over the folder would require.
  const merged: ManifestSet = { eventSources: [], sensors: [], eventBuses: [], origins: {}, warnings: [] };
  for (const set of sets) {
    const manifests = [...set.eventSources, ...set.sensors, ...set.eventBuses];
    for (const manifest of manifests) {
      const key = `${manifest.kind}/${manifest.metadata.name}`;
      const origin = set.origins[key] as SourceRef;
      const earlier = merged.origins[key];
      if (earlier) {
        issuesByFile.get(origin.file)?.push({
          file: origin.file,
          line: origin.line,
          column: 1,
          path: 'metadata.name',
          message: `duplicate ${manifest.kind} name \`${manifest.metadata.name}\` (first defined at ${earlier.file}:${earlier.line})`,
          severity: 'error',
        });
        const report = reports.get(origin.file);
        if (report) report.loaded = false;
        continue;
      }
      merged.origins[key] = origin;
      if (manifest.kind === 'EventSource') merged.eventSources.push(manifest);
      else if (manifest.kind === 'Sensor') merged.sensors.push(manifest);
      else merged.eventBuses.push(manifest);
    }
  }
  for (const lint of lintManifests(merged, new ManifestLocator())) issuesByFile.get(lint.file)?.push(lint);

  for (const [file, issues] of issuesByFile) {
    const report = reports.get(file)!;
    const sorted = [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
    report.errors = sorted.filter((i) => i.severity === 'error').map(finding);
    report.warnings = sorted.filter((i) => i.severity === 'warning').map(finding);
  }
  return [...reports.values()];
}

function printHuman(ctx: CliContext, reports: readonly FileReport[]): void {
  let errors = 0;
  let warnings = 0;
  for (const report of reports) {
    errors += report.errors.length;
    warnings += report.warnings.length;
    const notes = [
      report.errors.length ? `${report.errors.length} error(s)` : '',
      report.warnings.length ? `${report.warnings.length} warning(s)` : '',
    ].filter(Boolean);
    println(
      ctx,
      `${report.file}: ${report.loaded ? 'ok' : 'refused'}${notes.length ? `, ${notes.join(', ')}` : ''}`,
    );
    const line = (severity: 'error' | 'warning') => (f: Finding) =>
      println(ctx, `${formatIssue({ file: report.file, ...f, severity })}`);
    report.errors.forEach(line('error'));
    for (const warning of report.warnings)
      line('warning')({ ...warning, message: `warning: ${warning.message}` });
  }
  const refused = reports.filter((r) => !r.loaded).length;
  println(
    ctx,
    `${reports.length} file(s): ${reports.length - refused} loaded, ${refused} refused; ${errors} error(s), ${warnings} warning(s)`,
  );
}

/** Adds `validate` to the program. */
export function registerValidate(program: Command, ctx: CliContext): void {
  program
    .command('validate')
    .description('check manifests: every load error and warning, and lints for common footguns')
    .argument('<paths...>', 'manifest files or folders (.yaml, .yml)')
    .option('--json', 'print one JSON object {"files": [{file, loaded, errors, warnings}]}')
    .addHelpText(
      'after',
      '\nExit codes: 0 every file loaded (warnings allowed), 1 a file was refused, 2 usage error.',
    )
    .action(async (paths: string[], opts: { json?: boolean }) => {
      const files = await manifestFiles(paths, ctx.io.cwd);
      if (files.length === 0) throw usageError(`no .yaml or .yml files under ${paths.join(', ')}`);
      const reports = await validateFiles(files);
      if (opts.json) println(ctx, JSON.stringify({ files: reports }, null, 2));
      else printHuman(ctx, reports);
      raiseExit(ctx, reports.every((r) => r.loaded) ? ExitCode.ok : ExitCode.findings);
    });
}
