/**
 * The wire half of the Kubernetes client: JSON over node:http(s) with one keep-alive agent per client,
 * API discovery cached per apiVersion, and a deadline on every request. `client.ts` imports it lazily.
 *
 * It replaces `@kubernetes/client-node`, whose import alone cost a Lambda cold start 300–500 ms and the
 * sensor bundle about 950 KB: only create/get/update/patch/delete/list of plain JSON objects are needed,
 * and client-node's typed serializer dropped fields it had no model for, its default patch content type
 * (strategic merge) is refused for custom resources, and it set no request timeout.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ResolvedKubeConfig } from './config.ts';
import { connectionOf, type KubeConnection } from './kubeconfig.ts';

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

/** One entry of an APIResourceList (https://kubernetes.io/docs/reference/using-api/api-concepts/). */
export interface ApiResource {
  /** Plural, e.g. `jobs`. */
  name: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
}

/** What `client.ts` needs from the wire. */
export interface ObjectApi {
  /** The API resource serving `kind` in `apiVersion`, from discovery (cached per apiVersion). */
  discover(apiVersion: string, kind: string): Promise<ApiResource | undefined>;
  /** Namespace of the kubeconfig context, else `default`. */
  readonly contextNamespace: string;
  /** Sends one request and returns the parsed JSON answer (undefined for an empty body). */
  send(method: Method, path: string, options?: SendOptions): Promise<unknown>;
}

/** Answers larger than this are refused: a runaway list should fail, not exhaust a 128 MB function. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        response.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('the server closed the connection mid-answer')));
  });
}

/** Builds the wire client for a connection; exported for tests that bring their own connection. */
export function createObjectApiFor(connection: KubeConnection, timeoutMs: number): ObjectApi {
  const base = new URL(connection.server);
  const secure = base.protocol === 'https:';
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, ...connection.tls })
    : new HttpAgent({ keepAlive: true });
  const request = secure ? httpsRequest : httpRequest;
  // A server URL may carry a path prefix (a proxy such as Rancher's `/k8s/clusters/c-xxx`).
  const prefix = base.pathname.replace(/\/+$/, '');

  async function send(method: Method, path: string, options: SendOptions = {}): Promise<unknown> {
    const url = new URL(`${prefix}${path}`, base);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'outrigger' };
    const authorization = await connection.authorization();
    if (authorization) headers.Authorization = authorization;
    let body: Buffer | undefined;
    if (options.body !== undefined) {
      body = Buffer.from(JSON.stringify(options.body), 'utf8');
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(body.length);
    }
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(url, { method, headers, agent });
      let timedOut = false;
      // One deadline for connect, status line and body: a server may send headers and then stall.
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy();
      }, timeoutMs);
      const fail = (err: unknown) => {
        clearTimeout(timer);
        reject(timedOut ? new RequestTimeoutError(timeoutMs, err) : err);
      };
      req.on('response', (response) => {
        readBody(response).then((text) => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, text });
        }, fail);
      });
      req.on('error', fail);
      req.end(body);
    });
    if (answer.status < 200 || answer.status > 299) throw new HttpStatusError(answer.status, answer.text);
    return answer.text === '' ? undefined : JSON.parse(answer.text);
  }

  const discovery = new Map<string, Promise<ApiResource[]>>();

  async function resources(apiVersion: string): Promise<ApiResource[]> {
    let pending = discovery.get(apiVersion);
    if (!pending) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      pending = send('GET', path).then((doc) => (doc as { resources?: ApiResource[] }).resources ?? []);
      discovery.set(apiVersion, pending);
      // A failed discovery is not remembered: the next request asks again.
      pending.catch(() => discovery.delete(apiVersion));
    }
    return pending;
  }

  return {
    contextNamespace: connection.namespace,
    send,
    async discover(apiVersion, kind) {
      let list: ApiResource[];
      try {
        list = await resources(apiVersion);
      } catch (err) {
        // An apiVersion the server does not serve at all answers 404: the kind is not served either.
        if (err instanceof HttpStatusError && err.status === 404) return undefined;
        throw err;
      }
      // Subresources (`jobs/status`) share their parent's kind; the parent is the one to address.
      return list.find((r) => r.kind === kind && !r.name.includes('/'));
    },
  };
}

/** Builds the wire client for a resolved kubeconfig (reads certificate and token files once). */
export async function createObjectApi(config: ResolvedKubeConfig, timeoutMs: number): Promise<ObjectApi> {
  return createObjectApiFor(await connectionOf(config), timeoutMs);
}
