import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { KubeApiError } from '../../lib/errors.ts';
import { createKubeClient } from '../../lib/kube/client.ts';
import { resolveKubeConfig } from '../../lib/kube/config.ts';
import { makeTestCertificates, type TestCertificates } from '../support/apiserver/certs.ts';
import { type ApiServer, startApiServer } from '../support/apiserver.ts';

let certs: TestCertificates;
let server: ApiServer;
let dir: string;

interface KubeconfigDoc {
  clusters: { cluster: Record<string, unknown> }[];
  users: { user: Record<string, unknown> }[];
}

beforeAll(async () => {
  certs = makeTestCertificates();
  server = await startApiServer({
    namespace: 'ci',
    tls: {
      ca: certs.ca,
      cert: certs.serverCert,
      key: certs.serverKey,
      client: { cert: certs.clientCert, key: certs.clientKey },
    },
  });
  dir = await mkdtemp(join(tmpdir(), 'outrigger-tls-'));
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function variant(name: string, edit: (doc: KubeconfigDoc) => void): Promise<string> {
  const doc = parseYaml(await readFile(server.kubeconfigPath, 'utf8')) as KubeconfigDoc;
  edit(doc);
  const path = join(dir, name);
  await writeFile(path, toYaml(doc));
  return path;
}

async function clientFor(path: string) {
  const config = await resolveKubeConfig({ kubeconfigPath: path, env: {} });
  if (!config) throw new Error('kubeconfig did not resolve');
  return createKubeClient(config, { timeoutMs: 2000 });
}

describe('TLS to the API server', () => {
  it('verifies the server against the kubeconfig CA and authenticates with a client certificate', async () => {
    // Prepare
    const kube = await clientFor(server.kubeconfigPath);

    // Act
    const created = await kube.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tls' } });

    // Assess
    expect(created.metadata.namespace).toBe('ci');
    const post = server.requests.find((r) => r.method === 'POST');
    expect(post?.clientUser).toBe(certs.clientUser);
    expect(post?.headers.authorization).toBeUndefined();
  });

  it('reads CA, certificate and key files relative to the kubeconfig folder', async () => {
    // Prepare
    await writeFile(join(dir, 'ca.crt'), certs.ca);
    await writeFile(join(dir, 'client.crt'), certs.clientCert);
    await writeFile(join(dir, 'client.key'), certs.clientKey);
    const path = await variant('files', (doc) => {
      const cluster = doc.clusters[0]!.cluster;
      delete cluster['certificate-authority-data'];
      cluster['certificate-authority'] = 'ca.crt';
      doc.users[0]!.user = { 'client-certificate': 'client.crt', 'client-key': 'client.key' };
    });
    const kube = await clientFor(path);

    // Act
    const list = await kube.list?.('v1', 'ConfigMap', 'ci');

    // Assess
    expect(Array.isArray(list)).toBe(true);
  });

  it('refuses a server whose certificate the kubeconfig does not trust, without retry', async () => {
    // Prepare
    const path = await variant('no-ca', (doc) => {
      delete doc.clusters[0]!.cluster['certificate-authority-data'];
    });
    const kube = await clientFor(path);

    // Act
    const err = await kube.get('v1', 'ConfigMap', 'ci', 'x').catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toMatchObject({ status: 0, retryable: false, reason: 'CertificateNotTrusted' });
    expect((err as Error).message).toContain('certificate-authority-data');
  });

  it('skips verification only when the kubeconfig says insecure-skip-tls-verify', async () => {
    // Prepare
    const path = await variant('insecure', (doc) => {
      const cluster = doc.clusters[0]!.cluster;
      delete cluster['certificate-authority-data'];
      cluster['insecure-skip-tls-verify'] = true;
    });
    const kube = await clientFor(path);

    // Act
    const err = await kube.get('v1', 'ConfigMap', 'ci', 'x').catch((e: unknown) => e);

    // Assess
    expect(err).toMatchObject({ status: 404 });
  });

  it('names a certificate file that cannot be read', async () => {
    // Prepare
    const path = await variant('missing-file', (doc) => {
      doc.users[0]!.user = { 'client-certificate': 'nope.crt', 'client-key': 'nope.key' };
    });
    const kube = await clientFor(path);

    // Act
    const err = await kube.get('v1', 'ConfigMap', 'ci', 'x').catch((e: unknown) => e);

    // Assess
    expect(err).toMatchObject({ retryable: false, reason: 'InvalidKubeconfig' });
    expect((err as Error).message).toContain(join(dir, 'nope.crt'));
  });
});
