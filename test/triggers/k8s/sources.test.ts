import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { isRetryable, TriggerError } from '../../../lib/errors.ts';
import type { SensorEvent } from '../../../lib/events/envelope.ts';
import { createKubeClient, type KubeClient } from '../../../lib/kube/client.ts';
import { resolveKubeConfig } from '../../../lib/kube/config.ts';
import type { K8sTriggerSpec, S3Source, Trigger } from '../../../lib/manifests/types.ts';
import { createLocalSecretResolver } from '../../../lib/secrets/local.ts';
import {
  K8S_LABELS,
  type K8sRequest,
  k8sTrigger,
  resolveK8sRequest,
} from '../../../lib/triggers/k8s/index.ts';
import { s3Addressing, URL_SOURCE_MAX_BYTES } from '../../../lib/triggers/k8s/source.ts';
import { renderTrigger } from '../../../lib/triggers/run.ts';
import type { FiredEvents, RenderContext, TriggerOutcome } from '../../../lib/triggers/types.ts';
import { type ApiServer, startApiServer } from '../../support/apiserver.ts';
import { type Fauxqs, startFauxqs } from '../../support/fauxqs.ts';

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

/** The first execution created the parameterised Job from a deferred source; the replay found it done. */
function expectCreatedOnce(request: K8sRequest, first: TriggerOutcome, replay: TriggerOutcome): void {
  expect(request.deferred).toBeDefined();
  expect(first.summary).toMatch(/^created batch\/v1 Job argo-events\/build-[a-z2-7]{10}$/);
  expect(replay.alreadyDone).toBe(true);
  const jobs = server.objects('Job');
  expect(jobs).toHaveLength(1);
  expect(jobs[0]?.metadata.labels).toMatchObject({ repo: 'backend', [K8S_LABELS.trigger]: 'build' });
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
    expectCreatedOnce(request, first, replay);
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

describe('k8s trigger s3 source', () => {
  let s3: Fauxqs;
  let endpoint: string;
  const secrets = createLocalSecretResolver({
    env: { OUTRIGGER_SECRET_ARTIFACTS_ACCESSKEY: 'minio', OUTRIGGER_SECRET_ARTIFACTS_SECRETKEY: 'minio123' },
    baseDir: '/nonexistent',
  });
  const keys = {
    accessKey: { name: 'artifacts', key: 'accesskey' },
    secretKey: { name: 'artifacts', key: 'secretkey' },
  };
  const source = (key: string, bucket = 'workflows', more: Partial<S3Source> = {}): K8sTriggerSpec => ({
    source: { s3: { bucket: { name: bucket, key }, endpoint, insecure: true, ...keys, ...more } },
    parameters: repoLabel,
  });

  beforeAll(async () => {
    s3 = await startFauxqs();
    endpoint = new URL(s3.endpoint).host;
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: 'minio', secretAccessKey: 'minio123' },
    });
    await client.send(new CreateBucketCommand({ Bucket: 'workflows' }));
    const put = (Key: string, Body: string) =>
      client.send(new PutObjectCommand({ Bucket: 'workflows', Key, Body }));
    await put('hello-world.yaml', toYaml(job));
    await put('jobs/build.json', JSON.stringify(job));
    await put('broken.yaml', 'kind: [unclosed');
    await put('big.yaml', `# ${'x'.repeat(URL_SOURCE_MAX_BYTES + 10)}`);
    client.destroy();
  });

  afterAll(async () => {
    await s3.stop();
  });

  it('reads the object with the keys from the secret store, applies the parameters and creates it once', async () => {
    // Act
    const request = k8sTrigger.render(source('hello-world.yaml'), events, context);
    const first = await k8sTrigger.execute(request, { kube, secrets });
    const replay = await k8sTrigger.execute(k8sTrigger.render(source('jobs/build.json'), events, context), {
      kube,
      secrets,
    });

    // Assess
    expectCreatedOnce(request, first, replay);
  });

  it("uses the runner's own AWS credentials when the source names no keys", async () => {
    // Prepare
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'runner';
    process.env.AWS_SECRET_ACCESS_KEY = 'runner-secret';
    const spec: K8sTriggerSpec = {
      source: { s3: { bucket: { name: 'workflows', key: 'hello-world.yaml' }, endpoint, insecure: true } },
    };

    // Act
    const request = await resolveK8sRequest(k8sTrigger.render(spec, events, context), {}).finally(() => {
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    });

    // Assess
    expect(request.deferred).toBeUndefined();
    expect(request.object).toMatchObject({ kind: 'Job', metadata: { namespace: 'argo-events' } });
  });

  it('says where credentials come from when there are none, without retry', async () => {
    // Prepare: no keys on the source and none in the environment, files or instance metadata.
    const names = [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_PROFILE',
      'AWS_SHARED_CREDENTIALS_FILE',
      'AWS_CONFIG_FILE',
      'AWS_EC2_METADATA_DISABLED',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
    ];
    const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
    for (const name of names) delete process.env[name];
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    // Another spelling of the endpoint: a client of its own, not one an earlier test built.
    const spec: K8sTriggerSpec = {
      source: {
        s3: {
          bucket: { name: 'workflows', key: 'hello-world.yaml' },
          endpoint: endpoint.replace('127.0.0.1', 'localhost'),
          insecure: true,
        },
      },
    };

    // Act
    const err = await failure(k8sTrigger.execute(k8sTrigger.render(spec, events, context), { kube })).finally(
      () => {
        for (const name of names) {
          if (saved[name] === undefined) delete process.env[name];
          else process.env[name] = saved[name];
        }
      },
    );

    // Assess
    expect(err.message).toContain('source.s3 s3://workflows/hello-world.yaml: no AWS credentials');
    expect(isRetryable(err)).toBe(false);
  });

  it('fails without retry on a missing key, a missing bucket, an unreadable object and one over the cap', async () => {
    // Prepare
    const attempt = (spec: K8sTriggerSpec) =>
      failure(k8sTrigger.execute(k8sTrigger.render(spec, events, context), { kube, secrets }));

    // Act
    const noKey = await attempt(source('nope.yaml'));
    const noBucket = await attempt(source('hello-world.yaml', 'no-such-bucket'));
    const broken = await attempt(source('broken.yaml'));
    const big = await attempt(source('big.yaml'));

    // Assess
    expect(noKey.message).toContain('source.s3 s3://workflows/nope.yaml failed (404): NoSuchKey');
    expect(noBucket.message).toContain(
      'source.s3 s3://no-such-bucket/hello-world.yaml failed (404): NoSuchBucket',
    );
    expect(broken.message).toContain('source.s3 s3://workflows/broken.yaml is not valid YAML or JSON');
    expect(big.message).toContain(`larger than ${URL_SOURCE_MAX_BYTES} bytes`);
    for (const err of [noKey, noBucket, broken, big]) expect(isRetryable(err)).toBe(false);
    expect(server.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('retries when the store does not answer', async () => {
    // Prepare
    await s3.kill();

    // Act
    const err = await failure(
      k8sTrigger.execute(k8sTrigger.render(source('hello-world.yaml'), events, context), { kube, secrets }),
    ).finally(() => s3.start());

    // Assess
    expect(err.message).toContain('source.s3 s3://workflows/hello-world.yaml failed');
    expect(isRetryable(err)).toBe(true);
  });

  it("reads the key that trigger-level parameters chose, as Argo's complete-trigger-parameterization example does", async () => {
    // Prepare
    const trigger: Trigger = {
      template: { name: 'build', k8s: source('THIS_WILL_BE_REPLACED_KEY_FROM_EVENT') },
      parameters: [
        { src: { dependencyName: 'push', dataKey: 'body.template' }, dest: 'k8s.source.s3.bucket.key' },
      ],
    };
    const fired: FiredEvents = {
      push: { ...events.push!, data: { body: { repository: 'backend', template: 'jobs/build.json' } } },
    };

    // Act
    const { type, request } = renderTrigger(trigger, fired, context);
    const outcome = await type.execute(request, { kube, secrets });

    // Assess
    expect(outcome.summary).toMatch(/^created batch\/v1 Job argo-events\/build-/);
    expect(server.objects('Job')[0]?.metadata.labels?.repo).toBe('backend');
  });

  it('checks a location that trigger-level parameters rewrote, at render and without retry', () => {
    // Act
    const scheme = () =>
      k8sTrigger.render(source('k', 'workflows', { endpoint: `http://${endpoint}` }), events, context);
    const emptyKey = () => k8sTrigger.render(source(''), events, context);

    // Assess
    expect(scheme).toThrow('source.s3.endpoint "http://127.0.0.1:');
    expect(scheme).toThrow('must be a host or host:port without a scheme');
    expect(emptyKey).toThrow('source.s3 needs bucket.name and bucket.key');
  });

  it("leaves AWS's own endpoints to the SDK with the region they name, and sends others path-style", () => {
    // Prepare
    const at = (endpoint: string, more: Partial<S3Source> = {}) =>
      s3Addressing({ endpoint, bucket: { name: 'b', key: 'k' }, ...more }, 'eu-central-1');

    // Act + Assess
    expect(at('s3.amazonaws.com')).toEqual({
      endpoint: undefined,
      region: 'eu-central-1',
      forcePathStyle: false,
    });
    expect(at('s3.amazonaws.com', { region: 'us-west-2' }).region).toBe('us-west-2');
    expect(at('s3.eu-west-1.amazonaws.com').region).toBe('eu-west-1');
    expect(at('s3-us-gov-west-1.amazonaws.com').region).toBe('us-gov-west-1');
    expect(at('s3.dualstack.ap-southeast-2.amazonaws.com').region).toBe('ap-southeast-2');
    expect(at('s3.cn-north-1.amazonaws.com.cn').region).toBe('cn-north-1');
    expect(at('s3.amazonaws.com', { insecure: true })).toEqual({
      endpoint: 'http://s3.amazonaws.com',
      region: 'eu-central-1',
      forcePathStyle: false,
    });
    expect(at('minio-service.argo-events:9000', { insecure: true })).toEqual({
      endpoint: 'http://minio-service.argo-events:9000',
      region: 'eu-central-1',
      forcePathStyle: true,
    });
    expect(at('s3.amazonaws.com.evil.example')).toMatchObject({
      endpoint: 'https://s3.amazonaws.com.evil.example',
      forcePathStyle: true,
    });
  });

  it('needs both keys when one is named', async () => {
    // Act
    const err = await failure(
      k8sTrigger.execute(
        k8sTrigger.render(
          {
            source: { s3: { bucket: { name: 'workflows', key: 'k' }, endpoint, accessKey: keys.accessKey } },
          },
          events,
          context,
        ),
        { kube, secrets },
      ),
    );

    // Assess
    expect(err.message).toContain('accessKey and secretKey must be set together');
    expect(isRetryable(err)).toBe(false);
  });
});
