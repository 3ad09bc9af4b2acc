/**
 * EKS cluster access from the function's IAM role, as `aws eks get-token` does it: the bearer token is an
 * STS `GetCallerIdentity` URL presigned with SigV4 for 60 seconds and bound to the cluster by the signed
 * header `x-k8s-aws-id`; EKS replays it to STS to learn who is calling
 * (https://github.com/kubernetes-sigs/aws-iam-authenticator#api-authorization-from-outside-a-cluster).
 * EKS accepts such a token for 15 minutes after its `X-Amz-Date`. The cluster's endpoint and CA come from
 * the environment when set (no API call on a cold start), else from `eks:DescribeCluster`.
 * `@smithy/signature-v4`, the credential chain and the EKS client are imported on first use.
 */
import { createHash, createHmac } from 'node:crypto';
import { stringify as toYaml } from 'yaml';
import { KubeApiError } from '../errors.ts';
import type { ResolvedKubeConfig } from './config.ts';

/** AWS credentials as the SDK's providers return them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type AwsCredentialProvider = () => Promise<AwsCredentials>;

/** What `presignEksToken` signs. */
export interface EksTokenRequest {
  clusterName: string;
  region: string;
  credentials: AwsCredentials;
  /** Signing time (default now). */
  date?: Date;
}

/** Prefix of every EKS bearer token (aws-iam-authenticator's `v1` token format). */
export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** Seconds the presigned URL says it is valid for; EKS itself honours the token for 15 minutes. */
const PRESIGN_EXPIRES_SECONDS = 60;
/** Tokens are minted again after this long, well inside EKS's 15-minute window. */
export const EKS_TOKEN_REFRESH_MS = 10 * 60_000;

/** SHA-256 in the shape `@smithy/signature-v4` expects (what `@smithy/hash-node` provides, on node:crypto). */
class NodeSha256 {
  private readonly hash;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash =
      secret === undefined
        ? createHash('sha256')
        : createHmac('sha256', typeof secret === 'string' ? secret : toBuffer(secret));
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    throw new Error('NodeSha256 cannot be reset');
  }
}

function toBuffer(data: ArrayBuffer | ArrayBufferView): Buffer {
  return ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(data);
}

/** RFC 3986 encoding as botocore's `percent_encode` does it (only `-_.~` left as they are). */
const encode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Mints the bearer token `aws eks get-token --cluster-name <name>` prints: the presigned URL, its query in
 * botocore's order (operation parameters, then the X-Amz-* parameters, the signature last), base64url
 * without padding, after `k8s-aws-v1.`.
 */
export async function presignEksToken(request: EksTokenRequest): Promise<string> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const hostname = `sts.${request.region}.amazonaws.com`;
  const signer = new SignatureV4({
    service: 'sts',
    region: request.region,
    credentials: request.credentials,
    sha256: NodeSha256,
  });
  const operation = { Action: 'GetCallerIdentity', Version: '2011-06-15' };
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { ...operation },
      headers: { host: hostname, 'x-k8s-aws-id': request.clusterName },
    },
    { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate: request.date ?? new Date() },
  );
  const q = signed.query as Record<string, string>;
  const order = [
    'Action',
    'Version',
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Date',
    'X-Amz-Expires',
    'X-Amz-SignedHeaders',
    'X-Amz-Security-Token',
    'X-Amz-Signature',
  ];
  const query = order
    .filter((key) => q[key] !== undefined)
    .map((key) => `${key}=${encode(String(q[key]))}`)
    .join('&');
  const url = `https://${hostname}/?${query}`;
  return `${EKS_TOKEN_PREFIX}${Buffer.from(url, 'utf8').toString('base64url')}`;
}

/** The default AWS credential chain (env, web identity, container/instance role), loaded on first use. */
export function defaultCredentials(): AwsCredentialProvider {
  let provider: Promise<AwsCredentialProvider> | undefined;
  return async () => {
    provider ??= import('@aws-sdk/credential-provider-node').then((m) => m.defaultProvider());
    return (await provider)();
  };
}

/** Options of `eksTokenSource`. */
export interface EksTokenSourceOptions {
  clusterName: string;
  region: string;
  credentials?: AwsCredentialProvider;
  now?: () => number;
}

