import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { isRetryable, TriggerError } from '../../../lib/errors.ts';
import type { SensorEvent } from '../../../lib/events/envelope.ts';
import { createKubeClient, type KubeClient } from '../../../lib/kube/client.ts';
import { resolveKubeConfig } from '../../../lib/kube/config.ts';
import type { K8sTriggerSpec } from '../../../lib/manifests/types.ts';
import { K8S_LABELS, k8sTrigger, resolveK8sRequest } from '../../../lib/triggers/k8s/index.ts';
import { URL_SOURCE_MAX_BYTES } from '../../../lib/triggers/k8s/source.ts';
import type { FiredEvents, RenderContext } from '../../../lib/triggers/types.ts';
import { type ApiServer, startApiServer } from '../../support/apiserver.ts';

const events: FiredEvents = {
  push: {
    context: {
      id: 'e1',
      source: 'github',
      specversion: '1.0',
      type: 'github',
      datacontenttype: 'application/json',
      subject: 'push',
      time: '2024-05-01T10:00:00Z',
    },
    data: { body: { repository: 'backend', image: 'backend:v2' } },
  } satisfies SensorEvent,
};

const context: RenderContext = {
  sensorName: 'ci',
  sensorNamespace: 'argo-events',
  triggerName: 'build',
  eventIds: ['e1'],
  now: new Date('2024-05-01T10:00:01.234Z'),
};

const job = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { generateName: 'build-' },
  spec: { template: { spec: { containers: [{ name: 'main', image: 'alpine', args: ['x'] }] } } },
};

const repoLabel = [
  { src: { dependencyName: 'push', dataKey: 'body.repository' }, dest: 'metadata.labels.repo' },
];

/** A loopback file server: path → [status, body]. */
let files: Server;
let base: string;
const served = new Map<string, [number, string]>();

beforeAll(async () => {
  files = createServer((req, res) => {
    const [status, body] = served.get(req.url ?? '') ?? [404, 'not found'];
    res.writeHead(status, { 'content-type': 'application/yaml' });
    res.end(body);
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  served.set('/job.yaml', [200, toYaml(job)]);
  served.set('/job.json', [200, JSON.stringify(job)]);
  served.set('/broken', [503, 'try later']);
  served.set('/big', [200, `# ${'x'.repeat(URL_SOURCE_MAX_BYTES + 10)}`]);
});

afterAll(async () => {
  await new Promise((r) => files.close(r));
});

let server: ApiServer;
let kube: KubeClient;

beforeEach(async () => {
  server = await startApiServer({ namespace: 'argo-events' });
  const config = await resolveKubeConfig({ kubeconfigPath: server.kubeconfigPath, env: {} });
  if (!config) throw new Error('test kubeconfig did not resolve');
  kube = createKubeClient(config, { timeoutMs: 1000 });
});

afterEach(async () => {
  await server.close();
});

async function failure(promise: Promise<unknown>): Promise<TriggerError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TriggerError)) throw new Error(`expected a TriggerError, got ${String(err)}`);
  return err;
}

