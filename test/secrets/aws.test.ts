import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  awsSecretId,
  createAwsSecretResolver,
  SecretNotFoundError,
  secretResolverFromEnv,
} from '../../lib/secrets/index.ts';
import { type AwsJsonServer, startAwsJsonServer } from '../support/aws-json-server.ts';

/** Secrets Manager and SSM on loopback, so the real SDK clients are exercised end to end. */
const store = new Map<string, string>([
  ['outrigger/github', JSON.stringify({ secret: 'gh-value\n', other: 'x' })],
  ['/outrigger/github', JSON.stringify({ secret: 'ssm-value' })],
  ['outrigger/plain', 'not-json-sekrit'],
]);
const calls: string[] = [];
let server: AwsJsonServer;
let endpoint: string;

beforeAll(async () => {
  server = await startAwsJsonServer(store, calls);
  endpoint = server.endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.AWS_REGION = 'eu-west-1';
});
afterAll(async () => {
  await server.close();
});

describe('AWS secret resolver', () => {
  it('names Secrets Manager ids and SSM parameters', () => {
    expect(awsSecretId('secretsmanager', 'outrigger', 'github')).toBe('outrigger/github');
    expect(awsSecretId('ssm', '/team/', 'github')).toBe('/team/github');
    expect(awsSecretId('secretsmanager', '', 'github')).toBe('github');
  });

  it('reads a JSON field from Secrets Manager through the SDK, once per secret', async () => {
    // Prepare
    const resolver = createAwsSecretResolver({ service: 'secretsmanager', endpoint, region: 'eu-west-1' });
    const before = calls.length;

    // Act
    const value = await resolver.get({ name: 'github', key: 'secret' });
    const other = await resolver.get({ name: 'github', key: 'other' });

    // Assess
    expect([value, other]).toEqual(['gh-value', 'x']);
    expect(calls.slice(before)).toEqual(['secretsmanager.GetSecretValue outrigger/github']);
  });

  it.each(['secretsmanager', 'ssm'] as const)(
    'reads a rotated %s secret again after refresh, once it is 30 s old',
    async (service) => {
      // Prepare
      const id = service === 'ssm' ? '/outrigger/rotating' : 'outrigger/rotating';
      store.set(id, JSON.stringify({ secret: 'old' }));
      let now = 1_000_000;
      const resolver = createAwsSecretResolver({ service, endpoint, region: 'eu-west-1', now: () => now });
      const selector = { name: 'rotating', key: 'secret' };
      await expect(resolver.get(selector)).resolves.toBe('old');
      store.set(id, JSON.stringify({ secret: 'new' }));
      const before = calls.length;

      // Act
      const tooSoon = resolver.refresh?.();
      const stillOld = await resolver.get(selector);
      now += 30_000;
      const refreshed = resolver.refresh?.();
      const rotated = await resolver.get(selector);

      // Assess
      expect([tooSoon, stillOld]).toEqual([false, 'old']);
      expect([refreshed, rotated]).toEqual([true, 'new']);
      expect(calls.slice(before)).toHaveLength(1);
    },
  );

  it('reads a decrypted SSM parameter', async () => {
    const resolver = createAwsSecretResolver({ service: 'ssm', endpoint, region: 'eu-west-1' });
    await expect(resolver.get({ name: 'github', key: 'secret' })).resolves.toBe('ssm-value');
  });

  it.each([
    ['secretsmanager', 'absent', 'secret'],
    ['ssm', 'absent', 'secret'],
    ['secretsmanager', 'github', 'missing-key'],
    ['secretsmanager', 'plain', 'secret'],
  ] as const)('refuses %s %s/%s with a 500 that holds no value', async (service, name, key) => {
    // Prepare
    const resolver = createAwsSecretResolver({ service, endpoint, region: 'eu-west-1' });

    // Act
    const err = (await resolver.get({ name, key }).catch((e: unknown) => e)) as SecretNotFoundError;

    // Assess
    expect(err).toBeInstanceOf(SecretNotFoundError);
    expect(err.statusCode).toBe(500);
    expect(`${err.message} ${String(err.cause)}`).not.toMatch(/sekrit|gh-value/);
  });

  it('answers 503 (retryable) when the store cannot be reached', async () => {
    // Prepare
    const resolver = createAwsSecretResolver({
      service: 'secretsmanager',
      fetch: async () => {
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      },
    });

    // Act
    const err = (await resolver
      .get({ name: 'github', key: 'secret' })
      .catch((e: unknown) => e)) as SecretNotFoundError;

    // Assess
    expect(err.statusCode).toBe(503);
    expect(err.retryable).toBe(true);
  });

  it('is chosen by OUTRIGGER_SECRETS', async () => {
    // Prepare
    const resolver = secretResolverFromEnv({
      OUTRIGGER_SECRETS: 'ssm',
      OUTRIGGER_SECRETS_ENDPOINT: endpoint,
    });

    // Act
    const value = await resolver.get({ name: 'github', key: 'secret' });

    // Assess
    expect(value).toBe('ssm-value');
  });
});
