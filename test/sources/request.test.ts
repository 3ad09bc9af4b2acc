import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../lib/errors.ts';
import { headerValue } from '../../lib/events/headers.ts';
import { eventHeaders } from '../../lib/sources/headers.ts';
import type { ApiGatewayV1Event, ApiGatewayV2Event } from '../../lib/sources/request.ts';
import {
  fromApiGatewayV1,
  fromApiGatewayV2,
  fromFunctionUrl,
  fromLambdaEvent,
  toApiGatewayResult,
} from '../../lib/sources/request.ts';

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/sources/${name}`, import.meta.url), 'utf8')) as T;
}

const BODY = '{"ref": "refs/heads/main", "repository": {"full_name": "myorg/backend-api"}}';

describe('API Gateway HTTP API (payload 2.0)', () => {
  it('decodes a base64 body to its raw bytes and keeps method, path and query', () => {
    // Prepare
    const event = fixture<ApiGatewayV2Event>('apigw-v2-base64.json');

    // Act
    const request = fromApiGatewayV2(event);

    // Assess
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/push');
    expect(request.rawQuery).toBe('a=1&a=2&b=x%20y');
    expect(request.body.toString('utf8')).toBe(BODY);
    expect(request.port).toBeUndefined();
  });

  it('restores cookies as one Cookie header and keeps comma-joined repeats as one value', () => {
    // Act
    const request = fromApiGatewayV2(fixture<ApiGatewayV2Event>('apigw-v2-base64.json'));

    // Assess
    expect(headerValue(request.headers, 'Cookie')).toBe('session=abc; theme=dark');
    expect(eventHeaders(request.headers)['X-Forwarded-For']).toEqual(['1.1.1.1,2.2.2.2']);
    expect(headerValue(request.headers, 'X-GitHub-Event')).toBe('push');
  });

  it('strips a named stage from the path', () => {
    // Act
    const request = fromApiGatewayV2(fixture<ApiGatewayV2Event>('apigw-v2-stage.json'));

    // Assess
    expect(request.path).toBe('/push');
    expect(request.body.toString('utf8')).toBe(BODY);
  });

  it('reads a missing body as empty bytes', () => {
    const event = { ...fixture<ApiGatewayV2Event>('apigw-v2-base64.json'), body: null };
    expect(fromApiGatewayV2(event).body.length).toBe(0);
  });

  it('keeps binary bytes intact through base64', () => {
    // Prepare
    const bytes = Buffer.from([0, 255, 128, 10, 13]);
    const event = { ...fixture<ApiGatewayV2Event>('apigw-v2-base64.json'), body: bytes.toString('base64') };

    // Act
    const request = fromApiGatewayV2(event);

    // Assess
    expect(request.body.equals(bytes)).toBe(true);
  });
});

describe('Lambda Function URL', () => {
  it('normalises like payload 2.0', () => {
    // Act
    const request = fromFunctionUrl(fixture<ApiGatewayV2Event>('function-url.json'));

    // Assess
    expect(request).toMatchObject({ method: 'POST', path: '/push', rawQuery: '' });
    expect(request.body.toString('utf8')).toBe(BODY);
    expect(headerValue(request.headers, 'X-Hub-Signature-256')).toBe('sha256=00');
  });
});

describe('API Gateway REST API (payload 1.0)', () => {
  it('decodes base64, keeps repeated headers apart and rebuilds the query from multi values', () => {
    // Act
    const request = fromApiGatewayV1(fixture<ApiGatewayV1Event>('apigw-v1-base64.json'));

    // Assess
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/push');
    expect(request.rawQuery).toBe('a=1&a=2&b=x%20y');
    expect(request.body.toString('utf8')).toBe(BODY);
    expect(eventHeaders(request.headers).Accept).toEqual(['a', 'b']);
    expect(headerValue(request.headers, 'content-type')).toBe('application/json');
  });

  it('falls back to single-value headers and query when multi values are absent', () => {
    // Prepare
    const event: ApiGatewayV1Event = {
      httpMethod: 'get',
      path: '/q',
      headers: { 'X-A': '1' },
      queryStringParameters: { k: 'v w' },
      body: null,
    };

    // Act
    const request = fromApiGatewayV1(event);

    // Assess
    expect(request).toMatchObject({
      method: 'GET',
      path: '/q',
      rawQuery: 'k=v%20w',
      headers: { 'X-A': '1' },
    });
    expect(request.body.length).toBe(0);
  });
});

describe('event shape detection and results', () => {
  it('tells the three shapes apart', () => {
    expect(fromLambdaEvent(fixture('apigw-v2-base64.json')).rawQuery).toBe('a=1&a=2&b=x%20y');
    expect(fromLambdaEvent(fixture('apigw-v1-base64.json')).path).toBe('/push');
    expect(fromLambdaEvent(fixture('function-url.json')).path).toBe('/push');
  });

  it.each([null, 'text', {}, { requestContext: {} }, { httpMethod: 'GET' }])('refuses %j', (event) => {
    expect(() => fromLambdaEvent(event)).toThrow(PayloadError);
  });

  it('turns a response into a proxy result', () => {
    // Act
    const result = toApiGatewayResult({ statusCode: 405, headers: { allow: 'POST' }, body: '{}' });

    // Assess
    expect(result).toEqual({
      statusCode: 405,
      headers: { allow: 'POST' },
      body: '{}',
      isBase64Encoded: false,
    });
  });
});
