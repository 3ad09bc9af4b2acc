/**
 * The only module that talks to the Kubernetes API (DESIGN §2). Triggers see this narrow interface; the
 * wire half (./object-api.ts: JSON over node:https, discovery, deadlines) is loaded on first use.
 */
import { KubeApiError } from '../errors.ts';
import type { ResolvedKubeConfig } from './config.ts';
import type { Method, ObjectApi, SendOptions } from './object-api.ts';

/** A Kubernetes object as plain JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export type PatchStrategy = 'merge' | 'json' | 'strategic' | 'apply';

export interface KubeClient {
  /** Where the client points, for messages (`https://127.0.0.1:6443`). */
  readonly server: string;
  create(object: KubeObject): Promise<KubeObject>;
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubeObject>;
  update(object: KubeObject): Promise<KubeObject>;
  /**
   * Patches the object named by `object`. The body is `patch` when given (a JSON Patch needs its
   * operations list), else the object itself (merge, strategic merge and apply take the object).
   */
  patch(object: KubeObject, strategy: PatchStrategy, patch?: unknown): Promise<KubeObject>;
  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<void>;
  /** Objects of a kind in a namespace (all namespaces when undefined), optionally by label selector. */
  list?(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    labelSelector?: string,
  ): Promise<KubeObject[]>;
}

/** Tuning for `createKubeClient`. */
export interface KubeClientOptions {
  /** Deadline for each request, discovery included (default 10 s). */
  timeoutMs?: number;
  /** `fieldManager` sent with writes; required by server-side apply (default `outrigger`). */
  fieldManager?: string;
}

const PATCH_CONTENT_TYPES: Readonly<Record<PatchStrategy, string>> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

interface Operation {
  verb: 'create' | 'get' | 'update' | 'patch' | 'delete' | 'list';
  apiVersion: string;
  kind: string;
  namespace: string | undefined;
  name: string | undefined;
  /** `jobs.batch`, `configmaps`: known once discovery answered; RBAC names resources this way. */
  resource?: string;
  /** API group of the resource (`` for core), for the RBAC hint. */
  group?: string;
  plural?: string;
}

function describe(op: Operation): string {
  const where = [op.namespace, op.name].filter((p) => p !== undefined && p !== '').join('/');
  return `${op.verb} ${op.apiVersion} ${op.kind}${where ? ` ${where}` : ''}`;
}

/** Where the operation applies, as RBAC scopes it. */
function scopeOf(op: Operation): string {
  return op.namespace ? `in namespace ${op.namespace}` : 'at cluster scope';
}

/**
 * The fix for a 403: the verb and resource the identity lacks, as a Role rule. The article's
 * `argo-events-role` (rbac.yaml) is the model: one rule per API group listing resources and verbs.
 */
function forbiddenHint(op: Operation): string {
  const what = op.resource ?? `${op.kind} (${op.apiVersion})`;
  const rule =
    op.plural === undefined
      ? ''
      : `: a ${op.namespace ? `Role in ${op.namespace}` : 'ClusterRole'} rule {apiGroups: ["${op.group ?? ''}"], resources: ["${op.plural}"], verbs: ["${op.verb}"]}`;
  return `forbidden: ${op.verb} ${what} ${scopeOf(op)} — grant the sensor's identity this verb${rule} (see the article's Role, argo-events-role in rbac.yaml)`;
}

const UNAUTHORIZED_HINT =
  'unauthorized: the server did not accept the credentials (an expired or revoked token, a kubeconfig for another cluster, or an IAM role without an EKS access entry)';

/** node:tls verification failures (https://nodejs.org/api/tls.html#x509-certificate-error-codes). */
const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Turns whatever a request threw into a KubeApiError naming the server, verb, kind and object. */
function toKubeApiError(err: unknown, server: string, op: Operation): KubeApiError {
  if (err instanceof KubeApiError) return err;
  const what = describe(op);
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && typeof (err as { body?: unknown }).body === 'string') {
    let reason: string | undefined;
    let message = (err as { body: string }).body.slice(0, 500);
    try {
      const parsed = JSON.parse((err as { body: string }).body) as { reason?: unknown; message?: unknown };
      if (typeof parsed.reason === 'string' && parsed.reason !== '') reason = parsed.reason;
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // Not a Status body (a proxy's HTML page, say): keep the text.
    }
    const code = reason === undefined ? `${status}` : `${status} ${reason}`;
    // 401 and 403 are about the identity, not the object: say what to grant before what the server said.
    const hint = status === 403 ? `${forbiddenHint(op)}: ` : status === 401 ? `${UNAUTHORIZED_HINT}: ` : '';
    return new KubeApiError(`Kubernetes API ${server}: ${hint}${what}: ${code}: ${message}`, status, {
      cause: err,
      ...(reason === undefined ? {} : { reason }),
      // A Conflict means the object changed under us: reading it again and retrying can succeed.
      // AlreadyExists shares the 409 status and is final.
      ...(reason === 'Conflict' ? { retryable: true } : {}),
    });
  }
  if ((err as Error)?.name === 'RequestTimeoutError') {
    return new KubeApiError(`Kubernetes API ${server} timed out: ${what}: ${(err as Error).message}`, 0, {
      cause: err,
    });
  }
  const detail = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && TLS_TRUST_CODES.has(code)) {
    // Trying again cannot fix trust: the kubeconfig names the wrong CA (or none) for this server.
    return new KubeApiError(
      `Kubernetes API ${server}: ${what}: the server's certificate is not trusted (${code}: ${detail}); set the cluster's certificate-authority-data in the kubeconfig`,
      0,
      { cause: err, retryable: false, reason: 'CertificateNotTrusted' },
    );
  }
  return new KubeApiError(`Kubernetes API ${server} unreachable: ${what}: ${detail}`, 0, { cause: err });
}

