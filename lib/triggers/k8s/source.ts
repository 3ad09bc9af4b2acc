/**
 * The I/O half of a k8s trigger's `source` (upstream's FetchResource,
 * argoproj/argo-events: pkg/sensors/artifacts/url.go, configmap.go and s3.go): `url` is fetched with a GET,
 * `configmap` is read through the Kubernetes API (upstream reads a mounted volume; a function has none),
 * `s3` with a GetObject. Each holds one object as YAML or JSON.
 */
import { parse as parseYaml } from 'yaml';
import { KubeApiError, TriggerError } from '../../errors.ts';
import type { ArtifactLocation, S3Source } from '../../manifests/types.ts';
import {
  cachedClient,
  clientKey,
  fromSdkError,
  manifestCredentials,
  sdkClientConfig,
} from '../aws-client.ts';
import { redactUrl, sendRequest } from '../http/request.ts';
import type { TriggerClients } from '../types.ts';

/** Deadline of a url source GET or an s3 source GetObject. */
export const URL_SOURCE_TIMEOUT_MS = 10_000;
/** Largest url or s3 source accepted: a manifest, not a download. */
export const URL_SOURCE_MAX_BYTES = 1 << 20;

/** What a fetch needs besides the source. */
export interface SourceFetchOptions {
  /** The trigger's clients: `kube` for a configmap, `secrets` and `aws` for s3, `allowLinkLocal` for url. */
  clients: Pick<TriggerClients, 'kube' | 'allowLinkLocal' | 'secrets' | 'aws'>;
  /** Namespace of a ConfigMap that names none (the sensor's). */
  namespace: string | undefined;
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
    allowLinkLocal: options.clients.allowLinkLocal === true,
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
  if (response.truncated) throw tooLarge(what, options.where);
  return parseObject(response.body, what, options.where);
}

async function readConfigMap(
  source: NonNullable<ArtifactLocation['configmap']>,
  options: SourceFetchOptions,
): Promise<unknown> {
  const namespace = source.namespace ?? options.namespace;
  const what = `source.configmap ${namespace ? `${namespace}/` : ''}${source.name} key ${source.key}`;
  const { kube } = options.clients;
  if (!kube) {
    throw new TriggerError(
      `${options.where}: ${what} is read through the Kubernetes API, and no cluster is configured (dry-run); use source.resource or configure cluster access`,
      { retryable: false },
    );
  }
  let configMap: { data?: Record<string, string>; binaryData?: Record<string, string> };
  try {
    configMap = (await kube.get('v1', 'ConfigMap', namespace, source.name)) as typeof configMap;
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

type S3Sdk = typeof import('@aws-sdk/client-s3');
let s3Sdk: Promise<S3Sdk> | undefined;
const s3Clients = new Map<string, InstanceType<S3Sdk['S3Client']>>();

/** Where and how an S3 client for `source` sends its requests. */
export interface S3Addressing {
  /** undefined: the SDK's own endpoint for the region. */
  endpoint: string | undefined;
  region: string;
  /** `https://host/bucket/key` (MinIO, emulators) rather than `https://bucket.host/key` (AWS). */
  forcePathStyle: boolean;
}

// AWS's own endpoints: `s3.amazonaws.com`, `s3.<region>…` or `s3-<region>…`, dualstack, China.
const AWS_S3 = /^s3(?:[.-]dualstack)?(?:[.-]([a-z]{2}(?:-[a-z]+)+-\d))?\.amazonaws\.com(?:\.cn)?(?::443)?$/;

/**
 * How to reach `source`: AWS's own endpoints are addressed virtual-hosted, over https by the SDK itself from
 * the region (the source's, else the endpoint's, else the function's); any other endpoint (MinIO, an
 * emulator) gets path-style requests, as minio-go sends them. `insecure` means http, as upstream.
 */
export function s3Addressing(source: S3Source, defaultRegion: string | undefined): S3Addressing {
  const aws = AWS_S3.exec(source.endpoint.toLowerCase());
  const region = source.region || aws?.[1] || defaultRegion || 'us-east-1';
  if (aws && !source.insecure) return { endpoint: undefined, region, forcePathStyle: false };
  const endpoint = `${source.insecure ? 'http' : 'https'}://${source.endpoint}`;
  return { endpoint, region, forcePathStyle: !aws };
}

async function readS3(source: S3Source, options: SourceFetchOptions): Promise<unknown> {
  const { name: bucket, key } = source.bucket;
  const what = `source.s3 s3://${bucket}/${key}`;
  const credentials = await manifestCredentials(
    options.clients,
    source.accessKey,
    source.secretKey,
    `${options.where}: ${what}`,
  );
  const { endpoint, region, forcePathStyle } = s3Addressing(source, process.env.AWS_REGION);
  s3Sdk ??= import('@aws-sdk/client-s3');
  const { S3Client, GetObjectCommand } = await s3Sdk;
  const cacheKey = `${endpoint ?? ''}\u0000${clientKey(region, credentials)}`;
  const client = cachedClient(s3Clients, cacheKey, () => {
    // The runner's own endpoint (`clients.aws`, tests) applies only where the source leaves it to the SDK.
    const config = sdkClientConfig({ region, endpoint, credentials }, options.clients.aws ?? {});
    return new S3Client({ ...config, forcePathStyle, followRegionRedirects: true });
  });
  let text: string;
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
      abortSignal: AbortSignal.timeout(URL_SOURCE_TIMEOUT_MS),
    });
    if ((out.ContentLength ?? 0) > URL_SOURCE_MAX_BYTES) throw tooLarge(what, options.where);
    text = (await out.Body?.transformToString('utf8')) ?? '';
  } catch (err) {
    if ((err as Error).name === 'CredentialsProviderError') {
      throw new TriggerError(
        `${options.where}: ${what}: no AWS credentials (set accessKey and secretKey on the source, or give the runner AWS credentials: AWS_PROFILE or AWS_ACCESS_KEY_ID)`,
        { retryable: false, cause: err },
      );
    }
    throw fromSdkError(err, `${options.where}: ${what}`);
  }
  if (Buffer.byteLength(text) > URL_SOURCE_MAX_BYTES) throw tooLarge(what, options.where);
  return parseObject(text, what, options.where);
}

const tooLarge = (what: string, where: string) =>
  new TriggerError(`${where}: ${what} is larger than ${URL_SOURCE_MAX_BYTES} bytes`, { retryable: false });

/** True when the source must be fetched at execute time. */
export function isRemoteSource(source: ArtifactLocation | undefined): boolean {
  return source?.url !== undefined || source?.configmap !== undefined || source?.s3 !== undefined;
}

/** Fetches a `url`, `configmap` or `s3` source and parses the object it holds. */
export async function fetchSource(source: ArtifactLocation, options: SourceFetchOptions): Promise<unknown> {
  if (source.url !== undefined) return fetchUrl(source.url, options);
  if (source.configmap !== undefined) return readConfigMap(source.configmap, options);
  if (source.s3 !== undefined) return readS3(source.s3, options);
  throw new TriggerError(`${options.where}: source has neither url, configmap nor s3`, { retryable: false });
}
