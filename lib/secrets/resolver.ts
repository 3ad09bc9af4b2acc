/**
 * The secret port (DESIGN §3 "Secrets"): a `SecretKeySelector {name, key}` resolves to a string. Adapters:
 * ./local.ts (env or `.outrigger/secrets/<name>.json`) and ./aws.ts (Secrets Manager or SSM, loaded lazily).
 */
import { ErrorCode, OutriggerError } from '../errors.ts';
import type { SecretKeySelector } from '../manifests/types.ts';

/** Resolves a secret reference to its value; rejects with SecretNotFoundError when there is none. */
export interface SecretResolver {
  get(selector: SecretKeySelector): Promise<string>;
}

/**
 * A secret reference that does not resolve. The message names the reference and where it was looked up,
 * never a value; HTTP callers see only a generic message (`expose: false`). `retryable` marks a store
 * that could not be reached (503, so the sender retries) rather than a secret that is not there (500).
 */
export class SecretNotFoundError extends OutriggerError {
  readonly selector: { name: string; key: string };

  constructor(
    selector: SecretKeySelector,
    where: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    const what = options.retryable ? 'could not be read' : 'not found';
    super(ErrorCode.SecretNotFound, `secret ${selector.name}/${selector.key} ${what} (${where})`, {
      ...options,
      statusCode: options.retryable ? 503 : 500,
      expose: false,
    });
    this.selector = { name: selector.name, key: selector.key };
  }
}

/** True when `err` says a secret reference did not resolve. */
export function isSecretNotFound(err: unknown): err is SecretNotFoundError {
  return err instanceof SecretNotFoundError;
}

/** Wraps a resolver so each (name, key) is fetched once per container; failures are not cached. */
export function cachingResolver(inner: SecretResolver): SecretResolver {
  const cache = new Map<string, Promise<string>>();
  // Manifests hand over the same selector object on every request: found without building the key.
  const bySelector = new WeakMap<SecretKeySelector, Promise<string>>();
  return {
    get(selector) {
      const known = bySelector.get(selector);
      if (known) return known;
      const id = `${selector.name}\u0000${selector.key}`;
      let pending = cache.get(id);
      if (!pending) {
        pending = inner.get(selector);
        cache.set(id, pending);
      }
      bySelector.set(selector, pending);
      // Drop a failure so a secret created after the first miss is picked up on the next request.
      pending.catch(() => {
        cache.delete(id);
        bySelector.delete(selector);
      });
      return pending;
    },
  };
}

/**
 * Kubernetes secret files usually end with one newline that is not part of the secret; Argo trims exactly
 * one (argoproj/argo-events: pkg/shared/util/util.go GetSecretFromVolume), and so do we.
 */
export function trimSecret(value: string): string {
  return value.endsWith('\n') ? value.slice(0, -1) : value;
}
