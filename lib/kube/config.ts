/**
 * Finds how to reach the Kubernetes API (DESIGN §3 "Kubernetes access"). In order: an EKS cluster name,
 * a kubeconfig held in Secrets Manager or SSM, an explicit kubeconfig path, `KUBECONFIG`, `~/.kube/config`.
 * Nothing found means dry-run: the caller prints objects instead of creating them.
 */
import { access, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KubeApiError } from '../errors.ts';
import { awsSecretId } from '../secrets/aws.ts';
import type { AwsCredentialProvider } from './eks.ts';
import type { KubeconfigSecretRef } from './kubeconfig-secret.ts';

/** Where a resolved configuration came from. */
export type KubeConfigOrigin = 'eks' | 'secret' | 'option' | 'env' | 'default';

/** Everything `createKubeClient` needs: kubeconfig text plus facts used in messages. */
export interface ResolvedKubeConfig {
  origin: KubeConfigOrigin;
  /** Kubeconfig YAML. */
  text: string;
  /** The file it was read from (relative certificate paths resolve against its folder). */
  path?: string;
  /** Context to use (default: the kubeconfig's `current-context`). */
  context?: string;
  /** API server URL of that context's cluster. */
  server: string;
  /** Default namespace of that context. */
  namespace?: string;
  /** Mints the bearer token for each request, overriding the kubeconfig's user (EKS: refreshed tokens). */
  bearerToken?: () => Promise<string>;
}

/** How to find cluster access; every field is optional. */
export interface KubeAccessOptions {
  /** An explicit kubeconfig file (e.g. `--kubeconfig`). */
  kubeconfigPath?: string;
  /** Context to use instead of `current-context`. */
  context?: string;
  /**
   * EKS cluster whose token is minted from the function's IAM role. With `endpoint` (and `caData`, the
   * base64 PEM of the cluster CA) no `eks:DescribeCluster` call is made.
   */
  eks?: { clusterName: string; region?: string; endpoint?: string; caData?: string; roleArn?: string };
  /** Secrets Manager secret id or SSM parameter name holding a kubeconfig. */
  kubeconfigSecret?: KubeconfigSecretRef;
  /** AWS client settings for the two above (tests point `endpoint` at loopback). */
  aws?: { region?: string; endpoint?: string; credentials?: AwsCredentialProvider };
  /** Environment to read `KUBECONFIG` from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Home folder for `~/.kube/config` (default `os.homedir()`). */
  homeDir?: string;
}

/** One way of finding cluster access: resolves to a configuration, or undefined to try the next. */
export type KubeConfigSource = (options: KubeAccessOptions) => Promise<ResolvedKubeConfig | undefined>;

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

interface KubeconfigDoc {
  'current-context'?: string;
  contexts?: { name: string; context?: { cluster?: string; namespace?: string } }[];
  clusters?: { name: string; cluster?: { server?: string } }[];
}

/** Reads the server and namespace of a kubeconfig's context; throws when the file cannot be used. */
export function describeKubeconfig(
  text: string,
  origin: KubeConfigOrigin,
  where: string,
  context?: string,
): ResolvedKubeConfig {
  const fail = (why: string) =>
    new KubeApiError(`kubeconfig ${where}: ${why}`, 0, { retryable: false, reason: 'InvalidKubeconfig' });
  let doc: KubeconfigDoc;
  try {
    doc = (parseYaml(text) ?? {}) as KubeconfigDoc;
  } catch (cause) {
    throw fail(`is not valid YAML (${(cause as Error).message})`);
  }
  const contextName = context ?? doc['current-context'];
  if (!contextName) throw fail('has no current-context; set one or pass a context');
  const ctx = doc.contexts?.find((c) => c.name === contextName);
  if (!ctx) throw fail(`has no context named "${contextName}"`);
  const cluster = doc.clusters?.find((c) => c.name === ctx.context?.cluster);
  const server = cluster?.cluster?.server;
  if (!server) throw fail(`context "${contextName}" names no cluster with a server`);
  return {
    origin,
    text,
    ...(origin === 'option' || origin === 'env' || origin === 'default' ? { path: where } : {}),
    context: contextName,
    server,
    ...(ctx.context?.namespace ? { namespace: ctx.context.namespace } : {}),
  };
}

async function fromFile(
  path: string,
  origin: KubeConfigOrigin,
  options: KubeAccessOptions,
): Promise<ResolvedKubeConfig> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (cause) {
    throw new KubeApiError(`kubeconfig ${absolute} cannot be read: ${(cause as Error).message}`, 0, {
      retryable: false,
      reason: 'InvalidKubeconfig',
      cause,
    });
  }
  return describeKubeconfig(text, origin, absolute, options.context);
}

