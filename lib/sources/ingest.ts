/**
 * HTTP ingest: one entry point for every webhook-style endpoint of every EventSource. It routes a
 * request to (EventSource, event name), checks it, turns it into the event Argo Events would publish,
 * publishes durably, and only then answers 2xx (DESIGN §3 "Errors", semantics §2.1).
 *
 * @example
 * const ingest = createIngest(set, { bus, secrets });
 * const response = await ingest.handle(request);
 */

import type { Bus } from '../bus/port.ts';
import { AuthError, BusError, ErrorCode, ManifestError, OutriggerError, PayloadError } from '../errors.ts';
import { newEvent } from '../events/envelope.ts';
import { headerValue } from '../events/headers.ts';
import type {
  EventSource,
  EventSourceFilter,
  ManifestSet,
  SecretKeySelector,
  WebhookContext,
} from '../manifests/types.ts';
import type { EventMeter } from '../observability/metrics.ts';
import { eventMeter } from '../observability/metrics.ts';
import { spanFromHeaders, traceExtensions } from '../observability/trace.ts';
import type { SecretResolver } from '../secrets/resolver.ts';
import { exprLangFilter } from './filter.ts';
import type { HttpRequest, HttpResponse } from './http.ts';
import { sourceOf } from './index.ts';
import { acceptedResponse, errorResponse, jsonResponse } from './response.ts';
import type { SourceModule } from './types.ts';
import { checkWithSecret, constantTimeEqual } from './verify.ts';

export { errorResponse, jsonResponse } from './response.ts';

/** Argo's default `maxPayloadSize`: 1 MiB. */
export const DEFAULT_MAX_PAYLOAD_SIZE = 1_048_576;
export { RETRY_AFTER_SECONDS } from './response.ts';

/** One served endpoint: an (EventSource, event name) pair and where it listens. */
export interface Route {
  eventSourceName: string;
  eventName: string;
  type: string;
  method: string;
  path: string;
  port: number | undefined;
}

/** Decides an EventSource `filter.expression` on event data (expr-lang); true keeps the event. */
export type FilterEvaluator = (expression: string, data: unknown) => boolean | Promise<boolean>;

export interface IngestDeps {
  bus: Bus;
  secrets: SecretResolver;
  log?: (entry: Record<string, unknown>) => void;
  /** Evaluates `filter.expression` (default: expr-lang, imported on first use). */
  filter?: FilterEvaluator;
  /**
   * Listen per port as Argo does (the local runner): the same method + path may appear on two ports.
   * Off (behind API Gateway, one host), a repeated method + path is a load error.
   */
  perPort?: boolean;
}

export interface Ingest {
  routes: Route[];
  handle(request: HttpRequest): Promise<HttpResponse>;
}

interface Binding {
  route: Route;
  source: SourceModule<unknown>;
  spec: unknown;
  context: WebhookContext;
  filter: EventSourceFilter | undefined;
  /** Log labels of the route. */
  labels: { eventSource: string; eventName: string };
  meter: EventMeter;
}

class MethodNotAllowedError extends PayloadError {
  readonly allow: string;
  constructor(method: string, allowed: string[]) {
    super(`method ${method.slice(0, 20)} not allowed; use ${allowed.join(', ')}`, {
      code: ErrorCode.MethodNotAllowed,
      statusCode: 405,
    });
    this.allow = allowed.join(', ');
  }
}

function eventSpecs(eventSource: EventSource): [string, Record<string, unknown>][] {
  return Object.entries(eventSource.spec).filter(
    (entry): entry is [string, Record<string, unknown>] =>
      entry[0] !== 'eventBusName' && typeof entry[1] === 'object' && entry[1] !== null,
  );
}

function parsePort(port: string | undefined): number | undefined {
  if (port === undefined || port === '') return undefined;
  const value = Number(port);
  return Number.isInteger(value) ? value : undefined;
}

