/**
 * Turns the selected context of a kubeconfig into what a request needs: the server URL, TLS material and
 * an `Authorization` header source. Covers what kubeconfigs for EKS, kind, k3s and service accounts use
 * (https://kubernetes.io/docs/reference/config-api/kubeconfig.v1/): bearer `token`/`tokenFile`, client
 * certificates, basic auth, CA files or data, `insecure-skip-tls-verify`, `tls-server-name`, and `exec`
 * credential plugins returning a token (`aws eks get-token`, `kubelogin`). `auth-provider` is refused.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KubeApiError } from '../errors.ts';
import { kubeconfigDir, type ResolvedKubeConfig } from './config.ts';

/** TLS options for node:https, each PEM. */
export interface KubeTls {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  servername?: string;
}

/** How to reach and authenticate to the API server of one kubeconfig context. */
export interface KubeConnection {
  server: string;
  /** Namespace of the context, `default` when it names none (kubectl's rule). */
  namespace: string;
  tls: KubeTls;
  /** The `Authorization` header value for the next request, if any (tokens may be refreshed). */
  authorization(): Promise<string | undefined>;
}

interface ExecConfig {
  command?: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  apiVersion?: string;
}

interface UserDoc {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  exec?: ExecConfig;
  'auth-provider'?: { name?: string };
}

interface ClusterDoc {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
}

interface Doc {
  'current-context'?: string;
  contexts?: { name: string; context?: { cluster?: string; user?: string; namespace?: string } }[];
  clusters?: { name: string; cluster?: ClusterDoc }[];
  users?: { name: string; user?: UserDoc }[];
}

function invalid(config: ResolvedKubeConfig, why: string, cause?: unknown): KubeApiError {
  const where = config.path ?? `from ${config.origin}`;
  return new KubeApiError(`kubeconfig ${where}: ${why}`, 0, {
    retryable: false,
    reason: 'InvalidKubeconfig',
    ...(cause === undefined ? {} : { cause }),
  });
}

const fromBase64 = (data: string) => Buffer.from(data, 'base64').toString('utf8');

/** Reads inline `*-data` (base64) or a file path relative to the kubeconfig's folder. */
async function material(
  config: ResolvedKubeConfig,
  data: string | undefined,
  file: string | undefined,
  field: string,
): Promise<string | undefined> {
  if (data) return fromBase64(data);
  if (!file) return undefined;
  const dir = kubeconfigDir(config);
  const path = isAbsolute(file) || dir === undefined ? file : join(dir, file);
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw invalid(config, `${field} ${path} cannot be read: ${(cause as Error).message}`, cause);
  }
}

interface ExecCredential {
  status?: { token?: string; expirationTimestamp?: string };
}

/**
 * Runs an exec credential plugin and caches its token until shortly before `expirationTimestamp`
 * (https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins).
 */
function execTokenSource(config: ResolvedKubeConfig, exec: ExecConfig): () => Promise<string> {
  const command = exec.command ?? '';
  if (!command) throw invalid(config, 'user.exec has no command');
  let cached: { token: Promise<string>; until: number } | undefined;
  async function run(): Promise<string> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const { name, value } of exec.env ?? []) env[name] = value;
    env.KUBERNETES_EXEC_INFO = JSON.stringify({
      apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(command, exec.args ?? [], { env, timeout: 30_000, maxBuffer: 1 << 20 }, (err, out, errOut) => {
        if (err) {
          const detail = String(errOut).trim().split('\n').slice(-3).join(' ');
          reject(invalid(config, `exec credential plugin ${command} failed: ${err.message} ${detail}`, err));
        } else resolve(String(out));
      });
    });
    let credential: ExecCredential;
    try {
      credential = JSON.parse(stdout) as ExecCredential;
    } catch (cause) {
      throw invalid(config, `exec credential plugin ${command} printed no ExecCredential JSON`, cause);
    }
    const token = credential.status?.token;
    if (!token) {
      throw invalid(
        config,
        `exec credential plugin ${command} returned no token (client certificates are not supported)`,
      );
    }
    const expires = Date.parse(credential.status?.expirationTimestamp ?? '');
    // No expiry means "valid for this process"; otherwise refresh a minute early.
    if (cached) cached.until = Number.isNaN(expires) ? Number.POSITIVE_INFINITY : expires - 60_000;
    return token;
  }
  return () => {
    if (cached && Date.now() < cached.until) return cached.token;
    // Concurrent first requests share one plugin run; a failed run is not kept.
    const entry = { token: run(), until: Number.POSITIVE_INFINITY };
    cached = entry;
    entry.token.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return entry.token;
  };
}

/** Reads cluster, user and namespace of the configuration's context (files read once, here). */
export async function connectionOf(config: ResolvedKubeConfig): Promise<KubeConnection> {
  let doc: Doc;
  try {
    doc = (parseYaml(config.text) ?? {}) as Doc;
  } catch (cause) {
    throw invalid(config, 'is not valid YAML', cause);
  }
  const contextName = config.context ?? doc['current-context'];
  const context = doc.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw invalid(config, `has no context named "${contextName ?? ''}"`);
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster ?? {};
  const user = doc.users?.find((u) => u.name === context.user)?.user ?? {};
  const server = (cluster.server ?? config.server).replace(/\/+$/, '');
  if (cluster['proxy-url']) throw invalid(config, 'proxy-url is not supported; reach the server directly');
  if (user['auth-provider']) {
    throw invalid(
      config,
      `user auth-provider "${user['auth-provider'].name ?? ''}" is not supported; use an exec plugin or a token`,
    );
  }

  const ca = await material(
    config,
    cluster['certificate-authority-data'],
    cluster['certificate-authority'],
    'certificate-authority',
  );
  const cert = await material(
    config,
    user['client-certificate-data'],
    user['client-certificate'],
    'client-certificate',
  );
  const key = await material(config, user['client-key-data'], user['client-key'], 'client-key');
  if ((cert === undefined) !== (key === undefined)) {
    throw invalid(config, 'a client certificate needs both client-certificate and client-key');
  }
  const tls: KubeTls = {
    rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(cluster['tls-server-name'] ? { servername: cluster['tls-server-name'] } : {}),
  };

  let authorization: () => Promise<string | undefined> = async () => undefined;
  if (config.bearerToken) {
    const mint = config.bearerToken;
    authorization = async () => `Bearer ${await mint()}`;
  } else if (user.token) {
    const header = `Bearer ${user.token}`;
    authorization = async () => header;
  } else if (user.tokenFile) {
    // A projected service-account token is rotated on disk: read it on each request, as client-go does
    // (it caches for a minute; a read per request is cheap enough here).
    const file = user.tokenFile;
    authorization = async () => {
      const token = await material(config, undefined, file, 'tokenFile');
      return `Bearer ${(token ?? '').trim()}`;
    };
  } else if (user.exec) {
    const token = execTokenSource(config, user.exec);
    authorization = async () => `Bearer ${await token()}`;
  } else if (user.username !== undefined && user.password !== undefined) {
    const header = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
    authorization = async () => header;
  }
  return { server, namespace: context.namespace || 'default', tls, authorization };
}
