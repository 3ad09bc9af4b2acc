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
}

/** How to find cluster access; every field is optional. */
export interface KubeAccessOptions {
  /** An explicit kubeconfig file (e.g. `--kubeconfig`). */
  kubeconfigPath?: string;
  /** Context to use instead of `current-context`. */
  context?: string;
  /** EKS cluster whose token is minted from the function's IAM role (issue 6). */
  eks?: { clusterName: string; region?: string; roleArn?: string };
  /** Secrets Manager secret id or SSM parameter name holding a kubeconfig (issue 6). */
  kubeconfigSecret?: { secretId?: string; parameterName?: string };
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

function notYet(what: string): KubeConfigSource {
  return async () => {
    // Silently falling through to a local kubeconfig would aim triggers at the wrong cluster.
    throw new KubeApiError(`${what} is not supported yet`, 0, { retryable: false, reason: 'NotImplemented' });
  };
}

/** Access through an EKS cluster name: a token minted from the IAM role, as `aws eks get-token` does. */
export const eksSource: KubeConfigSource = async (options) =>
  options.eks ? notYet('EKS cluster access (eks.clusterName)')(options) : undefined;

/** A kubeconfig held in Secrets Manager or SSM Parameter Store. */
export const secretSource: KubeConfigSource = async (options) =>
  options.kubeconfigSecret ? notYet('a kubeconfig from Secrets Manager or SSM')(options) : undefined;

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
