/**
 * The part of the Kubernetes client that loads `@kubernetes/client-node`; `client.ts` imports it lazily so
 * functions that never reach a cluster never load the library.
 *
 * It reuses `KubernetesObjectApi` for what it does well (kubeconfig authentication, TLS agents, and API
 * discovery cached per apiVersion) and replaces what does not fit: bodies go out as the JSON we give (its
 * typed serializer drops fields it has no model for), responses come back as plain JSON (not model classes
 * with `Date`s), the patch content type is ours (its default, strategic merge, is refused for custom
 * resources), and every request has a deadline (client-node sets none).
 */
import {
  type HttpLibrary,
  HttpMethod,
  KubeConfig,
  KubernetesObjectApi,
  Observable,
  type RequestContext,
  type ResponseContext,
  type V1APIResource,
} from '@kubernetes/client-node';
import { kubeconfigDir, type ResolvedKubeConfig } from './config.ts';

/** A non-2xx answer, with the body as text. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}`);
    this.name = 'HttpStatusError';
  }
}

/** Thrown when a request passes its deadline. */
export class RequestTimeoutError extends Error {
  constructor(
    readonly timeoutMs: number,
    cause?: unknown,
  ) {
    super(`no answer within ${timeoutMs} ms`, { cause });
    this.name = 'RequestTimeoutError';
  }
}

export interface SendOptions {
  query?: Record<string, string>;
  body?: unknown;
  contentType?: string;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const METHODS: Record<Method, HttpMethod> = {
  GET: HttpMethod.GET,
  POST: HttpMethod.POST,
  PUT: HttpMethod.PUT,
  PATCH: HttpMethod.PATCH,
  DELETE: HttpMethod.DELETE,
};

/** Sends through `inner`, aborting when the status line and body have not both arrived in time. */
async function sendWithDeadline(
  inner: HttpLibrary,
  context: RequestContext,
  timeoutMs: number,
): Promise<ResponseContext> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  context.setSignal(controller.signal);
  try {
    const response = await inner.send(context).toPromise();
    // Read the body inside the deadline too: a server may send headers and then stall.
    const text = await response.body.text();
    response.body = { text: async () => text, binary: async () => Buffer.from(text, 'utf8') };
    return response;
  } catch (err) {
    if (controller.signal.aborted) throw new RequestTimeoutError(timeoutMs, err);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** `KubernetesObjectApi` with raw JSON in and out and a deadline per request. */
export class RawObjectApi extends KubernetesObjectApi {
  /** Wraps the HTTP library so every request, discovery included, must answer within `timeoutMs`. */
  withTimeout(timeoutMs: number): this {
    const inner = this.configuration.httpApi;
    (this.configuration as { httpApi: HttpLibrary }).httpApi = {
      send: (context) => new Observable(sendWithDeadline(inner, context, timeoutMs)),
    };
    return this;
  }

  /** The API resource serving `kind` in `apiVersion`, from discovery (cached per apiVersion). */
  async discover(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
    const found = await this.resource(apiVersion, kind);
    if (found === undefined || !found.name.includes('/')) return found;
    // Subresources (`jobs/status`) share their parent's kind; the parent is the one to address.
    return this.apiVersionResourceCache[apiVersion]?.resources.find(
      (r) => r.kind === kind && !r.name.includes('/'),
    );
  }

  /** Namespace of the kubeconfig context, else `default`. */
  get contextNamespace(): string {
    return this.defaultNamespace;
  }

  /** Sends one request and returns the parsed JSON answer. */
  async send(method: Method, path: string, options: SendOptions = {}): Promise<unknown> {
    const context = this.configuration.baseServer.makeRequestContext(path, METHODS[method]);
    context.setHeaderParam('Accept', 'application/json');
    for (const [key, value] of Object.entries(options.query ?? {})) context.setQueryParam(key, value);
    if (options.body !== undefined) {
      context.setHeaderParam('Content-Type', options.contentType ?? 'application/json');
      context.setBody(JSON.stringify(options.body));
    }
    return this.requestPromise(context);
  }

  protected override async processResponse<T>(response: ResponseContext): Promise<T> {
    const text = await response.body.text();
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
      throw new HttpStatusError(response.httpStatusCode, text);
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
}

/** Builds the API object for a resolved kubeconfig. */
export function createObjectApi(config: ResolvedKubeConfig, timeoutMs: number): RawObjectApi {
  const kc = new KubeConfig();
  kc.loadFromString(config.text);
  if (config.context) kc.setCurrentContext(config.context);
  const dir = kubeconfigDir(config);
  if (dir) kc.makePathsAbsolute(dir);
  const api = kc.makeApiClient(RawObjectApi);
  // makeApiClient does not read the context's namespace; KubernetesObjectApi.makeApiClient would.
  (api as unknown as { setDefaultNamespace(kc: KubeConfig): string }).setDefaultNamespace(kc);
  return api.withTimeout(timeoutMs);
}
