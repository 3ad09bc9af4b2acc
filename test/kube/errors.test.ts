import { readFile } from 'node:fs/promises';
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
  ({ server, config, kube } = await startApiServerClient(500, { namespace: 'ci' }));
});

afterEach(async () => {
  await server.close();
});

const job = (name: string): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'ci' },
  spec: { template: { spec: { containers: [{ name: 'main', image: 'alpine' }] } } },
});

describe('Kubernetes API errors for the identity', () => {
  it('names the verb and resource a 403 lacks, and the Role rule that grants it', async () => {
    // Prepare
    server.deny({ verb: 'create', resource: 'jobs', namespace: 'ci' });

    // Act
    const err = await failure(kube.create(job('build-1')));

    // Assess
    expect(err).toMatchObject({ status: 403, reason: 'Forbidden', retryable: false });
    expect(err.message).toContain(
      'forbidden: create jobs.batch in namespace ci — grant the sensor\'s identity this verb: a Role in ci rule {apiGroups: ["batch"], resources: ["jobs"], verbs: ["create"]} (see the article\'s Role',
    );
    expect(err.message).toContain('cannot create resource "jobs" in API group "batch"');
  });

  it('names the core group as "" and a cluster-scoped resource as needing a ClusterRole', async () => {
    // Prepare
    server.deny({ verb: 'get', resource: 'configmaps' });
    server.deny({ verb: 'create', resource: 'namespaces' });

    // Act
    const cm = await failure(kube.get('v1', 'ConfigMap', 'ci', 'settings'));
    const ns = await failure(kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }));

    // Assess
    expect(cm.message).toContain('forbidden: get configmaps in namespace ci');
    expect(cm.message).toContain('apiGroups: [""], resources: ["configmaps"], verbs: ["get"]');
    expect(ns.message).toContain('forbidden: create namespaces at cluster scope');
    expect(ns.message).toContain('a ClusterRole rule');
  });

  it('explains a 401 as rejected credentials, without retry', async () => {
    // Prepare
    const text = (await readFile(server.kubeconfigPath, 'utf8')).replace(server.token, 'stale-token');
    const stale = createKubeClient({ ...config, text });

    // Act
    const err = await failure(stale.get('batch/v1', 'Job', 'ci', 'x'));

    // Assess
    expect(err).toMatchObject({ status: 401, retryable: false });
    expect(err.message).toContain('unauthorized: the server did not accept the credentials');
  });
});

describe('Kubernetes API faults', () => {
  it('keeps 404, 409 AlreadyExists and 422 final', async () => {
    // Prepare
    await kube.create(job('exists'));

    // Act
    const notFound = await failure(kube.get('batch/v1', 'Job', 'ci', 'missing'));
    const exists = await failure(kube.create(job('exists')));
    const invalid = await failure(kube.create(job('Not_A_Name')));

    // Assess
    expect([notFound.status, exists.status, invalid.status]).toEqual([404, 409, 422]);
    expect(invalid.reason).toBe('Invalid');
    expect(invalid.message).toContain('metadata.name: Invalid value: "Not_A_Name"');
    for (const err of [notFound, exists, invalid]) expect(isRetryable(err)).toBe(false);
  });

  it('retries 429 and 5xx', async () => {
    // Prepare
    server.inject({ method: 'POST', status: 429, times: 1 });
    server.inject({ method: 'POST', status: 503, times: 1 });

    // Act
    const throttled = await failure(kube.create(job('a')));
    const unavailable = await failure(kube.create(job('a')));
    const created = await kube.create(job('a'));

    // Assess
    expect(throttled).toMatchObject({ status: 429, reason: 'TooManyRequests', retryable: true });
    expect(unavailable).toMatchObject({ status: 503, retryable: true });
    expect(created.metadata.name).toBe('a');
  });

  it('waits out latency within the deadline', async () => {
    // Prepare
    server.inject({ method: 'POST', latencyMs: 150, times: 1 });

    // Act
    const created = await kube.create(job('slow'));

    // Assess
    expect(created.metadata.name).toBe('slow');
  });

  it('times out latency beyond the deadline, as retryable', async () => {
    // Prepare
    server.inject({ method: 'GET', path: /jobs/, latencyMs: 1500, times: 1 });
    const started = Date.now();

    // Act
    const err = await failure(kube.get('batch/v1', 'Job', 'ci', 'x'));

    // Assess
    expect(err).toMatchObject({ status: 0, retryable: true });
    expect(err.message).toContain('timed out');
    expect(err.message).toContain('no answer within 500 ms');
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it('reports a dropped connection as unreachable and retryable', async () => {
    // Prepare
    server.inject({ method: 'POST', drop: true, times: 1 });

    // Act
    const err = await failure(kube.create(job('a')));

    // Assess
    expect(err).toMatchObject({ status: 0, retryable: true });
    expect(err.message).toContain('unreachable');
  });

  it('discovers again after a failed discovery rather than caching the failure', async () => {
    // Prepare
    server.inject({ path: '/apis/batch/v1', status: 500, times: 1 });

    // Act
    const err = await failure(kube.create(job('a')));
    const created = await kube.create(job('a'));

    // Assess
    expect(err.status).toBe(500);
    expect(created.metadata.name).toBe('a');
    expect(server.requests.filter((r) => r.path === '/apis/batch/v1')).toHaveLength(2);
  });
});