function bindingsOf(set: ManifestSet): Binding[] {
  const bindings: Binding[] = [];
  for (const eventSource of set.eventSources) {
    for (const [type, events] of eventSpecs(eventSource)) {
      const source = sourceOf(type);
      if (!source) continue;
      for (const [eventName, spec] of Object.entries(events)) {
        const context = source.routesOf(spec);
        if (!context) continue;
        const route: Route = {
          eventSourceName: eventSource.metadata.name,
          eventName,
          type,
          // Upstream compares the method exactly; GitHub-style sources do not check it, POST is what they send.
          method: (context.method ?? 'POST').toUpperCase(),
          path: context.endpoint,
          port: parsePort(context.port),
        };
        const filter = (spec as { filter?: EventSourceFilter }).filter;
        const labels = { eventSource: route.eventSourceName, eventName };
        const meter = eventMeter(route.eventSourceName, eventName);
        bindings.push({ route, source, spec, context, filter, labels, meter });
      }
    }
  }
  return bindings;
}

function checkConflicts(set: ManifestSet, bindings: Binding[], perPort: boolean): void {
  const seen = new Map<string, Binding>();
  const issues: ConstructorParameters<typeof ManifestError>[0] = [];
  for (const binding of bindings) {
    const { route } = binding;
    const key = perPort ? `${route.port} ${route.method} ${route.path}` : `${route.method} ${route.path}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, binding);
      continue;
    }
    const origin = set.origins[`EventSource/${route.eventSourceName}`] ?? { file: '<manifests>', line: 1 };
    issues.push({
      file: origin.file,
      line: origin.line,
      column: 1,
      path: `spec.${route.type}.${route.eventName}`,
      message: `${route.method} ${route.path}${perPort ? ` on port ${route.port}` : ''} is already served by ${first.route.eventSourceName}/${first.route.eventName}; give one of them another endpoint`,
      severity: 'error',
    });
  }
  if (issues.length > 0) throw new ManifestError(issues);
}

/** The `authSecret` bearer check, as a source's verify: undefined when passed in this turn, else a promise. */
function checkBearer(
  request: HttpRequest,
  authSecret: SecretKeySelector,
  secrets: SecretResolver,
): Promise<void> | undefined {
  const header = headerValue(request.headers, 'Authorization');
  if (!header?.startsWith('Bearer ')) {
    return Promise.reject(new AuthError('invalid Authorization header: expected a bearer token'));
  }
  return checkWithSecret(secrets, authSecret, (expected) => {
    if (!constantTimeEqual(header.slice('Bearer '.length), expected))
      throw new AuthError('invalid auth token');
  });
}

/** Builds the router and request handler for every webhook-style event in `set`; throws ManifestError on clashes. */
export function createIngest(set: ManifestSet, deps: IngestDeps): Ingest {
  const perPort = deps.perPort ?? false;
  const bindings = bindingsOf(set);
  checkConflicts(set, bindings, perPort);
  const log = deps.log ?? (() => {});
  const filter = deps.filter ?? exprLangFilter();
  // An in-process consumer reads the body anyway: checking it without parsing would only add a pass.
  const parseBody = deps.bus.handsOverObjects === true;

  // Bindings per path, and per port and path, so a request finds its candidates with a lookup.
  const byPath = new Map<string, Binding[]>();
  const byPort = new Map<number, Map<string, Binding[]>>();
  const add = (table: Map<string, Binding[]>, binding: Binding) => {
    const list = table.get(binding.route.path);
    if (list) list.push(binding);
    else table.set(binding.route.path, [binding]);
  };
  for (const binding of bindings) {
    add(byPath, binding);
    const { port } = binding.route;
    if (port === undefined) continue;
    const table = byPort.get(port) ?? new Map<string, Binding[]>();
    byPort.set(port, table);
    add(table, binding);
  }
  const none: Binding[] = [];

  function find(request: HttpRequest): Binding[] {
    if (perPort && request.port !== undefined) return byPort.get(request.port)?.get(request.path) ?? none;
    return byPath.get(request.path) ?? none;
  }

  async function keep(binding: Binding, expression: string, data: unknown): Promise<boolean> {
    try {
      return (await filter(expression, data)) === true;
    } catch (err) {
      // Upstream drops the event on an evaluation error (semantics §1.6).
      log({
        level: 'error',
        msg: 'filter.expression failed; event dropped',
        error: String(err),
        ...binding.labels,
      });
      return false;
    }
  }

  // Not async: without a bearer token this is what the source's verify returns, undefined when it verified
  // the request in this turn.
  function authenticate({ source, spec, context }: Binding, request: HttpRequest): Promise<void> | undefined {
    const { authSecret } = context;
    if (!authSecret) return source.verify(request, spec, deps.secrets);
    const bearer = checkBearer(request, authSecret, deps.secrets);
    if (!bearer) return source.verify(request, spec, deps.secrets);
    return bearer.then(() => source.verify(request, spec, deps.secrets));
  }

  async function accept(binding: Binding, request: HttpRequest): Promise<HttpResponse> {
    const { source, spec, context, route } = binding;
    const started = performance.now();
    const limit = context.maxPayloadSize ?? DEFAULT_MAX_PAYLOAD_SIZE;
    if (request.body.length > limit) {
      throw new PayloadError(`body of ${request.body.length} bytes exceeds maxPayloadSize ${limit}`, {
        code: ErrorCode.PayloadTooLarge,
        statusCode: 413,
      });
    }
    // Awaits only where there is something to wait for: each one costs a turn of the microtask queue.
    try {
      const pending = authenticate(binding, request);
      if (pending) await pending;
    } catch (err) {
      // A secret rotated since it was read: read the secrets again (at most every 30 s) and check once more.
      if (!(err instanceof AuthError) || !deps.secrets.refresh?.()) throw err;
      log({ level: 'info', msg: 'request refused with cached secrets; read them again', ...binding.labels });
      await authenticate(binding, request);
    }
    const data = source.toEventData(request, spec, parseBody);
    const answer =
      source.answer?.(request, data, spec) ??
      (source.handshake ? await source.handshake(request, data, spec) : undefined);
    if (answer) return answer;
    const expression = binding.filter?.expression;
    if (expression && !(await keep(binding, expression, data))) {
      log({ level: 'info', msg: 'event filtered out', ...binding.labels });
      return jsonResponse(200, { ok: true, filtered: true });
    }
    // The caller's trace (or a new one) travels with the event to the sensor's logs and created objects.
    const trace = spanFromHeaders(request.headers);
    const event = newEvent({
      source: route.eventSourceName,
      subject: route.eventName,
      type: route.type,
      data,
      id: source.deliveryId(request, data),
      extensions: traceExtensions(trace),
    });
    try {
      await deps.bus.publish(event);
    } catch (cause) {
      binding.meter.failed(true, performance.now() - started);
      throw cause instanceof BusError ? cause : new BusError('event could not be recorded', { cause });
    }
    binding.meter.published(performance.now() - started);
    const { eventSource, eventName } = binding.labels;
    log({
      level: 'info',
      msg: 'event published',
      eventId: event.id,
      traceId: trace.traceId, // TraceKey.logField, written out: a computed key slows the literal down
      eventSource,
      eventName,
    });
    return acceptedResponse(event.id);
  }

  async function handle(request: HttpRequest): Promise<HttpResponse> {
    const candidates = find(request);
    try {
      if (candidates.length === 0) {
        if (request.path === '/health' && request.method === 'GET') return jsonResponse(200, { ok: true });
        throw new PayloadError(`no event source listens on ${request.path.slice(0, 200)}`, {
          code: ErrorCode.RouteNotFound,
          statusCode: 404,
        });
      }
      const binding = candidates.find((b) => b.route.method === request.method);
      if (!binding) {
        throw new MethodNotAllowedError(request.method, [...new Set(candidates.map((b) => b.route.method))]);
      }
      try {
        return await accept(binding, request);
      } catch (err) {
        log({
          level: err instanceof BusError || !(err instanceof OutriggerError) ? 'error' : 'warn',
          msg: 'request refused',
          error: err instanceof OutriggerError ? err.code : 'InternalError',
          reason: err instanceof OutriggerError ? err.message : String(err),
          ...binding.labels,
        });
        throw err;
      }
    } catch (err) {
      return errorResponse(err);
    }
  }

  return { routes: bindings.map((b) => b.route), handle };
}
