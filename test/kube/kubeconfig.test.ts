import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { createKubeClient } from '../../lib/kube/client.ts';
import { resolveKubeConfig } from '../../lib/kube/config.ts';
import { connectionOf } from '../../lib/kube/kubeconfig.ts';
import { type ApiServer, startApiServer } from '../support/apiserver.ts';

let server: ApiServer;
let dir: string;

beforeEach(async () => {
  server = await startApiServer({ namespace: 'ci' });
  dir = await mkdtemp(join(tmpdir(), 'outrigger-kubeconfig-'));
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function withUser(user: Record<string, unknown>): Promise<string> {
  const doc = parseYaml(await readFile(server.kubeconfigPath, 'utf8')) as { users: { user: unknown }[] };
  doc.users[0]!.user = user;
  const path = join(dir, 'kubeconfig');
  await writeFile(path, toYaml(doc));
  return path;
}

async function clientFor(path: string) {
  const config = await resolveKubeConfig({ kubeconfigPath: path, env: {} });
  if (!config) throw new Error('kubeconfig did not resolve');
  return createKubeClient(config, { timeoutMs: 5000 });
}

describe('kubeconfig users', () => {
  it('runs an exec credential plugin once and reuses its token until it expires', async () => {
    // Prepare
    const plugin = join(dir, 'plugin.mjs');
    const runs = join(dir, 'runs');
    await writeFile(
      plugin,
      [
        "import { appendFileSync } from 'node:fs';",
        `appendFileSync(${JSON.stringify(runs)}, process.env.KUBERNETES_EXEC_INFO + '\\n');`,
        'const expirationTimestamp = new Date(Date.now() + 3600_000).toISOString();',
        'console.log(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1beta1", kind: "ExecCredential",',
        '  status: { token: process.env.TEST_TOKEN, expirationTimestamp } }));',
      ].join('\n'),
    );
    const path = await withUser({
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: process.execPath,
        args: [plugin],
        env: [{ name: 'TEST_TOKEN', value: server.token }],
      },
    });
    const kube = await clientFor(path);

    // Act
    await kube.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    await kube.get('v1', 'ConfigMap', 'ci', 'a');

    // Assess
    const lines = (await readFile(runs, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
    expect(server.requests.every((r) => r.headers.authorization === `Bearer ${server.token}`)).toBe(true);
  });

  it('reads a tokenFile on each request, so a rotated token is picked up', async () => {
    // Prepare
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, 'old-token\n');
    const kube = await clientFor(await withUser({ tokenFile }));

    // Act
    const before = await kube.get('v1', 'ConfigMap', 'ci', 'x').catch((e: unknown) => e);
    await writeFile(tokenFile, `${server.token}\n`);
    const after = await kube.get('v1', 'ConfigMap', 'ci', 'x').catch((e: unknown) => e);

    // Assess
    expect(before).toMatchObject({ status: 401 });
    expect(after).toMatchObject({ status: 404 });
  });

  it('refuses auth-provider users, saying what to use instead', async () => {
    // Prepare
    const path = await withUser({ 'auth-provider': { name: 'gcp' } });
    const config = await resolveKubeConfig({ kubeconfigPath: path, env: {} });

    // Act
    const outcome = connectionOf(config!);

    // Assess
    await expect(outcome).rejects.toThrow(
      'user auth-provider "gcp" is not supported; use an exec plugin or a token',
    );
  });

  it('sends basic auth when the user has a username and password', async () => {
    // Prepare
    const path = await withUser({ username: 'admin', password: 's3cret' });
    const config = await resolveKubeConfig({ kubeconfigPath: path, env: {} });

    // Act
    const connection = await connectionOf(config!);

    // Assess
    expect(await connection.authorization()).toBe(`Basic ${Buffer.from('admin:s3cret').toString('base64')}`);
    expect(connection.namespace).toBe('ci');
  });
});
