/**
 * What the AWS-calling triggers (awsLambda, eventBridge) share: credentials from the manifest's secret
 * references, SDK clients built once per region and key, and a mapping of SDK failures onto retryable or
 * final `TriggerError`s.
 */
import { TriggerError } from '../errors.ts';
import type { SecretKeySelector } from '../manifests/types.ts';
import { secretValue } from './http/secrets.ts';
import type { AwsClientOptions, AwsStaticCredentials, TriggerClients } from './types.ts';

/** Static keys from `accessKey`/`secretKey`, or undefined to use the function's own role. */
export async function manifestCredentials(
  clients: TriggerClients,
  accessKey: SecretKeySelector | undefined,
  secretKey: SecretKeySelector | undefined,
  what: string,
): Promise<AwsStaticCredentials | undefined> {
  if (!accessKey && !secretKey) return undefined;
  if (!accessKey || !secretKey) {
    throw new TriggerError(`${what}: accessKey and secretKey must be set together`, { retryable: false });
  }
  return {
    accessKeyId: await secretValue(clients, accessKey, `${what} accessKey`),
    secretAccessKey: await secretValue(clients, secretKey, `${what} secretKey`),
  };
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  $retryable?: unknown;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
}

const THROTTLING = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'Throttling',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'EC2ThrottledException',
]);

/** An SDK failure as a `TriggerError`: throttling, 5xx and transport errors are retryable, the rest final. */
export function fromSdkError(err: unknown, what: string): TriggerError {
  if (err instanceof TriggerError) return err;
  const shape = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  const retryable =
    status === undefined ||
    status === 429 ||
    status >= 500 ||
    shape.$retryable !== undefined ||
    shape.$fault === 'server' ||
    THROTTLING.has(shape.name ?? '');
  const detail = `${shape.name ?? 'Error'}: ${shape.message ?? String(err)}`;
  return new TriggerError(`${what} failed${status ? ` (${status})` : ''}: ${detail}`, {
    cause: err,
    retryable,
  });
}

/** A short cache key for SDK clients (never the secret itself). */
export function clientKey(region: string | undefined, credentials: AwsStaticCredentials | undefined): string {
  return `${region ?? ''}\u0000${credentials?.accessKeyId ?? ''}`;
}

/** Where and as whom one SDK client calls; `endpoint` and `credentials` override `AwsClientOptions`. */
export interface AwsClientTarget {
  region: string | undefined;
  endpoint: string | undefined;
  credentials: AwsStaticCredentials | undefined;
}

/** The SDK client configuration: only the settings given, so the SDK's defaults fill in the rest. */
export function sdkClientConfig(
  target: AwsClientTarget,
  options: AwsClientOptions,
): {
  region?: string;
  endpoint?: string;
  credentials?: AwsStaticCredentials;
  maxAttempts?: number;
} {
  const endpoint = target.endpoint ?? options.endpoint;
  const credentials = target.credentials ?? options.credentials;
  return {
    ...(target.region ? { region: target.region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  };
}

/** The cached client under `key`, built by `create` on first use (clients keep their connections). */
export function cachedClient<C>(clients: Map<string, C>, key: string, create: () => C): C {
  let client = clients.get(key);
  if (!client) {
    client = create();
    clients.set(key, client);
  }
  return client;
}

/** The port `create` builds from `clients.aws`, rebuilt only when the runner passes other options. */
export function defaultPort<P>(
  create: (options: AwsClientOptions | undefined) => P,
): (options: AwsClientOptions | undefined) => P {
  let current: { options: AwsClientOptions | undefined; port: P } | undefined;
  return (options) => {
    if (!current || current.options !== options) current = { options, port: create(options) };
    return current.port;
  };
}
