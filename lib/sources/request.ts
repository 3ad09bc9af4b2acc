/**
 * Turns what API Gateway and Lambda Function URLs hand a function into the `HttpRequest` every source
 * works with, and an `HttpResponse` back into their result shape. Event formats:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
 */

import { PayloadError } from '../errors.ts';
import type { RawHeaders } from '../events/headers.ts';
import type { HttpRequest, HttpResponse } from './http.ts';

/** The fields of an API Gateway HTTP API (payload 2.0) or Function URL event that sources use. */
export interface ApiGatewayV2Event {
  version?: string;
  rawPath?: string;
  rawQueryString?: string;
  cookies?: string[];
  headers?: Record<string, string | undefined>;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext: { http: { method: string; path?: string }; stage?: string };
}

/** The fields of an API Gateway REST API (payload 1.0) proxy event that sources use. */
export interface ApiGatewayV1Event {
  httpMethod: string;
  path: string;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

/** What a Lambda proxy integration expects back (valid for v1, v2 and Function URLs). */
export interface ApiGatewayResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

function bodyOf(body: string | null | undefined, isBase64Encoded: boolean | undefined): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  return isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

/** HTTP API (payload 2.0) event → HttpRequest; repeated headers stay comma-joined, cookies become `Cookie`. */
export function fromApiGatewayV2(event: ApiGatewayV2Event): HttpRequest {
  const headers: RawHeaders = { ...(event.headers ?? {}) };
  // Payload 2.0 moves Cookie headers into `cookies`; put them back as one header, as a browser sends it.
  if (event.cookies && event.cookies.length > 0) headers.cookie = event.cookies.join('; ');
  let path = event.rawPath ?? event.requestContext.http.path ?? '/';
  // A named stage prefixes rawPath (`/prod/push`); routes are declared without it.
  const stage = event.requestContext.stage;
  if (stage && stage !== '$default' && (path === `/${stage}` || path.startsWith(`/${stage}/`))) {
    path = path.slice(stage.length + 1) || '/';
  }
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path,
    rawQuery: event.rawQueryString ?? '',
    headers,
    body: bodyOf(event.body, event.isBase64Encoded),
  };
}

/** Lambda Function URL event → HttpRequest (same payload as HTTP API 2.0, always `$default` stage). */
export function fromFunctionUrl(event: ApiGatewayV2Event): HttpRequest {
  return fromApiGatewayV2(event);
}

/** REST API (payload 1.0) event → HttpRequest; `multiValueHeaders` keep repeated headers apart. */
export function fromApiGatewayV1(event: ApiGatewayV1Event): HttpRequest {
  const headers: RawHeaders = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name] = value;
  }
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (values === undefined || values.length === 0) continue;
    // The single-value map repeats the last value under the same name; the multi-value one wins.
    headers[name] = values.length === 1 ? values[0] : [...values];
  }
  const pairs: string[] = [];
  const multi = event.multiValueQueryStringParameters;
  const single = event.queryStringParameters;
  if (multi) {
    for (const [name, values] of Object.entries(multi)) {
      for (const value of values ?? [])
        pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
    }
  } else if (single) {
    for (const [name, value] of Object.entries(single)) {
      if (value !== undefined) pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
    }
  }
  return {
    method: event.httpMethod.toUpperCase(),
    path: event.path,
    rawQuery: pairs.join('&'),
    headers,
    body: bodyOf(event.body, event.isBase64Encoded),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Any of the three event shapes → HttpRequest, told apart by their fields; throws PayloadError otherwise. */
export function fromLambdaEvent(event: unknown): HttpRequest {
  if (isRecord(event)) {
    const context = event.requestContext;
    if (isRecord(context) && isRecord(context.http) && typeof context.http.method === 'string') {
      return fromApiGatewayV2(event as unknown as ApiGatewayV2Event);
    }
    if (typeof event.httpMethod === 'string' && typeof event.path === 'string') {
      return fromApiGatewayV1(event as unknown as ApiGatewayV1Event);
    }
  }
  throw new PayloadError('not an API Gateway or Function URL event');
}

/** HttpResponse → the proxy-integration result. */
export function toApiGatewayResult(response: HttpResponse): ApiGatewayResult {
  return {
    statusCode: response.statusCode,
    headers: { ...response.headers },
    body: response.body,
    isBase64Encoded: false,
  };
}
