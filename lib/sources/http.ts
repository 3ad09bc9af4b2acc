/**
 * The HTTP request and response every webhook-style source works with, whatever carried it: API Gateway
 * HTTP API (v2), REST API (v1), a Lambda Function URL, or the local runner's node:http server.
 */
import type { RawHeaders } from '../events/headers.ts';

/** A request reduced to what sources need; `body` holds the raw bytes signatures are computed over. */
export interface HttpRequest {
  method: string;
  /** Path without query string, e.g. `/push`. */
  path: string;
  /** Raw query string without `?` (empty when none). */
  rawQuery: string;
  /** Header names in any case; repeated headers as arrays. */
  headers: RawHeaders;
  body: Buffer;
  /** Port the request arrived on (local runner); undefined behind API Gateway. */
  port?: number;
}

/** What a source answers; `body` is JSON text unless `contentType` says otherwise. */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}