describe('k8s trigger url source', () => {
  it('fetches YAML or JSON, applies the parameters and creates the object once', async () => {
    // Prepare
    const spec = (path: string): K8sTriggerSpec => ({
      source: { url: { path: `${base}${path}` } },
      parameters: repoLabel,
    });

    // Act
    const request = k8sTrigger.render(spec('/job.yaml'), events, context);
    const first = await k8sTrigger.execute(request, { kube });
    const replay = await k8sTrigger.execute(k8sTrigger.render(spec('/job.json'), events, context), { kube });

    // Assess
    expect(request.deferred).toBeDefined();
    expect(first.summary).toMatch(/^created batch\/v1 Job argo-events\/build-[a-z2-7]{10}$/);
    expect(replay.alreadyDone).toBe(true);
    const jobs = server.objects('Job');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.metadata.labels).toMatchObject({ repo: 'backend', [K8S_LABELS.trigger]: 'build' });
  });

  it('refuses a URL that is not http or https at render, without retry', () => {
    // Act
    const attempt = () =>
      k8sTrigger.render({ source: { url: { path: 'file:///etc/passwd' } } }, events, context);

    // Assess
    expect(attempt).toThrow(TriggerError);
    expect(attempt).toThrow('must be http or https');
  });

  it('retries a 5xx answer and not a 404', async () => {
    // Act
    const broken = await failure(
      k8sTrigger.execute(
        k8sTrigger.render({ source: { url: { path: `${base}/broken` } } }, events, context),
        { kube },
      ),
    );
    const missing = await failure(
      k8sTrigger.execute(
        k8sTrigger.render({ source: { url: { path: `${base}/missing` } } }, events, context),
        { kube },
      ),
    );

    // Assess
    expect(broken.message).toContain('answered 503');
    expect(isRetryable(broken)).toBe(true);
    expect(missing.message).toContain('answered 404');
    expect(isRetryable(missing)).toBe(false);
  });

  it('refuses an answer larger than the cap', async () => {
    // Act
    const err = await failure(
      k8sTrigger.execute(k8sTrigger.render({ source: { url: { path: `${base}/big` } } }, events, context), {
        kube,
      }),
    );

    // Assess
    expect(err.message).toContain(`larger than ${URL_SOURCE_MAX_BYTES} bytes`);
    expect(isRetryable(err)).toBe(false);
  });

  it('refuses the instance metadata address unless link-local targets are allowed', async () => {
    // Prepare
    const request = k8sTrigger.render(
      { source: { url: { path: 'http://169.254.169.254/latest/meta-data/iam/' } } },
      events,
      context,
    );

    // Act
    const err = await failure(k8sTrigger.execute(request, { kube }));

    // Assess
    expect(err.message).toContain('link-local');
    expect(isRetryable(err)).toBe(false);
    expect(server.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('fetches in dry-run too, so the printed object is the real one', async () => {
    // Prepare
    const lines: string[] = [];

    // Act
    const outcome = await k8sTrigger.execute(
      k8sTrigger.render({ source: { url: { path: `${base}/job.yaml` } } }, events, context),
      { log: (line) => lines.push(line) },
    );

    // Assess
    expect(outcome.summary).toMatch(/^would create batch\/v1 Job argo-events\/build-/);
    expect(lines[0]).toContain('image: alpine');
  });
});

describe('k8s trigger configmap source', () => {
  it('reads the key through the API, in the sensor namespace by default', async () => {
    // Prepare
    server.seed({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'templates', namespace: 'argo-events' },
      data: { job: toYaml(job) },
    });

    // Act
    const outcome = await k8sTrigger.execute(
      k8sTrigger.render(
        { source: { configmap: { name: 'templates', key: 'job' } }, parameters: repoLabel },
        events,
        context,
      ),
      { kube },
    );

    // Assess
    expect(outcome.summary).toMatch(/^created batch\/v1 Job argo-events\/build-/);
    expect(server.requests[1]).toMatchObject({
      method: 'GET',
      path: '/api/v1/namespaces/argo-events/configmaps/templates',
    });
    expect(server.objects('Job')[0]?.metadata.labels?.repo).toBe('backend');
  });

  it('reads binaryData and honours an explicit namespace', async () => {
    // Prepare
    server.seed({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'templates', namespace: 'shared' },
      binaryData: { job: Buffer.from(JSON.stringify(job)).toString('base64') },
    });

    // Act
    const request = await resolveK8sRequest(
      k8sTrigger.render(
        { source: { configmap: { name: 'templates', key: 'job', namespace: 'shared' } } },
        events,
        context,
      ),
      { kube },
    );

    // Assess
    expect(request.deferred).toBeUndefined();
    expect(request.object).toMatchObject({ kind: 'Job', metadata: { namespace: 'argo-events' } });
  });

  it('names a missing key and lists the ones there are', async () => {
    // Prepare
    server.seed({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'templates', namespace: 'argo-events' },
      data: { other: 'x' },
    });

    // Act
    const err = await failure(
      k8sTrigger.execute(
        k8sTrigger.render({ source: { configmap: { name: 'templates', key: 'job' } } }, events, context),
        { kube },
      ),
    );

    // Assess
    expect(err.message).toContain('the ConfigMap has no such key (keys: other)');
    expect(isRetryable(err)).toBe(false);
  });

  it('reports a missing ConfigMap without retry and a 500 with retry', async () => {
    // Prepare
    const render = () =>
      k8sTrigger.render({ source: { configmap: { name: 'nope', key: 'job' } } }, events, context);

    // Act
    const missing = await failure(k8sTrigger.execute(render(), { kube }));
    server.inject({ path: /configmaps/, status: 500 });
    const broken = await failure(k8sTrigger.execute(render(), { kube }));

    // Assess
    expect(missing.message).toContain('configmaps "nope" not found');
    expect(isRetryable(missing)).toBe(false);
    expect(isRetryable(broken)).toBe(true);
  });

  it('says a configmap source needs cluster access in dry-run', async () => {
    // Act
    const err = await failure(
      k8sTrigger.execute(
        k8sTrigger.render({ source: { configmap: { name: 't', key: 'job' } } }, events, context),
        { log: () => {} },
      ),
    );

    // Assess
    expect(err.message).toContain('no cluster is configured');
  });
});

describe('k8s trigger liveObject', () => {
  it('applies the parameters to the live object and updates it, keeping fields the source lacks', async () => {
    // Prepare
    server.seed({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'argo-events', labels: { app: 'web' } },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'app', image: 'backend:v1' }] } } },
    });
    const spec: K8sTriggerSpec = {
      operation: 'update',
      liveObject: true,
      source: { resource: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } } },
      parameters: [
        {
          src: { dependencyName: 'push', dataKey: 'body.image' },
          dest: 'spec.template.spec.containers.0.image',
        },
      ],
    };

    // Act
    const outcome = await k8sTrigger.execute(k8sTrigger.render(spec, events, context), { kube });

    // Assess
    expect(outcome.summary).toBe('updated apps/v1 Deployment argo-events/web');
    const [live] = server.objects('Deployment');
    expect(live?.spec).toEqual({
      replicas: 3,
      template: { spec: { containers: [{ name: 'app', image: 'backend:v2' }] } },
    });
    expect(live?.metadata.labels).toEqual({ app: 'web' });
    const put = server.requests.find((r) => r.method === 'PUT');
    const sent = put?.body as { metadata?: { resourceVersion?: string } } | undefined;
    expect(sent?.metadata?.resourceVersion).toBeDefined();
  });

  it('fails without retry when the live object does not exist', async () => {
    // Prepare
    const spec: K8sTriggerSpec = {
      operation: 'update',
      liveObject: true,
      source: { resource: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gone' } } },
    };

    // Act
    const err = await failure(k8sTrigger.execute(k8sTrigger.render(spec, events, context), { kube }));

    // Assess
    expect(err.message).toContain('liveObject v1 ConfigMap argo-events/gone does not exist');
    expect(isRetryable(err)).toBe(false);
  });

  it('is ignored for operations other than update, as upstream', () => {
    // Act
    const request = k8sTrigger.render(
      {
        operation: 'create',
        liveObject: true,
        source: { resource: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } } },
      },
      events,
      context,
    );

    // Assess
    expect(request.deferred).toBeUndefined();
  });
});
