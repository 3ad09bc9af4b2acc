import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRetryable } from '../../lib/errors.ts';
import { createKubeClient, type KubeClient, type KubeObject } from '../../lib/kube/client.ts';
import type { ResolvedKubeConfig } from '../../lib/kube/config.ts';
import type { ApiServer } from '../support/apiserver.ts';
import { kubeFailure as failure, startApiServerClient } from '../support/kube-client.ts';

let server: ApiServer;
let config: ResolvedKubeConfig;
let kube: KubeClient;

beforeEach(async () => {
  ({ server, config, kube } = await startApiServerClient(1000, { namespace: 'ci' }));
});

afterEach(async () => {
  await server.close();
});

const job = (name: string, namespace = 'ci'): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace, labels: { app: 'build' } },
  spec: { template: { spec: { containers: [{ name: 'main', image: 'alpine:3' }], restartPolicy: 'Never' } } },
});

describe('createKubeClient against the test apiserver', () => {
  it('creates and gets a Job, resolving its plural by discovery once per apiVersion', async () => {
    // Act
    const created = await kube.create(job('build-1'));
    const got = await kube.get('batch/v1', 'Job', 'ci', 'build-1');
    await kube.create(job('build-2'));

    // Assess
    expect(created.metadata).toMatchObject({ name: 'build-1', namespace: 'ci' });
    expect(typeof created.metadata.creationTimestamp).toBe('string');
    expect(got.spec).toEqual(job('build-1').spec);
    const discovery = server.requests.filter((r) => r.path === '/apis/batch/v1');
    expect(discovery).toHaveLength(1);
    const post = server.requests.find((r) => r.method === 'POST');
    expect(post).toMatchObject({
      path: '/apis/batch/v1/namespaces/ci/jobs',
      query: { fieldManager: 'outrigger' },
    });
    expect(post?.headers.authorization).toBe(`Bearer ${server.token}`);
  });

  it('sends fields no typed model knows, unchanged', async () => {
    // Prepare
    const workflow: KubeObject = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { name: 'wf', namespace: 'ci' },
      spec: { entrypoint: 'main', futureField: { x: 1 } },
    };
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { madeUp: true },
    };

    // Act
    await kube.create(workflow);
    await kube.create(pod);

    // Assess
    expect(server.objects('Workflow')[0]?.spec).toEqual(workflow.spec);
    expect(server.objects('Pod')[0]?.spec).toEqual({ madeUp: true });
  });

  it('puts an object without namespace in the kubeconfig context namespace', async () => {
    // Act
    const created = await kube.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });

    // Assess
    expect(created.metadata.namespace).toBe('ci');
  });

  it('addresses cluster-scoped kinds without a namespace', async () => {
    // Act
    await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', namespace: 'ci' } });

    // Assess
    expect(server.requests.find((r) => r.method === 'POST')?.path).toBe('/api/v1/namespaces');
  });

  it('patches with the content type of each strategy', async () => {
    // Prepare
    await kube.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'ci' },
      spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', image: 'v1' }] } } },
    });
    const target: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'ci' },
    };

    // Act
    await kube.patch({ ...target, spec: { replicas: 2 } }, 'merge');
    await kube.patch(target, 'json', [{ op: 'replace', path: '/spec/replicas', value: 3 }]);
    await kube.patch(
      { ...target, spec: { template: { spec: { containers: [{ name: 'side', image: 's' }] } } } },
      'strategic',
    );
    const applied = await kube.patch(
      { ...target, metadata: { ...target.metadata, labels: { a: 'b' } } },
      'apply',
    );

    // Assess
    const types = server.requests.filter((r) => r.method === 'PATCH').map((r) => r.headers['content-type']);
    expect(types).toEqual([
      'application/merge-patch+json',
      'application/json-patch+json',
      'application/strategic-merge-patch+json',
      'application/apply-patch+yaml',
    ]);
    expect(applied.spec).toMatchObject({
      replicas: 3,
      template: { spec: { containers: [{ name: 'app' }, { name: 'side' }] } },
    });
    expect(applied.metadata.labels).toEqual({ a: 'b' });
  });

  it('updates and deletes, asking for background propagation', async () => {
    // Prepare
    const created = await kube.create(job('build-1'));

    // Act
    const updated = await kube.update({
      ...created,
      metadata: { ...created.metadata, labels: { app: 'x' } },
    });
    await kube.delete('batch/v1', 'Job', 'ci', 'build-1');

    // Assess
    expect(updated.metadata.labels).toEqual({ app: 'x' });
    expect(server.objects('Job')).toEqual([]);
    expect(server.requests.find((r) => r.method === 'DELETE')?.query).toEqual({
      propagationPolicy: 'Background',
    });
  });

  it('lists by label selector, and across namespaces without one', async () => {
    // Prepare
    await kube.create(job('a'));
    await kube.create({ ...job('b'), metadata: { name: 'b', namespace: 'ci', labels: { app: 'other' } } });
    await kube.create(job('c', 'elsewhere'));

    // Act
    const items = await kube.list?.('batch/v1', 'Job', 'ci', 'app=build');
    const everywhere = await kube.list?.('batch/v1', 'Job', undefined);

    // Assess
    expect(items?.map((i) => i.metadata.name)).toEqual(['a']);
    expect(everywhere?.map((i) => i.metadata.name)).toEqual(['a', 'b', 'c']);
  });
});

