import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { isRetryable, KubeApiError, TriggerError } from '../../../lib/errors.ts';
import type { SensorEvent } from '../../../lib/events/envelope.ts';
import { createKubeClient, type KubeClient } from '../../../lib/kube/client.ts';
import type { ResolvedKubeConfig } from '../../../lib/kube/config.ts';
import type { K8sTriggerSpec } from '../../../lib/manifests/types.ts';
import { idempotentName, K8S_LABELS, k8sTrigger } from '../../../lib/triggers/k8s/index.ts';
import type { FiredEvents, RenderContext } from '../../../lib/triggers/types.ts';
import type { ApiServer } from '../../support/apiserver.ts';
import { startApiServerClient } from '../../support/kube-client.ts';

function event(id: string, data: unknown): SensorEvent {
  return {
    context: {
      id,
      source: 'github',
      specversion: '1.0',
      type: 'github',
      datacontenttype: 'application/json',
      subject: 'push',
      time: '2024-05-01T10:00:00Z',
    },
    data,
  };
}

const events: FiredEvents = {
  push: event('e1', { body: { repository: 'backend', ref: 'refs/heads/main' } }),
};

const context: RenderContext = {
  sensorName: 'ci',
  sensorNamespace: 'argo-events',
  triggerName: 'build',
  eventIds: ['e1'],
  now: new Date('2024-05-01T10:00:01.234Z'),
};

const jobSpec = (): K8sTriggerSpec => ({
  operation: 'create',
  source: {
    resource: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { generateName: 'build-', namespace: 'ci', labels: { team: 'platform' } },
      spec: { template: { spec: { containers: [{ name: 'main', image: 'alpine', args: ['x'] }] } } },
    },
  },
  parameters: [
    { src: { dependencyName: 'push', dataKey: 'body.repository' }, dest: 'metadata.labels.repo' },
    { src: { dependencyName: 'push', dataKey: 'body.ref' }, dest: 'spec.template.spec.containers.0.args.0' },
  ],
});

describe('k8s trigger render', () => {
  it('is pure: the same inputs give the same request and the spec is not modified', () => {
    // Prepare
    const spec = jobSpec();
    const before = structuredClone(spec);

    // Act
    const first = k8sTrigger.render(spec, events, context);
    const second = k8sTrigger.render(spec, events, context);

    // Assess
    expect(second).toEqual(first);
    expect(spec).toEqual(before);
  });

  it('adds the sensor, trigger and action-timestamp labels and the event-ids annotation on create', () => {
    // Act
    const request = k8sTrigger.render(jobSpec(), events, { ...context, eventIds: ['e1', 'e2'] });

    // Assess
    expect(request.object.metadata.labels).toEqual({
      team: 'platform',
      repo: 'backend',
      [K8S_LABELS.sensor]: 'ci',
      [K8S_LABELS.trigger]: 'build',
      [K8S_LABELS.actionTimestamp]: String(context.now.getTime()),
    });
    expect(request.object.metadata.annotations).toEqual({ [K8S_LABELS.eventIds]: 'e1,e2' });
  });

  it('applies the parameters to the resource', () => {
    // Act
    const request = k8sTrigger.render(jobSpec(), events, context);

    // Assess
    const spec = request.object.spec as { template: { spec: { containers: { args: string[] }[] } } };
    expect(spec.template.spec.containers[0]?.args).toEqual(['refs/heads/main']);
  });

  it('names a generateName object from sensor, trigger and event ids, the same on every redelivery', () => {
    // Act
    const first = k8sTrigger.render(jobSpec(), events, context);
    const redelivered = k8sTrigger.render(jobSpec(), events, { ...context, now: new Date() });
    const other = k8sTrigger.render(jobSpec(), events, { ...context, eventIds: ['e9'] });

    // Assess
    expect(first.object.metadata.name).toMatch(/^build-[a-z2-7]{10}$/);
    expect(redelivered.object.metadata.name).toBe(first.object.metadata.name);
    expect(other.object.metadata.name).not.toBe(first.object.metadata.name);
  });

  it('keeps a generated name within 63 characters with the whole hash', () => {
    // Act
    const name = idempotentName(`${'x'.repeat(70)}-`, 'ci', 'build', ['e1']);

    // Assess
    expect(name).toHaveLength(63);
    expect(name.slice(-10)).toBe(idempotentName('', 'ci', 'build', ['e1']));
  });

  // A redelivery after an upgrade must find the Job the old version created: names never change.
  it.each([
    [
      'build-backend-',
      'github-build-sensor',
      'build-trigger',
      ['0f1e2d3c4b5a69788796a5b4c3d2e1f0'],
      'build-backend-2dqirseweg',
    ],
    ['', 'ci', 'build', ['e1'], 'hqqvozk6vl'],
    ['wf-', 's', 't', ['a', 'b', 'c'], 'wf-t4peffbo3q'],
    ['ünï-', 'séñsor', 'trïg', ['😀'], 'ünï-yhzotqz66u'],
  ])('names %s for %s/%s/%j as earlier versions did', (generateName, sensor, trigger, ids, expected) => {
    // Act
    const name = idempotentName(generateName, sensor, trigger, ids);

    // Assess
    expect(name).toBe(expected);
  });

  it('reads an inline YAML source', () => {
    // Prepare
    const spec: K8sTriggerSpec = {
      source: { inline: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: "1"\n' },
    };

    // Act
    const request = k8sTrigger.render(spec, events, context);

    // Assess
    expect(request).toMatchObject({ operation: 'create', namespace: 'argo-events' });
    expect(request.object).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: '1' } });
  });

  it("defaults the namespace to the sensor's, except for cluster-scoped kinds", () => {
    // Prepare
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } };
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', namespace: 'x' } };

    // Act
    const podRequest = k8sTrigger.render({ source: { resource: pod } }, events, context);
    const nsRequest = k8sTrigger.render({ source: { resource: ns } }, events, context);

    // Assess
    expect(podRequest.object.metadata.namespace).toBe('argo-events');
    expect(nsRequest.namespace).toBeUndefined();
    expect(nsRequest.object.metadata.namespace).toBeUndefined();
  });

  it('adds no labels on update, as upstream', () => {
    // Prepare
    const spec: K8sTriggerSpec = {
      operation: 'update',
      source: { resource: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } } },
    };

    // Act
    const request = k8sTrigger.render(spec, events, context);

    // Assess
    expect(request.object.metadata.labels).toBeUndefined();
  });

  it('refuses, without retry, a missing source, an unknown patch strategy and an unnamed update', () => {
    // Prepare
    const unnamed = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'cm-' } };
    const attempts = [
      () => k8sTrigger.render({ source: {} }, events, context),
      () => k8sTrigger.render({ ...jobSpec(), patchStrategy: 'application/yaml' }, events, context),
      () => k8sTrigger.render({ operation: 'update', source: { resource: unnamed } }, events, context),
    ];

    // Act
    const errors = attempts.map((attempt) => {
      try {
        attempt();
        return undefined;
      } catch (err) {
        return err;
      }
    });

    // Assess
    for (const err of errors) {
      expect(err).toBeInstanceOf(TriggerError);
      expect(isRetryable(err)).toBe(false);
    }
  });
});