/**
 * A KubeClient whose wire half is loaded on first use. Resources are resolved by API discovery (cached
 * per apiVersion); every failure is a KubeApiError (status 0: unreachable or timed out).
 * @example const kube = createKubeClient(await resolveKubeConfig()); await kube.create(job);
 */
export function createKubeClient(config: ResolvedKubeConfig, options: KubeClientOptions = {}): KubeClient {
  const server = config.server;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fieldManager = options.fieldManager ?? 'outrigger';
  let loaded: Promise<ObjectApi> | undefined;
  const api = () => {
    if (!loaded) {
      loaded = import('./object-api.ts').then((m) => m.createObjectApi(config, timeoutMs));
      // A kubeconfig whose files could not be read is tried again on the next request.
      loaded.catch(() => {
        loaded = undefined;
      });
    }
    return loaded;
  };

  /** Resolves the URL path of a collection or object through discovery. */
  async function pathOf(op: Operation): Promise<{ path: string; namespace: string | undefined }> {
    const client = await api();
    const resource = await client.discover(op.apiVersion, op.kind);
    if (!resource) {
      throw new KubeApiError(
        `Kubernetes API ${server}: ${describe(op)}: the server does not serve kind ${op.kind} in ${op.apiVersion}`,
        404,
        { reason: 'NotFound' },
      );
    }
    const group = op.apiVersion.includes('/') ? op.apiVersion.slice(0, op.apiVersion.indexOf('/')) : '';
    op.group = group;
    op.plural = resource.name;
    op.resource = group === '' ? resource.name : `${resource.name}.${group}`;
    const base = op.apiVersion.includes('/') ? `/apis/${op.apiVersion}` : `/api/${op.apiVersion}`;
    // A list without namespace spans all namespaces; everything else falls back to the context's.
    const fallback = op.verb === 'list' ? undefined : client.contextNamespace;
    const namespace = resource.namespaced ? op.namespace || fallback : undefined;
    const scope = namespace === undefined ? base : `${base}/namespaces/${encodeURIComponent(namespace)}`;
    const addressed = op.verb !== 'create' && op.verb !== 'list' && op.name !== undefined;
    const name = addressed ? `/${encodeURIComponent(op.name ?? '')}` : '';
    return { path: `${scope}/${resource.name}${name}`, namespace };
  }

  async function run<T>(op: Operation, method: Method, send: SendOptions = {}): Promise<T> {
    if (op.verb !== 'create' && op.verb !== 'list' && !op.name) {
      throw new KubeApiError(`Kubernetes API ${server}: ${describe(op)}: metadata.name is required`, 0, {
        retryable: false,
        reason: 'Invalid',
      });
    }
    try {
      const { path, namespace } = await pathOf(op);
      op.namespace = namespace;
      return (await (await api()).send(method, path, send)) as T;
    } catch (err) {
      throw toKubeApiError(err, server, op);
    }
  }

  const opOf = (verb: Operation['verb'], object: KubeObject): Operation => ({
    verb,
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.metadata.namespace,
    name: object.metadata.name,
  });

  return {
    server,
    create: (object) => run(opOf('create', object), 'POST', { body: object, query: { fieldManager } }),
    get: (apiVersion, kind, namespace, name) =>
      run({ verb: 'get', apiVersion, kind, namespace, name }, 'GET'),
    update: (object) => run(opOf('update', object), 'PUT', { body: object, query: { fieldManager } }),
    patch: (object, strategy, patch) =>
      run(opOf('patch', object), 'PATCH', {
        body: patch ?? object,
        contentType: PATCH_CONTENT_TYPES[strategy],
        query: { fieldManager },
      }),
    delete: async (apiVersion, kind, namespace, name) => {
      // Background propagation deletes a Job's pods too; the API default for batch/v1 Jobs orphans them.
      await run({ verb: 'delete', apiVersion, kind, namespace, name }, 'DELETE', {
        query: { propagationPolicy: 'Background' },
      });
    },
    list: async (apiVersion, kind, namespace, labelSelector) => {
      const op: Operation = { verb: 'list', apiVersion, kind, namespace, name: undefined };
      const answer = await run<{ items?: KubeObject[] }>(op, 'GET', {
        ...(labelSelector === undefined ? {} : { query: { labelSelector } }),
      });
      return answer.items ?? [];
    },
  };
}
