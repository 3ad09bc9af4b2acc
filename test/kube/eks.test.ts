import { createHash, createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError } from '../../lib/errors.ts';
import { createKubeClient } from '../../lib/kube/client.ts';
import { resolveKubeConfig } from '../../lib/kube/config.ts';
import {
  EKS_TOKEN_PREFIX,
  EKS_TOKEN_REFRESH_MS,
  eksTokenSource,
  presignEksToken,
} from '../../lib/kube/eks.ts';
import { startApiServer } from '../support/apiserver.ts';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const date = new Date('2024-05-01T12:34:56Z');

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();
const rfc3986 = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The token as the SigV4 documentation builds a presigned URL
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html), step by step, with the
 * query in the order botocore writes it for `aws eks get-token`.
 */
function expectedToken(region: string, cluster: string, sessionToken?: string): string {
  const host = `sts.${region}.amazonaws.com`;
  const amzDate = '20240501T123456Z';
  const scope = `20240501/${region}/sts/aws4_request`;
  const params: [string, string][] = [
    ['Action', 'GetCallerIdentity'],
    ['Version', '2011-06-15'],
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', '60'],
    ['X-Amz-SignedHeaders', 'host;x-k8s-aws-id'],
  ];
  if (sessionToken !== undefined) params.push(['X-Amz-Security-Token', sessionToken]);
  // Canonical query: sorted by encoded name, each name and value RFC 3986 encoded.
  const canonicalQuery = params
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [
    'GET',
    '/',
    canonicalQuery,
    `host:${host}\nx-k8s-aws-id:${cluster}\n`,
    'host;x-k8s-aws-id',
    sha256(''),
  ].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${credentials.secretAccessKey}`, '20240501');
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, 'sts');
  const kSigning = hmac(kService, 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
  const query = [...params, ['X-Amz-Signature', signature]].map(([k, v]) => `${k}=${rfc3986(v ?? '')}`);
  const url = `https://${host}/?${query.join('&')}`;
  return `k8s-aws-v1.${Buffer.from(url).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

describe('EKS token', () => {
  it('is the SigV4-presigned GetCallerIdentity URL that aws eks get-token prints', async () => {
    // Act
    const token = await presignEksToken({ clusterName: 'prod', region: 'eu-west-1', credentials, date });

    // Assess
    expect(token).toBe(expectedToken('eu-west-1', 'prod'));
    expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
    expect(token).not.toMatch(/[=+/]/);
  });

  it('signs a session token into the URL when the role has one', async () => {
    // Prepare
    const session = { ...credentials, sessionToken: 'IQoJb3JpZ2luX2VjE/session+token==' };

    // Act
    const token = await presignEksToken({
      clusterName: 'ci-cluster',
      region: 'us-east-2',
      credentials: session,
      date,
    });

    // Assess
    expect(token).toBe(expectedToken('us-east-2', 'ci-cluster', session.sessionToken));
  });

  it('decodes to a URL bound to the cluster by a signed x-k8s-aws-id header, valid 60 seconds', async () => {
    // Act
    const token = await presignEksToken({ clusterName: 'prod', region: 'eu-west-1', credentials, date });

    // Assess
    const url = new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
  });

  it('reuses a token until the refresh age, then mints a new one from fresh credentials', async () => {
    // Prepare
    let now = date.getTime();
    let asked = 0;
    const source = eksTokenSource({
      clusterName: 'prod',
      region: 'eu-west-1',
      credentials: async () => {
        asked++;
        return credentials;
      },
      now: () => now,
    });

    // Act
    const first = await source();
    now += EKS_TOKEN_REFRESH_MS - 1;
    const cached = await source();
    now += 1;
    const renewed = await source();

    // Assess
    expect(cached).toBe(first);
    expect(renewed).not.toBe(first);
    expect(asked).toBe(2);
    expect(EKS_TOKEN_REFRESH_MS).toBeLessThan(15 * 60_000 - 60_000);
  });

  it('tries again after a failed mint instead of keeping the failure', async () => {
    // Prepare
    let calls = 0;
    const source = eksTokenSource({
      clusterName: 'prod',
      region: 'eu-west-1',
      credentials: async () => {
        calls++;
        if (calls === 1) throw new Error('no credentials yet');
        return credentials;
      },
    });

    // Act
    const first = await source().catch((e: unknown) => e);
    const second = await source();

    // Assess
    expect(first).toBeInstanceOf(Error);
    expect(second.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
  });
});

describe('EKS cluster access', () => {
  /** A loopback EKS API (REST-JSON `GET /clusters/{name}`), answering for one cluster. */
  let eksApi: Server;
  let eksEndpoint: string;
  const describeCalls: string[] = [];
  let clusterEndpoint = '';

  beforeAll(async () => {
    eksApi = createServer((req, res) => {
      describeCalls.push(`${req.method} ${req.url} ${req.headers.authorization?.split(' ')[0] ?? ''}`);
      res.setHeader('content-type', 'application/json');
      if (req.url === '/clusters/prod') {
        res.end(
          JSON.stringify({
            cluster: {
              name: 'prod',
              endpoint: clusterEndpoint,
              status: 'ACTIVE',
              certificateAuthority: { data: Buffer.from('not used over http').toString('base64') },
            },
          }),
        );
      } else {
        res.statusCode = 404;
        res.setHeader('x-amzn-errortype', 'ResourceNotFoundException');
        res.end(JSON.stringify({ message: `No cluster found for name: ${req.url?.split('/')[2]}.` }));
      }
    });
    await new Promise<void>((r) => eksApi.listen(0, '127.0.0.1', r));
    eksEndpoint = `http://127.0.0.1:${(eksApi.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => eksApi.close(r));
  });

  it('finds endpoint and CA with DescribeCluster and sends the minted token on every request', async () => {
    // Prepare
    const server = await startApiServer({ namespace: 'ci' });
    clusterEndpoint = server.url;
    const config = await resolveKubeConfig({
      eks: { clusterName: 'prod', region: 'eu-west-1' },
      aws: { endpoint: eksEndpoint, credentials: async () => credentials },
      env: {},
    });
    if (!config) throw new Error('EKS access did not resolve');
    const kube = createKubeClient(config, { timeoutMs: 1000 });

    // Act
    const err = await kube.get('v1', 'ConfigMap', 'ci', 'x').catch((e: unknown) => e);
    await server.close();

    // Assess
    expect(config).toMatchObject({ origin: 'eks', server: server.url });
    expect(describeCalls).toContain('GET /clusters/prod AWS4-HMAC-SHA256');
    // The test apiserver accepts only its own token: the EKS token reached it and was refused with 401.
    expect(err).toMatchObject({ status: 401 });
    const sent = server.requests[0]?.headers.authorization ?? '';
    expect(sent.startsWith(`Bearer ${EKS_TOKEN_PREFIX}`)).toBe(true);
    expect((err as Error).message).toContain('unauthorized');
  });

  it('skips DescribeCluster when the endpoint is given', async () => {
    // Prepare
    const before = describeCalls.length;

    // Act
    const config = await resolveKubeConfig({
      eks: {
        clusterName: 'prod',
        region: 'eu-west-1',
        endpoint: 'https://abc.gr7.eu-west-1.eks.amazonaws.com',
      },
      aws: { endpoint: eksEndpoint, credentials: async () => credentials },
      env: {},
    });

    // Assess
    expect(config?.server).toBe('https://abc.gr7.eu-west-1.eks.amazonaws.com');
    expect(describeCalls.length).toBe(before);
  });

  it('names a cluster that does not exist', async () => {
    // Act
    const outcome = resolveKubeConfig({
      eks: { clusterName: 'nope', region: 'eu-west-1' },
      aws: { endpoint: eksEndpoint, credentials: async () => credentials },
      env: {},
    });

    // Assess
    await expect(outcome).rejects.toThrow(KubeApiError);
    await expect(outcome).rejects.toThrow('EKS cluster nope not found in eu-west-1');
  });

  it('refuses roleArn rather than acting as another identity than asked', async () => {
    // Act
    const outcome = resolveKubeConfig({
      eks: { clusterName: 'prod', region: 'eu-west-1', roleArn: 'arn:aws:iam::1:role/x' },
      env: {},
    });

    // Assess
    await expect(outcome).rejects.toThrow('eks.roleArn is not supported');
  });
});
