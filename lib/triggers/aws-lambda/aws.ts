/**
 * What the AWS-calling triggers (awsLambda, eventBridge) share: credentials from the manifest's secret
 * references and a mapping of SDK failures onto retryable or final `TriggerError`s.
 */
import { TriggerError } from '../../errors.ts';
import type { SecretKeySelector } from '../../manifests/types.ts';
import { secretValue } from '../http/secrets.ts';
import type { AwsStaticCredentials, TriggerClients } from '../types.ts';

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
