/**
 * A kubeconfig held in AWS Secrets Manager or SSM Parameter Store (DESIGN §3 "Kubernetes access", second
 * choice). The value is the kubeconfig YAML itself, or a JSON object with a `kubeconfig` field (the shape
 * `infra/` grants, as a secret `{ "kubeconfig": "..." }` read through the secret selector
 * `{name, key: kubeconfig}`). The SDK client is imported on first use; the text is never logged.
 */
import { KubeApiError } from '../errors.ts';

/** Where the kubeconfig is kept: exactly one of the two. */
export interface KubeconfigSecretRef {
  /** Secrets Manager secret id or ARN. */
  secretId?: string;
  /** SSM parameter name (a SecureString is decrypted). */
  parameterName?: string;
}

/** AWS client settings (tests point `endpoint` at loopback). */
export interface KubeconfigSecretAws {
  region?: string;
  endpoint?: string;
  credentials?: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;
}

function secretError(where: string, why: string, cause?: unknown, retryable = false): KubeApiError {
  return new KubeApiError(`kubeconfig from ${where}: ${why}`, 0, {
    retryable,
    reason: 'InvalidKubeconfig',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Describes the reference for messages (`Secrets Manager secret ci/kube`). */
export function describeSecretRef(ref: KubeconfigSecretRef): string {
  return ref.secretId !== undefined
    ? `Secrets Manager secret ${ref.secretId}`
    : `SSM parameter ${ref.parameterName ?? ''}`;
}

/** Unwraps `{ "kubeconfig": "..." }`; any other text is taken as the kubeconfig itself. */
export function kubeconfigText(value: string, where: string): string {
  const trimmed = value.trimStart();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      // YAML flow style starts with `{` too; leave it to the YAML parser.
      return value;
    }
    const field = (parsed as { kubeconfig?: unknown }).kubeconfig;
    if (typeof field === 'string') return field;
    // A kubeconfig written as JSON (`kubectl config view -o json`) is valid YAML as it is.
    if (typeof parsed === 'object' && parsed !== null && 'clusters' in parsed) return value;
    throw secretError(where, 'is a JSON object without a "kubeconfig" string field');
  }
  return value;
}

/** Reads the kubeconfig text from the AWS service the reference names. */
export async function readKubeconfigSecret(
  ref: KubeconfigSecretRef,
  aws: KubeconfigSecretAws = {},
): Promise<string> {
  const where = describeSecretRef(ref);
  if ((ref.secretId === undefined) === (ref.parameterName === undefined)) {
    throw secretError(
      where,
      'set exactly one of kubeconfigSecret.secretId and kubeconfigSecret.parameterName',
    );
  }
  const config = {
    ...(aws.region ? { region: aws.region } : {}),
    ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
    ...(aws.credentials ? { credentials: aws.credentials } : {}),
  };
  let value: string | undefined;
  try {
    if (ref.secretId !== undefined) {
      const sdk = await import('@aws-sdk/client-secrets-manager');
      const client = new sdk.SecretsManagerClient(config);
      try {
        value = (await client.send(new sdk.GetSecretValueCommand({ SecretId: ref.secretId }))).SecretString;
      } finally {
        client.destroy();
      }
    } else {
      const sdk = await import('@aws-sdk/client-ssm');
      const client = new sdk.SSMClient(config);
      try {
        const answer = await client.send(
          new sdk.GetParameterCommand({ Name: ref.parameterName, WithDecryption: true }),
        );
        value = answer.Parameter?.Value;
      } finally {
        client.destroy();
      }
    }
  } catch (err) {
    const name = (err as { name?: string }).name ?? '';
    if (name === 'ResourceNotFoundException' || name === 'ParameterNotFound') {
      throw secretError(where, 'not found', err);
    }
    if (name === 'AccessDeniedException' || name === 'AccessDenied') {
      throw secretError(where, "access denied: grant the function's role read access to it", err);
    }
    // Throttling, a network failure: the next delivery may succeed.
    throw secretError(where, `could not be read (${name || (err as Error).message})`, err, true);
  }
  if (value === undefined || value === '') throw secretError(where, 'has no string value');
  return kubeconfigText(value, where);
}