/** A token source that mints once and again when the token nears the end of its life. */
export function eksTokenSource(options: EksTokenSourceOptions): () => Promise<string> {
  const credentials = options.credentials ?? defaultCredentials();
  const now = options.now ?? Date.now;
  let cached: { token: Promise<string>; mintedAt: number } | undefined;
  return () => {
    const at = now();
    if (!cached || at - cached.mintedAt >= EKS_TOKEN_REFRESH_MS) {
      const token = credentials().then((creds) =>
        presignEksToken({
          clusterName: options.clusterName,
          region: options.region,
          credentials: creds,
          date: new Date(at),
        }),
      );
      const entry = { token, mintedAt: at };
      cached = entry;
      // A failed mint (no credentials yet) is not kept: the next request tries again.
      token.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.token;
  };
}

/** Endpoint and CA of an EKS cluster. */
export interface EksCluster {
  endpoint: string;
  /** Base64 PEM, as DescribeCluster returns `certificateAuthority.data`. */
  caData?: string;
}

/** How to reach EKS (tests point `endpoint` at loopback). */
export interface EksAccess {
  clusterName: string;
  region?: string;
  /** The cluster's API endpoint; with it, no DescribeCluster call is made. */
  endpoint?: string;
  /** Base64 PEM of the cluster CA (with `endpoint`). */
  caData?: string;
  /** EKS API endpoint override for DescribeCluster (tests). */
  eksApiEndpoint?: string;
  credentials?: AwsCredentialProvider;
  now?: () => number;
}

function eksError(message: string, cause?: unknown, retryable = false): KubeApiError {
  return new KubeApiError(message, 0, {
    retryable,
    reason: 'EksAccess',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Reads endpoint and CA with `eks:DescribeCluster` (`@aws-sdk/client-eks`, loaded here only). */
export async function describeEksCluster(access: EksAccess, region: string): Promise<EksCluster> {
  const { EKSClient, DescribeClusterCommand } = await import('@aws-sdk/client-eks');
  const client = new EKSClient({
    region,
    ...(access.eksApiEndpoint ? { endpoint: access.eksApiEndpoint } : {}),
    ...(access.credentials ? { credentials: access.credentials } : {}),
  });
  try {
    const { cluster } = await client.send(new DescribeClusterCommand({ name: access.clusterName }));
    if (!cluster?.endpoint) {
      throw eksError(
        `EKS cluster ${access.clusterName} in ${region} has no endpoint yet (status ${cluster?.status})`,
      );
    }
    return {
      endpoint: cluster.endpoint,
      ...(cluster.certificateAuthority?.data ? { caData: cluster.certificateAuthority.data } : {}),
    };
  } catch (err) {
    if (err instanceof KubeApiError) throw err;
    const name = (err as { name?: string }).name ?? '';
    const message = (err as Error).message;
    if (name === 'ResourceNotFoundException') {
      throw eksError(`EKS cluster ${access.clusterName} not found in ${region}: ${message}`, err);
    }
    if (name === 'AccessDeniedException') {
      throw eksError(
        `eks:DescribeCluster on ${access.clusterName} denied: grant it to the function's role, or set OUTRIGGER_EKS_ENDPOINT and OUTRIGGER_EKS_CA: ${message}`,
        err,
      );
    }
    throw eksError(`eks:DescribeCluster ${access.clusterName} in ${region} failed: ${message}`, err, true);
  } finally {
    client.destroy();
  }
}

/** A kubeconfig for an EKS cluster whose bearer token is minted (and refreshed) from the IAM role. */
export async function eksKubeConfig(access: EksAccess): Promise<ResolvedKubeConfig> {
  const region = access.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw eksError(`EKS cluster ${access.clusterName}: no region (set eks.region or AWS_REGION)`);
  const cluster: EksCluster = access.endpoint
    ? { endpoint: access.endpoint, ...(access.caData ? { caData: access.caData } : {}) }
    : await describeEksCluster(access, region);
  const text = toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: access.clusterName,
        cluster: {
          server: cluster.endpoint,
          ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}),
        },
      },
    ],
    // The token is not in the file: it comes from `bearerToken` so it can be refreshed.
    users: [{ name: 'iam', user: {} }],
    contexts: [{ name: access.clusterName, context: { cluster: access.clusterName, user: 'iam' } }],
    'current-context': access.clusterName,
  });
  return {
    origin: 'eks',
    text,
    context: access.clusterName,
    server: cluster.endpoint,
    bearerToken: eksTokenSource({
      clusterName: access.clusterName,
      region,
      ...(access.credentials ? { credentials: access.credentials } : {}),
      ...(access.now ? { now: access.now } : {}),
    }),
  };
}
