/** The data shape shared by git providers: `{headers, body, metadata}` with the raw JSON body. */

import type { WebhookContext } from '../manifests/types.ts';
import { withJsonBody } from './body.ts';
import { eventHeaders } from './headers.ts';
import type { HttpRequest } from './http.ts';

/** Event data of gitlab, bitbucket and bitbucketserver events (`headers` plural). */
export interface HeadersBodyEventData {
  headers: Record<string, string[]>;
  body: unknown;
  metadata?: Record<string, string>;
}

/** The common spec fields of those providers. */
export interface ProviderSpec {
  webhook?: WebhookContext;
  metadata?: Record<string, string>;
}

/** `{headers, body, metadata}` with the body read as JSON (400 when it is not; see `withJsonBody`). */
export function headersBodyData(
  request: HttpRequest,
  spec: ProviderSpec,
  parseBody = false,
): HeadersBodyEventData {
  const data: HeadersBodyEventData = { headers: eventHeaders(request.headers), body: undefined };
  if (spec.metadata && Object.keys(spec.metadata).length > 0) data.metadata = spec.metadata;
  // Argo's body is a json.RawMessage: the bus carries it as received.
  return withJsonBody(data, 'body', request.body, parseBody);
}
