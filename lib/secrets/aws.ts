/**
 * Secrets on AWS (DESIGN §3 "Secrets"): the selector `{name, key}` is the JSON field `key` of the
 * Secrets Manager secret `<prefix>/<name>`, or of the SSM SecureString `/<prefix>/<name>`. The SDK client
 * is imported on first use; each secret is read once per container, and again when a refused request
 * finds it read 30 s ago or more (`refresh`: a rotated webhook secret is picked up at once).
 */
import type { SecretKeySelector } from '../manifests/types.ts';
import type { SecretResolver } from './resolver.ts';
import {
  AgedCache,
  REFRESH_MIN_AGE_MS,
  rememberSettled,
  SecretNotFoundError,
  trimSecret,
} from './resolver.ts';

export type AwsSecretService = 'secretsmanager' | 'ssm';

export interface AwsSecretOptions {
  service: AwsSecretService;
  /** Path prefix of every secret (default `outrigger`); empty for none. */
  prefix?: string;
  region?: string;
  endpoint?: string;
  /** Reads a secret string by id; undefined when it does not exist. Default: the AWS SDK. */
  fetch?: (id: string) => Promise<string | undefined>;
  /** The clock `refresh` ages cached secrets by (tests). */
  now?: () => number;
}

/** The Secrets Manager secret id or SSM parameter name of a selector. */
export function awsSecretId(service: AwsSecretService, prefix: string, name: string): string {
  const path = prefix ? `${prefix.replace(/^\/+|\/+$/g, '')}/${name}` : name;
  return service === 'ssm' ? `/${path}` : path;
}

const NOT_FOUND = new Set(['ResourceNotFoundException', 'ParameterNotFound']);

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && NOT_FOUND.has((err as { name?: string }).name ?? '');
}

function sdkFetch(options: AwsSecretOptions): (id: string) => Promise<string | undefined> {
  const config = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  };
  if (options.service === 'secretsmanager') {
    let client: Promise<(id: string) => Promise<string | undefined>> | undefined;
    return async (id) => {
      client ??= import('@aws-sdk/client-secrets-manager').then((sdk) => {
        const sm = new sdk.SecretsManagerClient(config);
        return async (secretId: string) => {
          try {
            return (await sm.send(new sdk.GetSecretValueCommand({ SecretId: secretId }))).SecretString;
          } catch (err) {
            if (isNotFound(err)) return undefined;
            throw err;
          }
        };
      });
      return (await client)(id);
    };
  }
  let client: Promise<(id: string) => Promise<string | undefined>> | undefined;
  return async (id) => {
    client ??= import('@aws-sdk/client-ssm').then((sdk) => {
      const ssm = new sdk.SSMClient(config);
      return async (name: string) => {
        try {
          return (await ssm.send(new sdk.GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter
            ?.Value;
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      };
    });
    return (await client)(id);
  };
}

/** A resolver backed by Secrets Manager or SSM Parameter Store; each secret is read once, or again after `refresh`. */
export function createAwsSecretResolver(options: AwsSecretOptions): SecretResolver {
  const prefix = options.prefix ?? 'outrigger';
  const fetch = options.fetch ?? sdkFetch(options);
  const documents = new AgedCache<Record<string, unknown> | undefined>(REFRESH_MIN_AGE_MS, options.now);

  async function document(
    selector: SecretKeySelector,
    id: string,
  ): Promise<Record<string, unknown> | undefined> {
    let text: string | undefined;
    try {
      text = await fetch(id);
    } catch (cause) {
      throw new SecretNotFoundError(selector, `${options.service} ${id}`, { cause, retryable: true });
    }
    if (text === undefined) return undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        return parsed as Record<string, unknown>;
      }
    } catch {
      // No cause kept: a JSON.parse message quotes the secret text.
    }
    throw new SecretNotFoundError(selector, `${options.service} ${id} is not a JSON object`);
  }

  return rememberSettled({
    async get(selector) {
      const id = awsSecretId(options.service, prefix, selector.name);
      const doc = await documents.get(id, () => document(selector, id));
      if (doc === undefined) {
        documents.delete(id); // a secret created later is found on the next request
        throw new SecretNotFoundError(selector, `${options.service} ${id}`);
      }
      const value = doc[selector.key];
      if (typeof value !== 'string') throw new SecretNotFoundError(selector, `${options.service} ${id}`);
      return trimSecret(value);
    },
    refresh: () => documents.refresh(),
  });
}
