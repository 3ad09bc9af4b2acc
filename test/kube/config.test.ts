import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiError } from '../../lib/errors.ts';
import { kubeAccessFromEnv, resolveKubeConfig } from '../../lib/kube/config.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'outrigger-kubeconfig-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function kubeconfig(server: string, namespace?: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: c\n  cluster:\n    server: ${server}`,
    'contexts:',
    `- name: ctx\n  context:\n    cluster: c\n    user: u${namespace ? `\n    namespace: ${namespace}` : ''}`,
    'users:',
    '- name: u\n  user:\n    token: t',
    'current-context: ctx',
    '',
  ].join('\n');
}

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('resolveKubeConfig', () => {
  it('prefers an explicit path over KUBECONFIG and the default file', async () => {
    // Prepare
    const explicit = await file('explicit', kubeconfig('https://explicit:6443', 'ci'));
    const fromEnv = await file('env', kubeconfig('https://env:6443'));

    // Act
    const config = await resolveKubeConfig({
      kubeconfigPath: explicit,
      env: { KUBECONFIG: fromEnv },
      homeDir: dir,
    });

    // Assess
    expect(config).toMatchObject({
      origin: 'option',
      server: 'https://explicit:6443',
      namespace: 'ci',
      context: 'ctx',
      path: explicit,
    });
  });

  it('uses the first existing file listed in KUBECONFIG', async () => {
    // Prepare
    const fromEnv = await file('env', kubeconfig('https://env:6443'));

    // Act
    const config = await resolveKubeConfig({
      env: { KUBECONFIG: [join(dir, 'missing'), fromEnv].join(delimiter) },
      homeDir: dir,
    });

    // Assess
    expect(config).toMatchObject({ origin: 'env', server: 'https://env:6443' });
  });

  it('falls back to ~/.kube/config when it exists', async () => {
    // Prepare
    await mkdir(join(dir, '.kube'));
    await file('.kube/config', kubeconfig('https://home:6443'));

    // Act
    const config = await resolveKubeConfig({ env: {}, homeDir: dir });

    // Assess
    expect(config).toMatchObject({ origin: 'default', server: 'https://home:6443' });
  });

  it('returns undefined when nothing is configured, so the caller runs in dry-run', async () => {
    // Act
    const config = await resolveKubeConfig({ env: {}, homeDir: dir });

    // Assess
    expect(config).toBeUndefined();
  });

  it('refuses an explicit path that does not exist, naming it', async () => {
    // Act
    const outcome = resolveKubeConfig({ kubeconfigPath: join(dir, 'nope'), env: {}, homeDir: dir });

    // Assess
    await expect(outcome).rejects.toThrow(KubeApiError);
    await expect(outcome).rejects.toThrow(join(dir, 'nope'));
  });

  it('refuses a kubeconfig whose context is missing', async () => {
    // Prepare
    const path = await file('k', kubeconfig('https://x:6443'));

    // Act
    const outcome = resolveKubeConfig({ kubeconfigPath: path, context: 'other', env: {} });

    // Assess
    await expect(outcome).rejects.toThrow('has no context named "other"');
  });

  it('uses an EKS cluster before any kubeconfig file', async () => {
    // Prepare
    const path = await file('k', kubeconfig('https://x:6443'));

    // Act
    const config = await resolveKubeConfig({
      eks: { clusterName: 'prod', region: 'eu-west-1', endpoint: 'https://prod.eks:443' },
      kubeconfigPath: path,
      env: {},
    });

    // Assess
    expect(config).toMatchObject({ origin: 'eks', server: 'https://prod.eks:443' });
    expect(typeof config?.bearerToken).toBe('function');
  });

  it('does not fall through to a local kubeconfig when the configured EKS access fails', async () => {
    // Prepare
    const path = await file('k', kubeconfig('https://x:6443'));

    // Act
    const outcome = resolveKubeConfig({
      eks: { clusterName: 'prod', region: 'eu-west-1', roleArn: 'arn:aws:iam::1:role/r' },
      kubeconfigPath: path,
      env: {},
    });

    // Assess
    await expect(outcome).rejects.toThrow(KubeApiError);
  });
});

describe('kubeAccessFromEnv', () => {
  it('reads the EKS cluster, endpoint and CA the deployment sets', () => {
    // Act
    const options = kubeAccessFromEnv({
      OUTRIGGER_EKS_CLUSTER: 'prod',
      OUTRIGGER_EKS_REGION: 'eu-west-1',
      OUTRIGGER_EKS_ENDPOINT: 'https://prod.eks',
      OUTRIGGER_EKS_CA: 'Q0E=',
    });

    // Assess
    expect(options.eks).toEqual({
      clusterName: 'prod',
      region: 'eu-west-1',
      endpoint: 'https://prod.eks',
      caData: 'Q0E=',
    });
    expect(options.kubeconfigSecret).toBeUndefined();
  });

  it('names the kubeconfig secret as the secret resolver does, in Secrets Manager or SSM', () => {
    // Act
    const sm = kubeAccessFromEnv({ OUTRIGGER_KUBECONFIG_SECRET: 'cluster' });
    const ssm = kubeAccessFromEnv({
      OUTRIGGER_KUBECONFIG_SECRET: 'cluster',
      OUTRIGGER_SECRETS: 'ssm',
      OUTRIGGER_SECRET_PREFIX: 'team',
    });

    // Assess
    expect(sm.kubeconfigSecret).toEqual({ secretId: 'outrigger/cluster' });
    expect(ssm.kubeconfigSecret).toEqual({ parameterName: '/team/cluster' });
  });
});
