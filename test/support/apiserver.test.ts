import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type ApiServer, startApiServer } from './apiserver.ts';

let server: ApiServer;

beforeEach(async () => {
  server = await startApiServer({ namespace: 'ci' });
});

afterEach(async () => {
  await server.close();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${server.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const JOBS = '/apis/batch/v1/namespaces/ci/jobs';
const job = (metadata: Record<string, unknown>) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata,
  spec: { template: { spec: { containers: [{ name: 'main', image: 'alpine' }] } } },
});

describe('test apiserver discovery', () => {
  it('lists the core version, the groups and each group version resources as kube-apiserver does', async () => {
    // Act
    const api = await call('GET', '/api');
    const apis = await call('GET', '/apis');
    const core = await call('GET', '/api/v1');
    const argo = await call('GET', '/apis/argoproj.io/v1alpha1');

    // Assess
    expect(api.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (apis.body.groups as { name: string }[]).map((g) => g.name);
    expect(groups).toEqual(['apps', 'batch', 'argoproj.io']);
    const resources = core.body.resources as { name: string; namespaced: boolean; kind: string }[];
    expect(resources.find((r) => r.name === 'namespaces')).toMatchObject({
      namespaced: false,
      kind: 'Namespace',
    });
    expect(resources.find((r) => r.name === 'pods')).toMatchObject({
      namespaced: true,
      kind: 'Pod',
      singularName: 'pod',
    });
    expect(argo.body).toMatchObject({ kind: 'APIResourceList', groupVersion: 'argoproj.io/v1alpha1' });
    expect((argo.body.resources as { kind: string }[]).map((r) => r.kind)).toEqual([
      'CronWorkflow',
      'Workflow',
      'WorkflowTemplate',
    ]);
  });

  it('answers 404 NotFound for a group version it does not serve', async () => {
    // Act
    const answer = await call('GET', '/apis/example.com/v1');

    // Assess
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
  });
});

describe('test apiserver CRUD', () => {
  it('creates with generateName using five characters of the kube alphabet and server-set metadata', async () => {
    // Act
    const created = await call('POST', JOBS, job({ generateName: 'build-' }));

    // Assess
    expect(created.status).toBe(201);
    const metadata = created.body.metadata as Record<string, string>;
    expect(metadata.name).toMatch(/^build-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(metadata.namespace).toBe('ci');
    expect(metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(metadata.resourceVersion).toMatch(/^\d+$/);
    expect(metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(server.objects('Job')).toHaveLength(1);
  });

  it('refuses a second create of the same name with 409 AlreadyExists', async () => {
    // Prepare
    await call('POST', JOBS, job({ name: 'build-1' }));

    // Act
    const again = await call('POST', JOBS, job({ name: 'build-1' }));

    // Assess
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      reason: 'AlreadyExists',
      message: 'jobs.batch "build-1" already exists',
      details: { name: 'build-1', group: 'batch', kind: 'jobs' },
    });
  });

  it('refuses an object with neither name nor generateName with 422 Invalid', async () => {
    // Act
    const answer = await call('POST', JOBS, job({}));

    // Assess
    expect(answer.status).toBe(422);
    expect(answer.body.reason).toBe('Invalid');
    expect(answer.body.message).toContain('name or generateName is required');
  });

  it('refuses a body whose kind or apiVersion does not match the URL with 400 BadRequest', async () => {
    // Act
    const wrongKind = await call('POST', JOBS, { ...job({ name: 'x' }), kind: 'Pod' });
    const wrongVersion = await call('POST', JOBS, { ...job({ name: 'x' }), apiVersion: 'v1' });

    // Assess
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.message).toContain('kind in the data (Pod)');
    expect(wrongVersion.status).toBe(400);
    expect(wrongVersion.body.message).toContain('API version in the data (v1)');
  });

  it('gets, lists by label selector, and deletes', async () => {
    // Prepare
    await call('POST', JOBS, job({ name: 'a', labels: { app: 'web', tier: 'front' } }));
    await call('POST', JOBS, job({ name: 'b', labels: { app: 'db' } }));
    await call('POST', JOBS, job({ name: 'c' }));

    // Act
    const got = await call('GET', `${JOBS}/a`);
    const names = async (selector: string) => {
      const list = await call('GET', `${JOBS}?labelSelector=${encodeURIComponent(selector)}`);
      return (list.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name);
    };
    const equality = await names('app=web');
    const inSet = await names('app in (web,db)');
    const notEqual = await names('app!=web');
    const exists = await names('tier');
    const absent = await names('!app');
    const deleted = await call('DELETE', `${JOBS}/a`);
    const gone = await call('GET', `${JOBS}/a`);

    // Assess
    expect(got.body.metadata).toMatchObject({ name: 'a', namespace: 'ci' });
    expect(equality).toEqual(['a']);
    expect(inSet).toEqual(['a', 'b']);
    expect(notEqual).toEqual(['b', 'c']);
    expect(exists).toEqual(['a']);
    expect(absent).toEqual(['c']);
    expect(deleted.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'a' } });
    expect(gone.status).toBe(404);
    expect(gone.body.message).toBe('jobs.batch "a" not found');
  });

  it('rejects an update carrying a stale resourceVersion with 409 Conflict', async () => {
    // Prepare
    const created = await call('POST', JOBS, job({ name: 'a' }));
    const stale = structuredClone(created.body) as { metadata: Record<string, unknown> };
    await call('PUT', `${JOBS}/a`, { ...created.body, spec: { parallelism: 2 } });

    // Act
    const conflict = await call('PUT', `${JOBS}/a`, stale);

    // Assess
    expect(conflict.status).toBe(409);
    expect(conflict.body.reason).toBe('Conflict');
    expect(server.objects('Job')[0]?.spec).toEqual({ parallelism: 2 });
  });
});

