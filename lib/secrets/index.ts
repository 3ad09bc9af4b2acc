/** Secret resolution: the port, the local adapter, and the AWS adapter (SDK loaded on demand). */

import type { AwsSecretService } from './aws.ts';
import { createAwsSecretResolver } from './aws.ts';
import { createLocalSecretResolver } from './local.ts';
import type { SecretResolver } from './resolver.ts';

export type { AwsSecretOptions, AwsSecretService } from './aws.ts';
export { awsSecretId, createAwsSecretResolver } from './aws.ts';
export type { LocalSecretOptions } from './local.ts';
export { createLocalSecretResolver, createStaticSecretResolver, secretEnvName } from './local.ts';
export type { SecretResolver } from './resolver.ts';
export { cachingResolver, isSecretNotFound, SecretNotFoundError } from './resolver.ts';

/**
 * The resolver a function's environment selects: `OUTRIGGER_SECRETS=secretsmanager|ssm` (with
 * `OUTRIGGER_SECRET_PREFIX`, default `outrigger`), else the local one (env variables and files).
 */
export function secretResolverFromEnv(env: Record<string, string | undefined> = process.env): SecretResolver {
  const service = env.OUTRIGGER_SECRETS;
  if (service === 'secretsmanager' || service === 'ssm') {
    return createAwsSecretResolver({
      service: service satisfies AwsSecretService,
      ...(env.OUTRIGGER_SECRET_PREFIX !== undefined ? { prefix: env.OUTRIGGER_SECRET_PREFIX } : {}),
      ...(env.OUTRIGGER_SECRETS_ENDPOINT ? { endpoint: env.OUTRIGGER_SECRETS_ENDPOINT } : {}),
    });
  }
  return createLocalSecretResolver({
    env,
    ...(env.OUTRIGGER_SECRETS_DIR ? { baseDir: env.OUTRIGGER_SECRETS_DIR } : {}),
  });
}
