/** Secret resolution: the port, the local adapter, and the AWS adapter loaded on demand. */

export type { LocalSecretOptions } from './local.ts';
export { createLocalSecretResolver, createStaticSecretResolver, secretEnvName } from './local.ts';
export type { SecretResolver } from './resolver.ts';
export { cachingResolver, isSecretNotFound, SecretNotFoundError } from './resolver.ts';