describe('test apiserver patches', () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ci', labels: { a: '1' } },
    spec: {
      replicas: 1,
      template: {
        spec: {
          containers: [
            { name: 'app', image: 'v1' },
            { name: 'side', image: 's1' },
          ],
        },
      },
    },
  };
  const path = '/apis/apps/v1/namespaces/ci/deployments/web';

  it('merges a merge patch, deleting keys set to null', async () => {
    // Prepare
    server.seed(deployment);

    // Act
    const answer = await call(
      'PATCH',
      path,
      { metadata: { labels: { a: null, b: '2' } }, spec: { replicas: 3 } },
      {
        'content-type': 'application/merge-patch+json',
      },
    );

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.metadata).toMatchObject({ labels: { b: '2' } });
    expect(answer.body.spec).toMatchObject({ replicas: 3 });
  });

  it('applies JSON patch operations', async () => {
    // Prepare
    server.seed(deployment);

    // Act
    const answer = await call('PATCH', path, [{ op: 'replace', path: '/spec/replicas', value: 5 }], {
      'content-type': 'application/json-patch+json',
    });

    // Assess
    expect(answer.body.spec).toMatchObject({ replicas: 5 });
  });

  it('merges containers by name in a strategic merge patch', async () => {
    // Prepare
    server.seed(deployment);

    // Act
    const answer = await call(
      'PATCH',
      path,
      { spec: { template: { spec: { containers: [{ name: 'app', image: 'v2' }] } } } },
      { 'content-type': 'application/strategic-merge-patch+json' },
    );

    // Assess
    const spec = answer.body.spec as { template: { spec: { containers: unknown[] } } };
    expect(spec.template.spec.containers).toEqual([
      { name: 'app', image: 'v2' },
      { name: 'side', image: 's1' },
    ]);
  });

  it('refuses a strategic merge patch on a custom resource with 415, as for CRDs', async () => {
    // Prepare
    server.seed({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { name: 'wf', namespace: 'ci' },
    });

    // Act
    const answer = await call(
      'PATCH',
      '/apis/argoproj.io/v1alpha1/namespaces/ci/workflows/wf',
      { spec: { suspend: true } },
      { 'content-type': 'application/strategic-merge-patch+json' },
    );

    // Assess
    expect(answer.status).toBe(415);
    expect(answer.body.reason).toBe('UnsupportedMediaType');
  });

  it('requires fieldManager for apply and creates a missing object', async () => {
    // Act
    const headers = { 'content-type': 'application/apply-patch+yaml' };
    const withoutManager = await call('PATCH', path, deployment, headers);
    const applied = await call('PATCH', `${path}?fieldManager=test`, deployment, headers);

    // Assess
    expect(withoutManager.status).toBe(422);
    expect(applied.status).toBe(201);
    expect(server.objects('Deployment')).toHaveLength(1);
  });

  it('answers an unknown patch content type with 415', async () => {
    // Prepare
    server.seed(deployment);

    // Act
    const answer = await call('PATCH', path, {}, { 'content-type': 'application/json' });

    // Assess
    expect(answer.status).toBe(415);
  });
});

