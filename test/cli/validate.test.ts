import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { FileReport } from '../../lib/cli/commands/validate.ts';
import { headerPathMessage, unanchoredValueMessage } from '../../lib/cli/lint.ts';
import { ManifestError } from '../../lib/errors.ts';
import { loadManifests } from '../../lib/manifests/index.ts';
import { article, compatCorpus, fixtures, repoRoot, run } from './helpers.ts';

const reportOf = (stdout: string) => JSON.parse(stdout) as { files: FileReport[] };

describe('outrigger validate', () => {
  it('reports each article file as the loader does and warns about the build sensor’s unanchored branch filter', async () => {
    // Prepare
    const files = readdirSync(article)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(article, f));
    // Act
    const { code, stdout } = await run(['validate', '--json', ...files]);
    // Assess
    const { files: reports } = reportOf(stdout);
    expect(reports.map((r) => r.file)).toEqual([...files].sort());
    for (const report of reports) {
      const loaded = await loadManifests([report.file]).then(
        () => true,
        (err: unknown) => {
          if (!(err instanceof ManifestError)) throw err;
          expect(report.errors.map((e) => e.message)).toEqual(err.issues.map((i) => i.message));
          return false;
        },
      );
      expect(report.loaded).toBe(loaded);
    }
    expect(code).toBe(reports.every((r) => r.loaded) ? 0 : 1);
    const build = reports.find((r) => r.file.endsWith('github-build-sensor.yaml'))!;
    const main = build.warnings.find((w) => w.path === 'spec.dependencies[0].filters.data[0].value[0]');
    expect(main?.message).toContain('`^refs/heads/main$`');
    const text = readFileSync(build.file, 'utf8').split('\n');
    expect(text[main!.line - 1]?.slice(main!.column - 1)).toContain('refs/heads/main');
  });

  it('exits 0 with only warnings, printing each as file:line:col: path: message', async () => {
    // Prepare
    const file = join(fixtures, 'footguns.yaml');
    // Act
    const { code, stdout } = await run(['validate', file]);
    // Assess
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter((l) => /^\S+:\d/.test(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^\S+:\d+:\d+: spec\.\S+: warning: /);
  });

  it('finds every crafted footgun at its field and no false alarm on the clean sensor', async () => {
    // Prepare
    const files = [join(fixtures, 'footguns.yaml'), join(fixtures, 'clean.yaml')];
    // Act
    const { code, stdout } = await run(['validate', '--json', ...files]);
    // Assess
    expect(code).toBe(0);
    const [footguns, clean] = reportOf(stdout).files;
    expect(clean?.warnings).toEqual([]);
    const byPath = Object.fromEntries(footguns!.warnings.map((w) => [w.path, w.message]));
    expect(Object.keys(byPath).sort()).toEqual(
      [
        'spec.dependencies[0].filters.data[0].value[0]',
        'spec.dependencies[0].filters.data[1].path',
        'spec.dependencies[1].filters.data[0].path',
        'spec.triggers[0].template.k8s.parameters[0].dest',
        'spec.triggers[0].template.k8s.parameters[1].src.dataKey',
        'spec.triggers[0].parameters[0].dest',
      ].sort(),
    );
    expect(byPath['spec.dependencies[0].filters.data[1].path']).toContain('`header.X-Github-Event`');
    expect(byPath['spec.dependencies[1].filters.data[0].path']).toContain('`headers.X-Github-Event`');
    expect(byPath['spec.triggers[0].template.k8s.parameters[0].dest']).toContain('`metadata.name`');
    expect(byPath['spec.triggers[0].parameters[0].dest']).toContain('k8s.source.resource.spec');
    // Every warning points at the line that holds its field.
    const lines = readFileSync(files[0]!, 'utf8').split('\n');
    for (const warning of footguns!.warnings) expect(lines[warning.line - 1]).toMatch(/footgun/);
  });

  it('refuses an unknown conditions dependency and a field at the wrong level with exit 1', async () => {
    // Prepare
    const files = ['unknown-dependency.yaml', 'wrong-level.yaml'].map((f) => join(fixtures, f));
    // Act
    const { code, stdout } = await run(['validate', '--json', ...files]);
    // Assess
    expect(code).toBe(1);
    const [unknown, wrong] = reportOf(stdout).files;
    expect(unknown).toMatchObject({ loaded: false });
    expect(unknown?.errors[0]).toMatchObject({ path: 'spec.triggers[0].template.conditions' });
    expect(unknown?.errors[0]?.message).toContain('`b`');
    expect(wrong?.errors[0]).toMatchObject({ path: 'spec.triggers[0].template.atLeastOnce' });
    expect(wrong?.errors[0]?.message).toContain('belongs on the trigger');
  });

  it('agrees with the compat corpus outcomes: refused files are refused with the recorded reason', async () => {
    // Prepare
    const outcomes = parse(
      readFileSync(join(repoRoot, 'test/fixtures/compat-outcomes.yaml'), 'utf8'),
    ) as Record<string, { outcome: string; reason?: string }>;
    // Act
    const { code, stdout } = await run(['validate', '--json', compatCorpus]);
    // Assess
    const { files } = reportOf(stdout);
    expect(files.length).toBe(Object.keys(outcomes).length);
    for (const report of files) {
      const expected = outcomes[report.file.slice(compatCorpus.length + 1)];
      expect(expected, report.file).toBeDefined();
      if (expected!.outcome === 'refused') {
        expect(report.loaded, report.file).toBe(false);
        const first = report.errors[0]!;
        expect(`${first.path ? `${first.path}: ` : ''}${first.message}`).toBe(expected!.reason);
      } else {
        // Examples reuse names across files; those are the only errors a file that loads alone may get.
        for (const error of report.errors) expect(error.message).toMatch(/^duplicate /);
      }
    }
    expect(code).toBe(1);
  });

  it('answers 2 for a missing path and for no arguments', async () => {
    // Act
    const missing = await run(['validate', join(fixtures, 'nope.yaml')]);
    const none = await run(['validate']);
    // Assess
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    expect(none.code).toBe(2);
  });

  it('prints help for the command', async () => {
    // Act
    const { code, stdout } = await run(['validate', '--help']);
    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('--json');
  });
});

describe('the lint messages', () => {
  it('leave anchored, regex and non-plain values alone', () => {
    // Act + Assess
    expect(unanchoredValueMessage('^main$')).toBeUndefined();
    expect(unanchoredValueMessage('^refs/heads/')).toBeUndefined();
    expect(unanchoredValueMessage('(opened|reopened)')).toBeUndefined();
    expect(unanchoredValueMessage('v1.2')).toContain('`^v1\\.2$`');
    expect(unanchoredValueMessage('labeled', '!=')).toContain('also rejects');
  });

  it('know which sources name headers `header` and which `headers`', () => {
    // Act + Assess
    expect(headerPathMessage('header.X-Gitlab-Event', 'gitlab')).toContain('`headers.X-Gitlab-Event`');
    expect(headerPathMessage('headers.X-Event-Key', 'bitbucket')).toBeUndefined();
    expect(headerPathMessage('header.content-type', 'webhook')).toContain('`header.Content-Type`');
    expect(headerPathMessage('body.headers', 'webhook')).toBeUndefined();
    expect(headerPathMessage('headers.x', 'calendar')).toBeUndefined();
  });
});
