import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { article, fixtures, run } from './helpers.ts';

const articleFiles = [
  'github-eventsource.yaml',
  'github-build-sensor.yaml',
  'github-workflow-sensor.yaml',
].map((f) => join(article, f));

describe('outrigger graph', () => {
  it('draws the article pipeline as a Mermaid flowchart: event → dependency → trigger', async () => {
    // Act
    const { code, stdout } = await run(['graph', ...articleFiles]);
    // Assess
    expect(code).toBe(0);
    expect(stdout.startsWith('flowchart LR\n')).toBe(true);
    expect(stdout).toContain('ev__github_webhook__github_push(["github-push (webhook)"])');
    expect(stdout).toContain('ev__github_webhook__github_push --> dep__github_build_sensor__push_dep');
    expect(stdout).toContain(
      'dep__github_build_sensor__push_dep --> trg__github_build_sensor__build_trigger',
    );
  });

  it('draws DOT with a dashed node for an event no loaded EventSource produces', async () => {
    // Act
    const { code, stdout } = await run([
      'graph',
      '--format',
      'dot',
      join(fixtures, 'conditions-sensor.yaml'),
    ]);
    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/^digraph outrigger \{/);
    expect(stdout).toContain('ev__ci__tests [label="tests (not loaded)", shape=ellipse, style=dashed];');
    expect(stdout).toContain(
      'dep__release__tag_pushed -> trg__release__announce [label="tests-passed && tag-pushed"];',
    );
  });

  it('answers 2 for an unknown format', async () => {
    // Act
    const { code, stderr } = await run(['graph', '--format', 'svg', ...articleFiles]);
    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain('mermaid or dot');
  });
});