describe('test apiserver authentication and faults', () => {
  it('answers 401 to a wrong token and 403 to no token or a denied verb', async () => {
    // Prepare
    server.deny({ verb: 'create', resource: 'jobs' });

    // Act
    const wrong = await call('GET', JOBS, undefined, { authorization: 'Bearer nope' });
    const anonymous = await fetch(`${server.url}${JOBS}`);
    const denied = await call('POST', JOBS, job({ name: 'a' }));

    // Assess
    expect(wrong.status).toBe(401);
    expect(anonymous.status).toBe(403);
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain(
      'cannot create resource "jobs" in API group "batch" in the namespace "ci"',
    );
  });

  it('answers the next N matching requests with the injected status, then normally', async () => {
    // Prepare
    const fault = server.inject({ method: 'POST', path: JOBS, status: 500, times: 2 });

    // Act
    const statuses = [];
    for (const name of ['a', 'b', 'c']) statuses.push((await call('POST', JOBS, job({ name }))).status);

    // Assess
    expect(statuses).toEqual([500, 500, 201]);
    expect(fault.hits).toBe(2);
  });

  it('affects an even fraction of matching requests', async () => {
    // Prepare
    server.inject({ path: /\/jobs$/, status: 503, fraction: 0.5 });

    // Act
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call('GET', JOBS)).status);

    // Assess
    expect(statuses).toEqual([200, 503, 200, 503]);
  });

  it('delays matching answers by the injected latency', async () => {
    // Prepare
    server.inject({ path: JOBS, latencyMs: 150, times: 1 });
    const started = Date.now();

    // Act
    const answer = await call('GET', JOBS);

    // Assess
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('drops the connection without answering', async () => {
    // Prepare
    server.inject({ path: JOBS, drop: true, times: 1 });

    // Act
    const outcome = await call('GET', JOBS).then(
      () => 'answered',
      () => 'failed',
    );

    // Assess
    expect(outcome).toBe('failed');
  });

  it('holds a hanging request open until close', async () => {
    // Prepare
    server.inject({ path: JOBS, hang: true });

    // Act
    const outcome = await Promise.race([
      call('GET', JOBS).then(() => 'answered'),
      new Promise((resolve) => setTimeout(() => resolve('pending'), 200)),
    ]);

    // Assess
    expect(outcome).toBe('pending');
  });

  it('records each request and writes a kubeconfig with the token', async () => {
    // Act
    await call('GET', `${JOBS}?labelSelector=a%3Db`);
    const kubeconfig = parseYaml(await readFile(server.kubeconfigPath, 'utf8'));

    // Assess
    expect(server.requests.at(-1)).toMatchObject({
      method: 'GET',
      path: JOBS,
      query: { labelSelector: 'a=b' },
    });
    expect(kubeconfig.users[0].user.token).toBe(server.token);
    expect(kubeconfig.clusters[0].cluster.server).toBe(server.url);
  });
});
