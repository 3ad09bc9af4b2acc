/**
 * The secret port (DESIGN §3 "Secrets"): a `SecretKeySelector {name, key}` resolves to a string. Adapters:
 * ./local.ts (env or `.outrigger/secrets/<name>.json`) and ./aws.ts (Secrets Manager or SSM, loaded lazily).
 */
import { ErrorCode, OutriggerError } from '../errors.ts';
import type { SecretKeySelector } from '../manifests/types.ts';

/** Resolves a secret reference to its value; rejects with SecretNotFoundError when there is none. */
export interface SecretResolver {
  get(selector: SecretKeySelector): Promise<string>;
  /**
   * The value `get` would resolve to, when it has been read and is still cached; undefined otherwise. A
   * source then checks a request in the turn it arrived in, instead of waiting a turn for a settled promise.
   */
  cached?(selector: SecretKeySelector): string | undefined;
  /**
   * Forgets the values a caching resolver read at least `REFRESH_MIN_AGE_MS` ago, so the next `get` reads
   * the store again; true when it forgot any. Ingest calls it when a signature or token is refused: a
   * rotated secret is then picked up at once, and a flood of bad requests reads the store at most once
   * per secret in that time.
   */
  refresh?(): boolean;
}

/** How old a cached secret must be before a refused request may have it read again. */
export const REFRESH_MIN_AGE_MS = 30_000;

/**
 * Promises kept by key with the time they were made; a rejected one is dropped so the next call tries
 * again. `refresh` drops those at least `minAgeMs` old.
 */
export class AgedCache<V> {
  private entries = new Map<string, { value: Promise<V>; at: number }>();

  constructor(
    private readonly minAgeMs = REFRESH_MIN_AGE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit) return hit.value;
    const entry = { value: load(), at: this.now() };
    this.entries.set(key, entry);
    entry.value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return entry.value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  refresh(): boolean {
    const now = this.now();
    let dropped = false;
    for (const [key, entry] of this.entries) {
      if (now - entry.at < this.minAgeMs) continue;
      this.entries.delete(key);
      dropped = true;
    }
    return dropped;
  }
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

/**
 * Wraps a resolver so each (name, key) is fetched once per container, or again after a `refresh`;
 * failures are not cached.
 */
export function cachingResolver(inner: SecretResolver, now: () => number = Date.now): SecretResolver {
  const cache = new AgedCache<string>(REFRESH_MIN_AGE_MS, now);
  // Requests find a secret read already through `rememberSettled`, by selector object, without this call.
  return {
    get: (selector) => cache.get(`${selector.name}\u0000${selector.key}`, () => inner.get(selector)),
    refresh: () => cache.refresh(),
  };
}

/**
 * Adds `cached` to a caching resolver: the values its `get` settled with, by selector object (manifests hand
 * over the same one on every request), all forgotten when `refresh` forgets any.
 */
export function rememberSettled(resolver: SecretResolver): SecretResolver {
  let settled = new WeakMap<SecretKeySelector, string>();
  return {
    get(selector) {
      const pending = resolver.get(selector);
      if (!settled.has(selector)) {
        // Into the map of the call's time: a read that a refresh overtook is not remembered after it.
        const into = settled;
        pending.then(
          (value) => into.set(selector, value),
          () => {},
        );
      }
      return pending;
    },
    cached: (selector) => settled.get(selector),
    refresh() {
      const dropped = resolver.refresh?.() ?? false;
      if (dropped) settled = new WeakMap();
      return dropped;
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
