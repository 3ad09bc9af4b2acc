/** JSON answers of HTTP sources: `{error, message}` for failures (DESIGN §3 "Errors"). */
import { BusError, OutriggerError } from '../errors.ts';
import type { HttpResponse } from './http.ts';

/** Seconds a provider should wait before redelivering after a 503. */
export const RETRY_AFTER_SECONDS = 5;

const CONTENT_TYPE = 'application/json';

/** A JSON answer. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers?: Record<string, string>,
): HttpResponse {
  return jsonText(statusCode, JSON.stringify(body), headers);
}

/** The answer to an accepted event, `{"ok":true,"id":…}`: every accept ends here, so no object is serialised. */
export function acceptedResponse(id: string): HttpResponse {
  return jsonText(200, `{"ok":true,"id":${JSON.stringify(id)}}`);
}

function jsonText(statusCode: number, body: string, headers?: Record<string, string>): HttpResponse {
  // No spread for the common answer without extra headers.
  const all =
    headers === undefined ? { 'content-type': CONTENT_TYPE } : { 'content-type': CONTENT_TYPE, ...headers };
  return { statusCode, headers: all, body };
}

/** The `{error, message}` answer for an error; hides messages that are not meant for callers. */
export function errorResponse(err: unknown): HttpResponse {
  if (err instanceof OutriggerError) {
    const headers: Record<string, string> = {};
    if (err instanceof BusError) headers['retry-after'] = String(RETRY_AFTER_SECONDS);
    const allow = (err as { allow?: unknown }).allow;
    if (typeof allow === 'string') headers.allow = allow;
    const message = err.expose ? err.message : 'internal error';
    return jsonResponse(err.statusCode, { error: err.code, message }, headers);
  }
  return jsonResponse(500, { error: 'InternalError', message: 'internal error' });
}