describe('createKubeClient failures', () => {
  it('maps NotFound to a non-retryable KubeApiError naming server, verb, kind and object', async () => {
    // Act
    const err = await failure(kube.get('batch/v1', 'Job', 'ci', 'missing'));

    // Assess
    expect(err).toMatchObject({ status: 404, reason: 'NotFound', retryable: false });
    expect(err.message).toContain(server.url);
    expect(err.message).toContain('get batch/v1 Job ci/missing');
    expect(err.message).toContain('jobs.batch "missing" not found');
  });

  it('maps AlreadyExists to status 409 with its reason', async () => {
    // Prepare
    await kube.create(job('build-1'));

    // Act
    const err = await failure(kube.create(job('build-1')));

    // Assess
    expect(err).toMatchObject({ status: 409, reason: 'AlreadyExists', retryable: false });
  });

  it('maps an update Conflict to a retryable error, unlike AlreadyExists', async () => {
    // Prepare
    const created = await kube.create(job('build-1'));
    await kube.update({ ...created, metadata: { ...created.metadata, labels: { app: 'first' } } });

    // Act
    const err = await failure(
      kube.update({ ...created, metadata: { ...created.metadata, labels: { app: 'stale' } } }),
    );

    // Assess
    expect(err).toMatchObject({ status: 409, reason: 'Conflict', retryable: true });
  });

  it('maps Forbidden to status 403, not retryable', async () => {
    // Prepare
    server.deny({ verb: 'create', resource: 'jobs' });

    // Act
    const err = await failure(kube.create(job('build-1')));

    // Assess
    expect(err).toMatchObject({ status: 403, reason: 'Forbidden', retryable: false });
  });

  it('maps a 500 to a retryable error', async () => {
    // Prepare
    server.inject({ method: 'POST', status: 500, times: 1 });

    // Act
    const err = await failure(kube.create(job('build-1')));

    // Assess
    expect(err).toMatchObject({ status: 500, reason: 'InternalError' });
    expect(isRetryable(err)).toBe(true);
  });

  it('reports a kind the server does not serve as 404', async () => {
    // Act
    const err = await failure(kube.create({ apiVersion: 'batch/v1', kind: 'Jobb', metadata: { name: 'x' } }));

    // Assess
    expect(err.status).toBe(404);
    expect(err.message).toContain('does not serve kind Jobb in batch/v1');
  });

  it('reports an unreachable server as status 0, retryable, naming the server', async () => {
    // Prepare
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const text = config.text.replace(server.url, `http://127.0.0.1:${closed}`);
    const offline = createKubeClient({ ...config, text, server: `http://127.0.0.1:${closed}` });

    // Act
    const err = await failure(offline.create(job('build-1')));

    // Assess
    expect(err).toMatchObject({ status: 0, retryable: true });
    expect(err.message).toContain(`http://127.0.0.1:${closed} unreachable`);
    expect(err.message).toContain('create batch/v1 Job ci');
  });

  it('times out a hung server with a retryable status-0 error', async () => {
    // Prepare
    const quick = createKubeClient(config, { timeoutMs: 200 });
    server.inject({ method: 'POST', hang: true });
    const started = Date.now();

    // Act
    const err = await failure(quick.create(job('build-1')));

    // Assess
    expect(err).toMatchObject({ status: 0, retryable: true });
    expect(err.message).toContain('timed out');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('times out a hung discovery request too', async () => {
    // Prepare
    const quick = createKubeClient(config, { timeoutMs: 200 });
    server.inject({ path: '/apis/batch/v1', hang: true });

    // Act
    const err = await failure(quick.get('batch/v1', 'Job', 'ci', 'x'));

    // Assess
    expect(err).toMatchObject({ status: 0, retryable: true });
    expect(err.message).toContain('timed out');
  });
});