describe('k8s trigger execute against the test apiserver', () => {
  let server: ApiServer;
  let config: ResolvedKubeConfig;
  let kube: KubeClient;

  beforeEach(async () => {
    ({ server, config, kube } = await startApiServerClient(1000));
  });

  afterEach(async () => {
    await server.close();
  });

  it('creates the Job once; a replay of the same firing is already done', async () => {
    // Prepare
    const request = k8sTrigger.render(jobSpec(), events, context);

    // Act
    const first = await k8sTrigger.execute(request, { kube });
    const replay = await k8sTrigger.execute(k8sTrigger.render(jobSpec(), events, context), { kube });

    // Assess
    expect(first.alreadyDone).toBeUndefined();
    expect(first.summary).toBe(`created batch/v1 Job ci/${request.object.metadata.name}`);
    expect(replay.alreadyDone).toBe(true);
    const jobs = server.objects('Job');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.metadata.labels?.[K8S_LABELS.sensor]).toBe('ci');
  });

  it('lets the apiserver pick a random name when the resource opts out, so a replay creates a second Job', async () => {
    // Prepare: the annotation the README documents for the upstream behaviour
    const spec = jobSpec();
    const resource = spec.source.resource as { metadata: { annotations?: Record<string, string> } };
    resource.metadata.annotations = { [K8S_LABELS.generateName]: 'server' };

    // Act
    const request = k8sTrigger.render(spec, events, context);
    await k8sTrigger.execute(request, { kube });
    await k8sTrigger.execute(k8sTrigger.render(spec, events, context), { kube });

    // Assess
    expect(request.object.metadata.name).toBeUndefined();
    const names = server.objects('Job').map((job) => job.metadata.name);
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
    expect(names.every((name) => /^build-[bcdfghjklmnpqrstvwxz2456789]{5}$/.test(name))).toBe(true);
  });

  it('propagates a 500 as a retryable KubeApiError', async () => {
    // Prepare
    server.inject({ method: 'POST', status: 500 });

    // Act
    const outcome = k8sTrigger.execute(k8sTrigger.render(jobSpec(), events, context), { kube });

    // Assess
    const err = await outcome.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toMatchObject({ status: 500 });
    expect(isRetryable(err)).toBe(true);
  });

  it('fails without retry when RBAC denies the create, saying what to grant', async () => {
    // Prepare
    server.deny({ verb: 'create', resource: 'jobs' });

    // Act
    const err = await k8sTrigger
      .execute(k8sTrigger.render(jobSpec(), events, context), { kube })
      .catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(KubeApiError);
    expect(isRetryable(err)).toBe(false);
    expect((err as Error).message).toContain(
      "forbidden: create jobs.batch in namespace ci — grant the sensor's identity this verb",
    );
    expect(server.objects('Job')).toEqual([]);
  });

  it('reports an unreachable server as retryable, naming it', async () => {
    // Prepare
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const offlineUrl = `http://127.0.0.1:${port}`;
    const offline = createKubeClient({
      ...config,
      text: config.text.replace(server.url, offlineUrl),
      server: offlineUrl,
    });

    // Act
    const err = await k8sTrigger
      .execute(k8sTrigger.render(jobSpec(), events, context), { kube: offline })
      .catch((e: unknown) => e);

    // Assess
    expect(err).toMatchObject({ status: 0 });
    expect(isRetryable(err)).toBe(true);
    expect((err as Error).message).toContain(offlineUrl);
  });

  it('updates by merging into the live object, and creates when there is none', async () => {
    // Prepare
    const spec = (data: Record<string, string>): K8sTriggerSpec => ({
      operation: 'update',
      source: { resource: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data } },
    });

    // Act
    const created = await k8sTrigger.execute(k8sTrigger.render(spec({ a: '1' }), events, context), { kube });
    const updated = await k8sTrigger.execute(k8sTrigger.render(spec({ b: '2' }), events, context), { kube });

    // Assess
    expect(created.summary).toContain('created v1 ConfigMap argo-events/cm');
    expect(updated.summary).toBe('updated v1 ConfigMap argo-events/cm');
    expect(server.objects('ConfigMap')[0]?.data).toEqual({ a: '1', b: '2' });
  });

  it('patches with the configured strategy', async () => {
    // Prepare
    server.seed({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { name: 'wf', namespace: 'argo-events' },
      spec: { entrypoint: 'main' },
    });
    const spec: K8sTriggerSpec = {
      operation: 'patch',
      patchStrategy: 'application/merge-patch+json',
      source: {
        resource: {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Workflow',
          metadata: { name: 'wf' },
          spec: { suspend: true },
        },
      },
    };

    // Act
    const outcome = await k8sTrigger.execute(k8sTrigger.render(spec, events, context), { kube });

    // Assess
    expect(outcome.summary).toBe('patched argoproj.io/v1alpha1 Workflow argo-events/wf');
    expect(server.objects('Workflow')[0]?.spec).toEqual({ entrypoint: 'main', suspend: true });
    expect(server.requests.find((r) => r.method === 'PATCH')?.headers['content-type']).toBe(
      'application/merge-patch+json',
    );
  });

  it('deletes an existing object, and treats a missing one as already done', async () => {
    // Prepare
    server.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'argo-events' } });
    const spec: K8sTriggerSpec = {
      operation: 'delete',
      source: { resource: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } } },
    };

    // Act
    const deleted = await k8sTrigger.execute(k8sTrigger.render(spec, events, context), { kube });
    const again = await k8sTrigger.execute(k8sTrigger.render(spec, events, context), { kube });

    // Assess
    expect(deleted.summary).toBe('deleted v1 ConfigMap argo-events/cm');
    expect(again.alreadyDone).toBe(true);
    expect(server.objects('ConfigMap')).toEqual([]);
  });
});

describe('k8s trigger dry-run', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'outrigger-dry-run-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the object and writes it under <dryRunDir>/<sensor>/<trigger>/<name>.yaml', async () => {
    // Prepare
    const request = k8sTrigger.render(jobSpec(), events, context);
    const lines: string[] = [];

    // Act
    const outcome = await k8sTrigger.execute(request, { dryRunDir: dir, log: (line) => lines.push(line) });

    // Assess
    const name = request.object.metadata.name ?? '';
    const written = parseYaml(await readFile(join(dir, 'ci', 'build', `${name}.yaml`), 'utf8'));
    expect(written).toEqual(request.object);
    expect(lines[0]?.split('\n')[0]).toBe(`[dry-run] would create batch/v1 Job ci/${name}`);
    expect(outcome.summary).toContain('would create');
  });
});
