import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TestReport } from '../../lib/cli/simulate.ts';
import { idempotentName } from '../../lib/triggers/k8s/index.ts';
import { article, fixtures, run } from './helpers.ts';

const buildSensor = join(article, 'github-build-sensor.yaml');
const fixture = (name: string) => join(fixtures, name);
const readJson = (name: string) => JSON.parse(readFileSync(fixture(name), 'utf8'));

describe('outrigger test', () => {
  it('prints exactly one JSON object in the contract shape, with the Job the article sensor would create', async () => {
    // Prepare
    const push = readJson('event-push-main.json');
    // Act
    const { code, stdout } = await run([
      'test',
      buildSensor,
      '--event',
      fixture('event-push-main.json'),
      '--json',
    ]);
    // Assess
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as TestReport;
    expect(Object.keys(report)).toEqual(['sensor', 'events', 'triggers']);
    expect(report.sensor).toBe('github-build-sensor');
    expect(report.events).toEqual([
      { id: push.id, dependencies: [{ name: 'push-dep', passed: true, error: null }] },
    ]);
    const [trigger] = report.triggers;
    expect(trigger).toMatchObject({ name: 'build-trigger', fired: 1, errors: [] });
    const render = trigger!.renders[0]!;
    expect(render.kind).toBe('k8s');
    expect(render.payload).toBeNull();
    const job = render.resource as {
      metadata: { name: string; namespace: string };
      spec: { template: { spec: { containers: { env: { value: string }[] }[] } } };
    };
    expect(job.metadata.name).toBe(
      idempotentName('build-backend-', 'github-build-sensor', 'build-trigger', [push.id]),
    );
    expect(job.metadata.namespace).toBe('ci');
    expect(job.spec.template.spec.containers[0]!.env.map((e) => e.value)).toEqual([
      push.data.body.after,
      push.data.body.ref,
      push.data.body.repository.full_name,
    ]);
  });

  it('shows the unanchored-filter footgun: refs/heads/main-old fires the article sensor too, and says why', async () => {
    // Act
    const json = await run(['test', buildSensor, '-e', fixture('event-push-main-old.json'), '--json']);
    const human = await run(['test', buildSensor, '-e', fixture('event-push-main-old.json')]);
    // Assess
    expect((JSON.parse(json.stdout) as TestReport).triggers[0]!.fired).toBe(1);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('data[0] body.ref is "refs/heads/main-old"');
    expect(human.stdout).toContain('regex refs/heads/main found in it, unanchored');
    expect(human.stdout).toContain('→ trigger build-trigger fires');
  });

  it('keeps the first event until the && condition holds, then renders the payload from both', async () => {
    // Prepare
    const passed = readJson('event-tests-passed.json');
    const tag = readJson('event-tag.json');
    const events = ['event-tests-failed.json', 'event-tests-passed.json', 'event-tag.json'];
    // Act
    const { code, stdout } = await run([
      'test',
      fixture('conditions-sensor.yaml'),
      ...events.flatMap((e) => ['--event', fixture(e)]),
      '--json',
    ]);
    // Assess
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as TestReport;
    expect(report.events.map((e) => e.dependencies.map((d) => d.passed))).toEqual([[false], [true], [true]]);
    const announce = report.triggers.find((t) => t.name === 'announce')!;
    expect(announce.fired).toBe(1);
    expect(announce.renders).toEqual([
      {
        kind: 'http',
        resource: null,
        payload: { version: tag.data.body.version, status: passed.data.body.status },
      },
    ]);
    expect(report.triggers.find((t) => t.name === 'log-tests')!.fired).toBe(1);
  });

  it('says which dependencies a stateful trigger still waits for', async () => {
    // Act
    const { stdout } = await run([
      'test',
      fixture('conditions-sensor.yaml'),
      '-e',
      fixture('event-tests-passed.json'),
    ]);
    // Assess
    expect(stdout).toContain(
      'announce: did not fire; waiting for tag-pushed (conditions: tests-passed && tag-pushed)',
    );
  });

  it('fires once for an event delivered twice', async () => {
    // Act
    const { stdout } = await run([
      'test',
      buildSensor,
      '-e',
      fixture('event-push-main.json'),
      '-e',
      fixture('event-push-main.json'),
      '--json',
    ]);
    // Assess
    const report = JSON.parse(stdout) as TestReport;
    expect(report.events).toHaveLength(2);
    expect(report.triggers[0]!.fired).toBe(1);
  });

  it('reads the data of an event file as written there, as the sensor reads it off the bus', async () => {
    // Prepare: one CloudEvent and one sensor view, each with a commit id past 2^53 and spaced JSON.
    const dir = await mkdtemp(join(tmpdir(), 'outrigger-test-cmd-'));
    const body = (id: string) =>
      `{ "ref": "refs/heads/main", "after": 12345678901234567890, "repository": { "full_name": "myorg/backend-api" }, "n": "${id}" }`;
    const context = '"source": "github-webhook", "subject": "github-push"';
    const file = join(dir, 'events.json');
    await writeFile(
      file,
      `[\n { "id": "c1", ${context}, "data": { "body": ${body('1')} } },\n { "context": { "id": "v1", ${context} }, "data": { "body": ${body('2')} } }\n]\n`,
    );

    // Act
    const { code, stdout } = await run(['test', buildSensor, '-e', file, '--json']);

    // Assess
    await rm(dir, { recursive: true, force: true });
    expect(code).toBe(0);
    const renders = (JSON.parse(stdout) as TestReport).triggers[0]!.renders;
    const commits = renders.map(
      (r) =>
        (r.resource as { spec: { template: { spec: { containers: { env: { value: string }[] }[] } } } }).spec
          .template.spec.containers[0]!.env[0]!.value,
    );
    expect(commits).toEqual(['12345678901234567890', '12345678901234567890']);
  });

  it('answers 2 for an event file that is not an event, an invalid manifest, or no --event', async () => {
    // Act
    const notEvent = await run(['test', buildSensor, '-e', fixture('not-an-event.json')]);
    const badManifest = await run(['test', fixture('wrong-level.yaml'), '-e', fixture('event-tag.json')]);
    const noEvent = await run(['test', buildSensor]);
    // Assess
    expect(notEvent.code).toBe(2);
    expect(notEvent.stderr).toContain('not an event');
    expect(badManifest.code).toBe(2);
    expect(badManifest.stderr).toContain('atLeastOnce');
    expect(noEvent.code).toBe(2);
  });
});
