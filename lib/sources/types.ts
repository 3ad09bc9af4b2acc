/** The shape every webhook-style source module has; ./index.ts maps type names to these objects. */
import type { WebhookContext } from '../manifests/types.ts';
import type { SecretResolver } from '../secrets/resolver.ts';
import type { HttpRequest, HttpResponse } from './http.ts';

/** One source type: where it listens, how it checks the sender, and what event data it makes. */
export interface SourceModule<Spec = unknown> {
  /** The `spec.<type>` key and the CloudEvent `type`. */
  readonly type: string;
  /** The listener part of an event's spec (endpoint, method, port), or undefined when it has none. */
  routesOf(spec: Spec): WebhookContext | undefined;
  /**
   * Authenticates the sender over the raw request; rejects with AuthError (401) or PayloadError. Undefined
   * when the request was verified in this turn (its secrets were cached, see `checkWithSecret`); a failure
   * is always a rejected promise, never a throw.
   */
  verify(request: HttpRequest, spec: Spec, secrets: SecretResolver): Promise<void> | undefined;
  /**
   * The event `data` Argo Events would publish; throws PayloadError for a body it cannot read. A JSON body
   * is parsed now when `parseBody` (the bus hands the object to its consumers), else checked now and parsed
   * on first read (the bus carries the bytes: a source function's case, and the default).
   */
  toEventData(request: HttpRequest, spec: Spec, parseBody?: boolean): unknown;
  /** The provider's delivery id (the deduplication key), when the request carries one. */
  deliveryId(request: HttpRequest, data: unknown): string | undefined;
  /** Answers a verified request without publishing (handshakes such as Slack's `url_verification`). */
  answer?(request: HttpRequest, data: unknown, spec: Spec): HttpResponse | undefined;
  /** As `answer`, for handshakes that call out first (SNS visits a SubscriptionConfirmation's SubscribeURL). */
  handshake?(request: HttpRequest, data: unknown, spec: Spec): Promise<HttpResponse | undefined>;
}

/** Erases a module's spec type for the registry; the loader has validated specs against their schema. */
export function asSourceModule<Spec>(module: SourceModule<Spec>): SourceModule<unknown> {
  return module as SourceModule<unknown>;
}
