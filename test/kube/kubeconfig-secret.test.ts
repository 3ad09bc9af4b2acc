import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError } from '../../lib/errors.ts';
import { createKubeClient } from '../../lib/kube/client.ts';
import { resolveKubeConfig } from '../../lib/kube/config.ts';
import { kubeconfigText } from '../../lib/kube/kubeconfig-secret.ts';
import { type ApiServer, startApiServer } from '../support/apiserver.ts';
import { type AwsJsonServer, startAwsJsonServer } from '../support/aws-json-server.ts';

/** Secrets Manager and SSM on loopback, so the real SDK clients run end to end. */
const store = new Map<string, string>();
const calls: string[] = [];
let aws: AwsJsonServer;
let endpoint: string;
let apiserver: ApiServer;
let kubeconfig: string;
const credentials = async () => ({ accessKeyId: 'test', secretAccessKey: 'test' });

beforeAll(async () => {
  aws = await startAwsJsonServer(store, calls);
  endpoint = aws.endpoint;
  apiserver = await startApiServer({ namespace: 'ci' });
  kubeconfig = await readFile(apiserver.kubeconfigPath, 'utf8');
  store.set('outrigger/cluster', JSON.stringify({ kubeconfig }));
  store.set('/outrigger/cluster', kubeconfig);
  store.set('bad-json', JSON.stringify({ other: 'x' }));
});

afterAll(async () => {
  await apiserver.close();
  await aws.close();
});

describe('kubeconfig from Secrets Manager or SSM', () => {
  it('reads a Secrets Manager secret holding {"kubeconfig": ...} and reaches the cluster it names', async () => {
    // Act
    const config = await resolveKubeConfig({
      kubeconfigSecret: { secretId: 'outrigger/cluster' },
      aws: { endpoint, region: 'eu-west-1', credentials },
      env: {},
    });
    if (!config) throw new Error('the secret did not resolve');
    const created = await createKubeClient(config).create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'from-secret' },
    });

    // Assess
    expect(config).toMatchObject({ origin: 'secret', server: apiserver.url, namespace: 'ci' });
    expect(config.path).toBeUndefined();
    expect(created.metadata.namespace).toBe('ci');
    expect(calls).toContain('secretsmanager.GetSecretValue outrigger/cluster');
  });

  it('reads a decrypted SSM parameter holding the kubeconfig YAML', async () => {
    // Act
    const config = await resolveKubeConfig({
      kubeconfigSecret: { parameterName: '/outrigger/cluster' },
      aws: { endpoint, region: 'eu-west-1', credentials },
      env: {},
    });

    // Assess
    expect(config).toMatchObject({ origin: 'secret', server: apiserver.url });
    expect(calls).toContain('AmazonSSM.GetParameter /outrigger/cluster decrypted');
  });

  it('names a missing secret, without retry', async () => {
    // Act
    const err = await resolveKubeConfig({
      kubeconfigSecret: { secretId: 'missing' },
      aws: { endpoint, region: 'eu-west-1', credentials },
      env: {},
    }).catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toMatchObject({ retryable: false });
    expect((err as Error).message).toBe('kubeconfig from Secrets Manager secret missing: not found');
  });

  it('says what to grant when the role may not read the secret', async () => {
    // Act
    const outcome = resolveKubeConfig({
      kubeconfigSecret: { secretId: 'denied' },
      aws: { endpoint, region: 'eu-west-1', credentials },
      env: {},
    });

    // Assess
    await expect(outcome).rejects.toThrow("access denied: grant the function's role read access");
  });

  it('refuses a JSON secret without a kubeconfig field, and never quotes the value', async () => {
    // Act
    const err = await resolveKubeConfig({
      kubeconfigSecret: { secretId: 'bad-json' },
      aws: { endpoint, region: 'eu-west-1', credentials },
      env: {},
    }).catch((e: unknown) => e);

    // Assess
    expect((err as Error).message).toContain('without a "kubeconfig" string field');
    expect((err as Error).message).not.toContain('other');
  });

  it('reports an unreachable AWS endpoint as retryable', async () => {
    // Act
    const err = await resolveKubeConfig({
      kubeconfigSecret: { secretId: 'outrigger/cluster' },
      aws: { endpoint: 'http://127.0.0.1:9', region: 'eu-west-1', credentials },
      env: {},
    }).catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toMatchObject({ retryable: true });
  });

  it('takes a kubeconfig written as JSON as it is', () => {
    // Prepare
    const json = JSON.stringify({ clusters: [], contexts: [] });

    // Act
    const text = kubeconfigText(json, 'test');

    // Assess
    expect(text).toBe(json);
  });
});
