/** Local secret resolution: env `OUTRIGGER_SECRET_<NAME>_<KEY>`, else `<baseDir>/<name>.json` field `key`. */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { SecretKeySelector } from '../manifests/types.ts';
import type { SecretResolver } from './resolver.ts';
import { cachingResolver, rememberSettled, SecretNotFoundError, trimSecret } from './resolver.ts';

export interface LocalSecretOptions {
  /** Environment to read (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Folder holding `<name>.json` files (default `.outrigger/secrets` under the working directory). */
  baseDir?: string;
}

/** `github-access`, `token` → `OUTRIGGER_SECRET_GITHUB_ACCESS_TOKEN`. */
export function secretEnvName(selector: Pick<SecretKeySelector, 'name' | 'key'>): string {
  const part = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return `OUTRIGGER_SECRET_${part(selector.name)}_${part(selector.key)}`;
}

// Kubernetes secret names are DNS subdomains; anything else could escape the secrets folder.
const SECRET_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** A resolver for the local runner and tests; values are cached per (name, key). */
export function createLocalSecretResolver(options: LocalSecretOptions = {}): SecretResolver {
  const env = options.env ?? process.env;
  const baseDir = resolve(options.baseDir ?? join('.outrigger', 'secrets'));

  async function fromFile(selector: SecretKeySelector, envName: string): Promise<string> {
    const where = `env ${envName} or ${join(baseDir, `${selector.name}.json`)}`;
    if (!SECRET_NAME.test(selector.name) || selector.name.includes('..')) {
      throw new SecretNotFoundError(selector, 'not a valid secret name');
    }
    let text: string;
    try {
      text = await readFile(join(baseDir, `${selector.name}.json`), 'utf8');
    } catch (cause) {
      throw new SecretNotFoundError(selector, where, { cause });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // No cause: a JSON.parse message quotes the file's text, which holds secrets.
      throw new SecretNotFoundError(
        selector,
        `env ${envName} unset and ${join(baseDir, `${selector.name}.json`)} is not JSON`,
      );
    }
    const value =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)[selector.key]
        : undefined;
    if (typeof value !== 'string') throw new SecretNotFoundError(selector, where);
    return trimSecret(value);
  }

  return rememberSettled(
    cachingResolver({
      async get(selector) {
        const envName = secretEnvName(selector);
        const fromEnv = env[envName];
        if (fromEnv !== undefined) return trimSecret(fromEnv);
        return fromFile(selector, envName);
      },
    }),
  );
}

/** A resolver over a fixed map `{name: {key: value}}`, for tests and embedding. */
export function createStaticSecretResolver(values: Record<string, Record<string, string>>): SecretResolver {
  return {
    async get(selector) {
      const value = values[selector.name]?.[selector.key];
      if (value === undefined) throw new SecretNotFoundError(selector, 'static secrets');
      return value;
    },
  };
}
