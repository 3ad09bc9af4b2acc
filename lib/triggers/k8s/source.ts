/**
 * The I/O half of a k8s trigger's `source` (upstream's FetchResource,
 * argoproj/argo-events: pkg/sensors/artifacts/url.go and configmap.go): `url` is fetched with a GET,
 * `configmap` is read through the Kubernetes API (upstream reads a mounted volume; a function has none).
 * Both hold one object as YAML or JSON.
 */
import { parse as parseYaml } from 'yaml';
import { KubeApiError, TriggerError } from '../../errors.ts';
import type { KubeClient } from '../../kube/client.ts';
import type { ArtifactLocation } from '../../manifests/types.ts';
import { redactUrl, sendRequest } from '../http/request.ts';

/** Deadline of a url source GET. */
export const URL_SOURCE_TIMEOUT_MS = 10_000;
/** Largest url source accepted: a manifest, not a download. */
export const URL_SOURCE_MAX_BYTES = 1 << 20;

/** What a fetch needs besides the source. */
export interface SourceFetchOptions {
  kube?: KubeClient;
  /** Namespace of a ConfigMap that names none (the sensor's). */
  namespace: string | undefined;
  allowLinkLocal?: boolean;
  /** Prefix of every message, naming trigger and sensor. */
  where: string;
}

function parseObject(text: string, what: string, where: string): unknown {
  try {
    return parseYaml(text);
  } catch (cause) {
    // The parser's message quotes the text; say where instead.
    throw new TriggerError(`${where}: ${what} is not valid YAML or JSON (${(cause as Error).name})`, {
      retryable: false,
    });
  }
}

async function fetchUrl(
  source: NonNullable<ArtifactLocation['url']>,
  options: SourceFetchOptions,
): Promise<unknown> {
  const what = `source.url ${redactUrl(source.path)}`;
  const response = await sendRequest({
    url: source.path,
    method: 'GET',
    headers: [['accept', 'application/yaml, application/json;q=0.9, */*;q=0.8']],
    timeoutMs: URL_SOURCE_TIMEOUT_MS,
    maxResponseBytes: URL_SOURCE_MAX_BYTES,
    allowLinkLocal: options.allowLinkLocal === true,
    // Upstream skips certificate checks unless verifyCert is true; we check them unless it is false.
    ...(source.verifyCert === false ? { tls: { rejectUnauthorized: false } } : {}),
  }).catch((err: unknown) => {
    const retryable = err instanceof TriggerError ? err.retryable : true;
    throw new TriggerError(`${options.where}: ${what}: ${(err as Error).message}`, { retryable, cause: err });
  });
  if (response.status < 200 || response.status > 299) {
    const retryable = response.status === 429 || response.status >= 500;
    throw new TriggerError(`${options.where}: ${what} answered ${response.status}`, { retryable });
  }
  if (response.truncated) {
    throw new TriggerError(`${options.where}: ${what} is larger than ${URL_SOURCE_MAX_BYTES} bytes`, {
      retryable: false,
    });
  }
  return parseObject(response.body, what, options.where);
}

async function readConfigMap(
  source: NonNullable<ArtifactLocation['configmap']>,
  options: SourceFetchOptions,
): Promise<unknown> {
  const namespace = source.namespace ?? options.namespace;
  const what = `source.configmap ${namespace ? `${namespace}/` : ''}${source.name} key ${source.key}`;
  if (!options.kube) {
    throw new TriggerError(
      `${options.where}: ${what} is read through the Kubernetes API, and no cluster is configured (dry-run); use source.resource or configure cluster access`,
      { retryable: false },
    );
  }
  let configMap: { data?: Record<string, string>; binaryData?: Record<string, string> };
  try {
    configMap = (await options.kube.get('v1', 'ConfigMap', namespace, source.name)) as typeof configMap;
  } catch (err) {
    if (err instanceof KubeApiError) {
      throw new TriggerError(`${options.where}: ${what}: ${err.message}`, {
        retryable: err.retryable,
        cause: err,
      });
    }
    throw err;
  }
  const binary = configMap.binaryData?.[source.key];
  const text =
    configMap.data?.[source.key] ??
    (binary === undefined ? undefined : Buffer.from(binary, 'base64').toString('utf8'));
  if (text === undefined) {
    const keys = Object.keys({ ...configMap.data, ...configMap.binaryData }).join(', ') || 'none';
    throw new TriggerError(`${options.where}: ${what}: the ConfigMap has no such key (keys: ${keys})`, {
      retryable: false,
    });
  }
  return parseObject(text, what, options.where);
}

/** True when the source must be fetched at execute time. */
export function isRemoteSource(source: ArtifactLocation | undefined): boolean {
  return source?.url !== undefined || source?.configmap !== undefined;
}

/** Fetches a `url` or `configmap` source and parses the object it holds. */
export async function fetchSource(source: ArtifactLocation, options: SourceFetchOptions): Promise<unknown> {
  if (source.url !== undefined) return fetchUrl(source.url, options);
  if (source.configmap !== undefined) return readConfigMap(source.configmap, options);
  throw new TriggerError(`${options.where}: source has neither url nor configmap`, { retryable: false });
}
