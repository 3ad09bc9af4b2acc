/**
 * The `http` trigger: one HTTP request built from the spec and the fired events
 * (argoproj/argo-events: pkg/sensors/triggers/http/http.go; semantics §6.3).
 *
 * Deliberate difference (DESIGN §3): a 5xx or 429 answer fails the attempt (retryable) unless
 * `policy.status.allow` lists it; the runner checks the status this trigger reports (lib/triggers/policy.ts).
 */
import { TriggerError } from '../../errors.ts';
import type { SecretKeySelector, TriggerParameter } from '../../manifests/types.ts';
import { applyParameters } from '../../sensors/parameters.ts';
import { constructPayload, dynamicHeaders } from '../payload.ts';
import type { FiredEvents, RenderContext, TriggerClients, TriggerOutcome, TriggerType } from '../types.ts';
import { type OutboundTls, redactUrl, sendRequest } from './request.ts';
import { configMapValue, secretValue } from './secrets.ts';

/** `http.secureHeaders[]`: a header whose value comes from a Secret or a ConfigMap. */
export interface SecureHeader {
  name: string;
  valueFrom: { secretKeyRef?: SecretKeySelector; configMapKeyRef?: SecretKeySelector };
}

/** Argo's `TLSConfig` as the http and nats triggers use it. */
export interface TriggerTls {
  caCertSecret?: SecretKeySelector;
  clientCertSecret?: SecretKeySelector;
  clientKeySecret?: SecretKeySelector;
  insecureSkipVerify?: boolean;
  enabled?: boolean;
}

/** `template.http` (Argo's HTTPTrigger). */
export interface HttpTriggerSpec {
  url: string;
  method?: string;
  payload?: TriggerParameter[];
  parameters?: TriggerParameter[];
  headers?: Record<string, string>;
  secureHeaders?: SecureHeader[];
  dynamicHeaders?: TriggerParameter[];
  basicAuth?: { username?: SecretKeySelector; password?: SecretKeySelector };
  tls?: TriggerTls;
  /** Seconds; 0 or absent means 60. */
  timeout?: number;
  /** Overrides the Host header. */
  host?: string;
}

/** What render produces: everything but secret values, which execute resolves. */
export interface HttpRequest {
  url: string;
  method: string;
  /** Static then dynamic headers, in the order they are sent. */
  headers: [string, string][];
  /** The payload as JSON text; undefined sends an empty body (upstream sends no bytes). */
  body: string | undefined;
  secureHeaders: SecureHeader[];
  basicAuth: HttpTriggerSpec['basicAuth'];
  tls: TriggerTls | undefined;
  timeoutMs: number;
  /** Namespace for ConfigMap header values (the sensor's). */
  namespace: string | undefined;
}

const METHODS = new Set(['GET', 'DELETE', 'PATCH', 'POST', 'PUT']);
const DEFAULT_TIMEOUT_S = 60;

/** Applies `http.parameters` to the spec, then builds headers and body (pure). */
export function renderHttp(spec: HttpTriggerSpec, events: FiredEvents, context: RenderContext): HttpRequest {
  // Resource-level parameters write into the spec itself (`url`, `method`…); unknown dests are dropped
  // below because only known fields are read (vector PL-06: `serverURL`).
  const resolved = applyParameters(spec, spec.parameters, events);
  const method = (resolved.method || 'POST').toUpperCase();
  if (!METHODS.has(method)) {
    throw new TriggerError(
      `http trigger "${context.triggerName}": method ${method} is not one of ${[...METHODS].join(', ')}`,
      { retryable: false },
    );
  }
  if (!resolved.url) {
    throw new TriggerError(`http trigger "${context.triggerName}": url is empty`, { retryable: false });
  }
  const headers: [string, string][] = Object.entries(resolved.headers ?? {});
  if (resolved.host) headers.push(['Host', resolved.host]);
  headers.push(...dynamicHeaders(resolved.dynamicHeaders, events));
  return {
    url: resolved.url,
    method,
    headers,
    body: constructPayload(resolved.payload, events),
    secureHeaders: resolved.secureHeaders ?? [],
    basicAuth: resolved.basicAuth,
    tls: resolved.tls,
    timeoutMs: (resolved.timeout || DEFAULT_TIMEOUT_S) * 1000,
    namespace: context.sensorNamespace,
  };
}

async function tlsOptions(tls: TriggerTls | undefined, clients: TriggerClients): Promise<OutboundTls> {
  if (!tls) return {};
  const out: OutboundTls = {};
  if (tls.insecureSkipVerify) out.rejectUnauthorized = false;
  if (tls.caCertSecret) out.ca = await secretValue(clients, tls.caCertSecret, 'http tls.caCertSecret');
  if (tls.clientCertSecret)
    out.cert = await secretValue(clients, tls.clientCertSecret, 'http tls.clientCertSecret');
  if (tls.clientKeySecret)
    out.key = await secretValue(clients, tls.clientKeySecret, 'http tls.clientKeySecret');
  return out;
}

async function secureHeaderValues(
  request: HttpRequest,
  clients: TriggerClients,
): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const header of request.secureHeaders) {
    const what = `http secureHeaders ${header.name}`;
    const { secretKeyRef, configMapKeyRef } = header.valueFrom;
    if (secretKeyRef) out.push([header.name, await secretValue(clients, secretKeyRef, what)]);
    else if (configMapKeyRef)
      out.push([header.name, await configMapValue(clients, configMapKeyRef, request.namespace, what)]);
  }
  return out;
}

/** Sends the request; the status is reported for the runner's policy check, never thrown here. */
export async function executeHttp(request: HttpRequest, clients: TriggerClients): Promise<TriggerOutcome> {
  // Upstream order: static headers, secure headers, basic auth, then dynamic headers (already in `headers`).
  const headers: [string, string][] = [...request.headers, ...(await secureHeaderValues(request, clients))];
  if (request.basicAuth) {
    const { username, password } = request.basicAuth;
    const user = username ? await secretValue(clients, username, 'http basicAuth.username') : '';
    const pass = password ? await secretValue(clients, password, 'http basicAuth.password') : '';
    headers.push(['Authorization', `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`]);
  }
  const response = await sendRequest({
    url: request.url,
    method: request.method,
    headers,
    ...(request.body === undefined ? {} : { body: request.body }),
    timeoutMs: request.timeoutMs,
    tls: await tlsOptions(request.tls, clients),
    allowLinkLocal: clients.allowLinkLocal === true,
  });
  return {
    summary: `${request.method} ${redactUrl(request.url)} answered ${response.status}`,
    status: response.status,
    result: { status: response.status, body: response.body },
  };
}

/** The http trigger type. */
export const httpTrigger: TriggerType<HttpTriggerSpec, HttpRequest> = {
  type: 'http',
  render: renderHttp,
  execute: executeHttp,
};
