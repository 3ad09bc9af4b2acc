/**
 * The article's pipeline end to end: the local runner with manifests/ (GitHub webhook → memory bus → build
 * sensor → k8s create) against the test apiserver, driven over real HTTP with real GitHub push payloads.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryBus } from '../../lib/bus/memory/index.ts';
import type { LocalRunner } from '../../lib/local/runner.ts';
import { startLocal } from '../../lib/local/runner.ts';
import { createLogger } from '../../lib/observability/log.ts';
import type { ApiServer, FaultHandle, StoredObject } from '../support/apiserver.ts';
import { startApiServer } from '../support/apiserver.ts';
import { githubHeaders, pushPayload } from '../support/github-payloads.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

interface JobEnv {
  name: string;
  value: string;
}

function jobsIn(apiserver: ApiServer, namespace: string) {
  return apiserver.objects('Job').filter((o) => o.metadata.namespace === namespace);
}

function envOf(job: StoredObject): Record<string, string> {
  const spec = job.spec as { template: { spec: { containers: { env: JobEnv[] }[] } } };
  return Object.fromEntries(spec.template.spec.containers[0]!.env.map((e) => [e.name, e.value]));
}

describe('the article pipeline through the local runner', () => {
  let apiserver: ApiServer;
  let runner: LocalRunner;
  let workDir: string;
  let url: string;
  const printed: string[] = [];

  async function push(options: { ref: string; repo: string; after?: string }, delivery?: string) {
    const body = Buffer.from(JSON.stringify(pushPayload(options)));
    const response = await fetch(url, {
      method: 'POST',
      headers: githubHeaders('push', body, delivery === undefined ? {} : { delivery }),
      body,
    });
    await settle();
    return response;
  }

  async function settle() {
    await (runner.bus as MemoryBus).idle();
  }

  beforeAll(async () => {
    apiserver = await startApiServer();
    workDir = await mkdtemp(path.join(tmpdir(), 'outrigger-e2e-'));
    runner = await startLocal({
      paths: [path.join(repoRoot, 'manifests')],
      kubeconfig: apiserver.kubeconfigPath,
      portMap: { 12000: 0 },
      workDir,
      logger: createLogger({ write: () => {} }),
      print: (line) => printed.push(line),
    });
    url = `${runner.urls.get(12000)}/push`;
  });

  afterAll(async () => {
    await runner?.close();
    await apiserver?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  const faults: FaultHandle[] = [];
  afterEach(() => {
    for (const fault of faults.splice(0)) fault.remove();
  });

  it('creates exactly one Job in ci for a push to main, with COMMIT_SHA, BRANCH and REPO set', async () => {
    const response = await push({ ref: 'refs/heads/main', repo: 'myorg/backend-api', after: 'a'.repeat(40) });

    expect(response.status).toBe(200);
    const jobs = jobsIn(apiserver, 'ci');
    expect(jobs).toHaveLength(1);
    expect(envOf(jobs[0]!)).toEqual({
      COMMIT_SHA: 'a'.repeat(40),
      BRANCH: 'refs/heads/main',
      REPO: 'myorg/backend-api',
    });
    expect(jobs[0]!.metadata.labels).toMatchObject({
      'events.argoproj.io/sensor': 'github-build-sensor',
      'events.argoproj.io/trigger': 'build-trigger',
    });
    expect(jobs[0]!.metadata.name).toMatch(/^build-backend-/);
  });

  it('creates one more Job for a push to a release branch', async () => {
    await push({ ref: 'refs/heads/release/v1.2', repo: 'myorg/backend-api', after: 'b'.repeat(40) });

    const jobs = jobsIn(apiserver, 'ci');
    expect(jobs).toHaveLength(2);
    expect(jobs.map((job) => envOf(job).BRANCH)).toContain('refs/heads/release/v1.2');
  });

  it('creates nothing for another branch or another repository', async () => {
    await push({ ref: 'refs/heads/feature-x', repo: 'myorg/backend-api' });
    await push({ ref: 'refs/heads/main', repo: 'myorg/frontend' });

    expect(jobsIn(apiserver, 'ci')).toHaveLength(2);
  });

  it('does not create a second Job when GitHub redelivers the same delivery', async () => {
    const delivery = '5a1b2c3d-0000-4000-8000-000000000001';
    await push({ ref: 'refs/heads/main', repo: 'myorg/backend-api', after: 'c'.repeat(40) }, delivery);
    await push({ ref: 'refs/heads/main', repo: 'myorg/backend-api', after: 'c'.repeat(40) }, delivery);

    const created = jobsIn(apiserver, 'ci').filter((job) => envOf(job).COMMIT_SHA === 'c'.repeat(40));
    expect(created).toHaveLength(1);
  });

  it('answers a non-JSON body with 400 and a JSON error, and publishes nothing', async () => {
    const published = (runner.bus as MemoryBus).log.length;

    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push' },
      body: 'not json',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    expect((runner.bus as MemoryBus).log.length).toBe(published);
  });

  it('exposes the triggers it ran under the metric names Argo uses', async () => {
    const response = await fetch(url.replace('/push', '/metrics'));
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(text).toMatch(
      /argo_events_action_triggered_total\{[^}]*sensor_name="github-build-sensor"[^}]*trigger_name="build-trigger"[^}]*\} [1-9]/,
    );
  });

  it("carries the caller's W3C trace from the webhook to the created Job", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const body = Buffer.from(
      JSON.stringify(
        pushPayload({ ref: 'refs/heads/main', repo: 'myorg/backend-api', after: 'e'.repeat(40) }),
      ),
    );
    await fetch(url, {
      method: 'POST',
      headers: { ...githubHeaders('push', body), traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body,
    });
    await settle();

    const job = jobsIn(apiserver, 'ci').find((j) => envOf(j).COMMIT_SHA === 'e'.repeat(40));
    expect(job?.metadata.annotations?.['outrigger.io/traceparent']).toMatch(
      new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`),
    );
  });

  it('answers an unknown path with 404', async () => {
    const response = await fetch(url.replace('/push', '/nope'), { method: 'POST', body: '{}' });

    expect(response.status).toBe(404);
  });

  it('retries a create the apiserver failed, so the event is not lost', async () => {
    faults.push(apiserver.inject({ method: 'POST', status: 500, times: 1 }));

    await push({ ref: 'refs/heads/main', repo: 'myorg/backend-api', after: 'd'.repeat(40) });

    const created = jobsIn(apiserver, 'ci').filter((job) => envOf(job).COMMIT_SHA === 'd'.repeat(40));
    expect(created).toHaveLength(1);
    expect((runner.bus as MemoryBus).deadLetters).toHaveLength(0);
  });
});
