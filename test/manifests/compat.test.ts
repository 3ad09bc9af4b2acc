import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { formatIssue, ManifestError, type ManifestIssue } from '../../lib/errors.ts';
import { loadManifests } from '../../lib/manifests/index.ts';
import { sharedPath } from '../support/shared.ts';

// Argo Events' own examples (argoproj/argo-events `examples/`, unchanged): every one must load, be skipped as
// another API, or be refused for a named reason, and that outcome may change only with the fixture.
const repoRoot = resolve(import.meta.dirname, '../..');
const corpus = sharedPath('compat/argo-events');
const fixture = join(repoRoot, 'test/fixtures/compat-outcomes.yaml');

interface Outcome {
  outcome: 'loaded' | 'refused' | 'skipped';
  reason?: string;
}

/** An issue without its `file:line:col: ` prefix. */
function reasonOf(issue: ManifestIssue): string {
  return formatIssue(issue).slice(`${issue.file}:${issue.line}:${issue.column}: `.length);
}

async function outcomeOf(file: string): Promise<Outcome> {
  try {
    const set = await loadManifests([file]);
    if (set.eventSources.length + set.sensors.length + set.eventBuses.length > 0)
      return { outcome: 'loaded' };
    const first = set.warnings[0];
    return first ? { outcome: 'skipped', reason: reasonOf(first) } : { outcome: 'skipped' };
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    return { outcome: 'refused', reason: reasonOf(err.issues[0]!) };
  }
}

function corpusFiles(): string[] {
  return readdirSync(corpus, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => relative(corpus, join(entry.parentPath, entry.name)))
    .sort();
}

describe('the Argo Events compat corpus', () => {
  it('loads, skips or refuses every example exactly as test/fixtures/compat-outcomes.yaml records', async () => {
    // Prepare
    const files = corpusFiles();
    // Act
    const actual: Record<string, Outcome> = {};
    for (const file of files) actual[file] = await outcomeOf(join(corpus, file));
    if (process.env.OUTRIGGER_UPDATE_COMPAT === '1')
      writeFileSync(fixture, stringify(actual, { lineWidth: 0 }));
    // Assess
    const expected = parse(readFileSync(fixture, 'utf8')) as Record<string, Outcome>;
    expect(files.length).toBeGreaterThan(100);
    expect(actual).toEqual(expected);
  });

  it('loads every example of a supported source and trigger that upstream does not itself ignore or reject', async () => {
    // Prepare
    const expected = parse(readFileSync(fixture, 'utf8')) as Record<string, Outcome>;
    // Act
    const refused = Object.entries(expected).filter(([, outcome]) => outcome.outcome === 'refused');
    // Assess: each refusal names an unsupported type or source, or a mistake listed in semantics §9.3.
    for (const [file, { reason }] of refused) {
      expect(reason, file).toMatch(
        /is not supported by Outrigger|cannot run outside the cluster|belongs on the trigger|unknown field `(namespace|verifycert|openwhisk|type|serverURL)`/,
      );
    }
  });
});