/** Access through an EKS cluster name: a token minted from the IAM role, as `aws eks get-token` does. */
export const eksSource: KubeConfigSource = async (options) => {
  const eks = options.eks;
  if (!eks) return undefined;
  if (eks.roleArn) {
    // Silently ignoring it would act as a different identity than the manifest asked for.
    throw new KubeApiError(
      `eks.roleArn is not supported: give the function's own role an EKS access entry for cluster ${eks.clusterName}`,
      0,
      { retryable: false, reason: 'NotImplemented' },
    );
  }
  const { eksKubeConfig } = await import('./eks.ts');
  const region = eks.region ?? options.aws?.region ?? (options.env ?? process.env).AWS_REGION;
  return eksKubeConfig({
    clusterName: eks.clusterName,
    ...(region ? { region } : {}),
    ...(eks.endpoint ? { endpoint: eks.endpoint } : {}),
    ...(eks.caData ? { caData: eks.caData } : {}),
    ...(options.aws?.endpoint ? { eksApiEndpoint: options.aws.endpoint } : {}),
    ...(options.aws?.credentials ? { credentials: options.aws.credentials } : {}),
  });
};

/** A kubeconfig held in Secrets Manager or SSM Parameter Store. */
export const secretSource: KubeConfigSource = async (options) => {
  const ref = options.kubeconfigSecret;
  if (!ref) return undefined;
  const { describeSecretRef, readKubeconfigSecret } = await import('./kubeconfig-secret.ts');
  const text = await readKubeconfigSecret(ref, options.aws ?? {});
  return describeKubeconfig(text, 'secret', describeSecretRef(ref), options.context);
};

/** An explicit kubeconfig path: it must exist. */
export const optionSource: KubeConfigSource = async (options) =>
  options.kubeconfigPath === undefined ? undefined : fromFile(options.kubeconfigPath, 'option', options);

/** `KUBECONFIG`: the first listed file that exists (kubectl merges them; one file is enough here). */
export const envSource: KubeConfigSource = async (options) => {
  const value = (options.env ?? process.env).KUBECONFIG;
  if (!value) return undefined;
  for (const path of value.split(delimiter).filter((p) => p !== '')) {
    if (await exists(path)) return fromFile(path, 'env', options);
  }
  return undefined;
};

/** `~/.kube/config` when it exists. */
export const defaultSource: KubeConfigSource = async (options) => {
  const path = join(options.homeDir ?? homedir(), '.kube', 'config');
  return (await exists(path)) ? fromFile(path, 'default', options) : undefined;
};

/** The sources in DESIGN order; the first that resolves wins. */
export const KUBE_CONFIG_SOURCES: readonly KubeConfigSource[] = [
  eksSource,
  secretSource,
  optionSource,
  envSource,
  defaultSource,
];

/**
 * Resolves cluster access, or `undefined` when none is configured (the caller then runs in dry-run).
 * @example const config = await resolveKubeConfig({ kubeconfigPath: argv.kubeconfig });
 */
export async function resolveKubeConfig(
  options: KubeAccessOptions = {},
  sources: readonly KubeConfigSource[] = KUBE_CONFIG_SOURCES,
): Promise<ResolvedKubeConfig | undefined> {
  for (const source of sources) {
    const found = await source(options);
    if (found) return found;
  }
  return undefined;
}

/** Folder that relative certificate paths in the kubeconfig resolve against. */
export function kubeconfigDir(config: ResolvedKubeConfig): string | undefined {
  return config.path === undefined ? undefined : dirname(config.path);
}

/**
 * Cluster access as a deployed function's environment describes it (set by `infra/`):
 * `OUTRIGGER_EKS_CLUSTER` (+ `OUTRIGGER_EKS_REGION`, `OUTRIGGER_EKS_ENDPOINT`, `OUTRIGGER_EKS_CA`), or
 * `OUTRIGGER_KUBECONFIG_SECRET`, the name of a secret read as the selector `{name, key: kubeconfig}` is
 * (`<OUTRIGGER_SECRET_PREFIX>/<name>` in Secrets Manager, or in SSM when `OUTRIGGER_SECRETS=ssm`);
 * `KUBECONFIG` and `~/.kube/config` apply as always.
 */
export function kubeAccessFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): KubeAccessOptions {
  const options: KubeAccessOptions = { env };
  const cluster = env.OUTRIGGER_EKS_CLUSTER;
  if (cluster) {
    options.eks = {
      clusterName: cluster,
      ...(env.OUTRIGGER_EKS_REGION ? { region: env.OUTRIGGER_EKS_REGION } : {}),
      ...(env.OUTRIGGER_EKS_ENDPOINT ? { endpoint: env.OUTRIGGER_EKS_ENDPOINT } : {}),
      ...(env.OUTRIGGER_EKS_CA ? { caData: env.OUTRIGGER_EKS_CA } : {}),
    };
  }
  const secret = env.OUTRIGGER_KUBECONFIG_SECRET;
  if (secret) {
    const prefix = env.OUTRIGGER_SECRET_PREFIX ?? 'outrigger';
    options.kubeconfigSecret =
      env.OUTRIGGER_SECRETS === 'ssm'
        ? { parameterName: awsSecretId('ssm', prefix, secret) }
        : { secretId: awsSecretId('secretsmanager', prefix, secret) };
  }
  if (env.OUTRIGGER_KUBE_CONTEXT) options.context = env.OUTRIGGER_KUBE_CONTEXT;
  return options;
}
