import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../lib/errors.ts';
import {
  cachingResolver,
  createLocalSecretResolver,
  isSecretNotFound,
  SecretNotFoundError,
  secretEnvName,
} from '../../lib/secrets/index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'outrigger-secrets-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('local secret resolver', () => {
  it.each([
    [{ name: 'github-access', key: 'token' }, 'OUTRIGGER_SECRET_GITHUB_ACCESS_TOKEN'],
    [{ name: 'my.secret', key: 'api-key' }, 'OUTRIGGER_SECRET_MY_SECRET_API_KEY'],
    [{ name: 'Already_Upper', key: 'k1' }, 'OUTRIGGER_SECRET_ALREADY_UPPER_K1'],
  ])('names the variable of %j %s', (selector, expected) => {
    expect(secretEnvName(selector)).toBe(expected);
  });

  it('reads the environment first', async () => {
    // Prepare
    await writeFile(join(dir, 'gh.json'), JSON.stringify({ secret: 'from-file' }));
    const resolver = createLocalSecretResolver({
      env: { OUTRIGGER_SECRET_GH_SECRET: 'from-env' },
      baseDir: dir,
    });

    // Act
    const value = await resolver.get({ name: 'gh', key: 'secret' });

    // Assess
    expect(value).toBe('from-env');
  });

  it('falls back to <baseDir>/<name>.json and trims one trailing newline as Argo does', async () => {
    // Prepare
    await writeFile(join(dir, 'gh.json'), JSON.stringify({ secret: 'from-file\n', other: 'x' }));
    const resolver = createLocalSecretResolver({ env: {}, baseDir: dir });

    // Act
    const value = await resolver.get({ name: 'gh', key: 'secret' });

    // Assess
    expect(value).toBe('from-file');
  });

  it('caches a resolved value per name and key', async () => {
    // Prepare
    const env: Record<string, string | undefined> = { OUTRIGGER_SECRET_GH_SECRET: 'first' };
    const resolver = createLocalSecretResolver({ env, baseDir: dir });
    await resolver.get({ name: 'gh', key: 'secret' });
    env.OUTRIGGER_SECRET_GH_SECRET = 'second';

    // Act
    const value = await resolver.get({ name: 'gh', key: 'secret' });

    // Assess
    expect(value).toBe('first');
  });

  it('does not cache a miss, so a secret added later is found', async () => {
    // Prepare
    const resolver = createLocalSecretResolver({ env: {}, baseDir: dir });
    await expect(resolver.get({ name: 'late', key: 'k' })).rejects.toBeInstanceOf(SecretNotFoundError);
    await writeFile(join(dir, 'late.json'), JSON.stringify({ k: 'v' }));

    // Act
    const value = await resolver.get({ name: 'late', key: 'k' });

    // Assess
    expect(value).toBe('v');
  });

  it.each([
    ['a missing file', 'absent', undefined],
    ['a missing key', 'gh', JSON.stringify({ other: 'sekrit-value' })],
    ['a non-string field', 'gh', JSON.stringify({ secret: 42 })],
    ['a file that is not JSON', 'gh', '{"secret": "sekrit-value"'],
    ['a JSON array', 'gh', '["sekrit-value"]'],
  ])('refuses %s with SecretNotFound that holds no value', async (_name, name, content) => {
    // Prepare
    if (content !== undefined) await writeFile(join(dir, `${name}.json`), content);
    const resolver = createLocalSecretResolver({ env: {}, baseDir: dir });

    // Act
    const error = await resolver.get({ name, key: 'secret' }).catch((e: unknown) => e);

    // Assess
    expect(isSecretNotFound(error)).toBe(true);
    const err = error as SecretNotFoundError;
    expect(err.code).toBe(ErrorCode.SecretNotFound);
    expect(err.statusCode).toBe(500);
    expect(err.expose).toBe(false);
    expect(err.message).toContain(`${name}/secret`);
    expect(err.message).toContain('OUTRIGGER_SECRET_');
    expect(JSON.stringify({ message: err.message, cause: String(err.cause) })).not.toContain('sekrit-value');
  });

  it.each(['../etc/passwd', 'a/b', '..', ''])(
    'refuses the secret name %j instead of reading outside the folder',
    async (name) => {
      const resolver = createLocalSecretResolver({ env: {}, baseDir: dir });
      await expect(resolver.get({ name, key: 'k' })).rejects.toBeInstanceOf(SecretNotFoundError);
    },
  );
});

describe('caching resolver', () => {
  it('asks the inner resolver once for concurrent requests', async () => {
    // Prepare
    let calls = 0;
    const resolver = cachingResolver({
      async get() {
        calls++;
        return 'v';
      },
    });

    // Act
    await Promise.all([1, 2, 3].map(() => resolver.get({ name: 'n', key: 'k' })));

    // Assess
    expect(calls).toBe(1);
  });
});
