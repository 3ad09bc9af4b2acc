/**
 * The `github` source (argoproj/argo-events: pkg/eventsources/sources/github/start.go; signature rules
 * of google/go-github: github/messages.go ValidatePayload): HMAC chosen by the signature's prefix, JSON
 * object payloads (form deliveries carry it in `payload`), `X-GitHub-Event`/`X-GitHub-Delivery` added
 * to the body.
 */

import { AuthError, PayloadError } from '../../errors.ts';
import { headerValue } from '../../events/headers.ts';
import { goMarshalJson, keepRawJson } from '../../events/raw-json.ts';
import type { GithubEventSpec } from '../../manifests/types.ts';
import { mediaType, parseGoForm, parseJsonObject, unsupportedMediaType } from '../body.ts';
import { eventHeaders, githubDeliveryId } from '../headers.ts';
import type { HttpRequest } from '../http.ts';
import type { SourceModule } from '../types.ts';
import type { HmacAlgorithm } from '../verify.ts';
import { checkWithSecret, constantTimeEqual, hexDigest, hmacHex } from '../verify.ts';

/** Event data of a GitHub event (`headers` plural, unlike the plain webhook). */
export interface GithubEventData {
  headers: Record<string, string[]>;
  body: Record<string, unknown>;
  metadata?: Record<string, string>;
}

const ALGORITHMS: Record<string, HmacAlgorithm> = { sha1: 'sha1', sha256: 'sha256', sha512: 'sha512' };

/** Checks a GitHub signature header value against the raw body; throws AuthError with the reason. */
export function verifyGithubSignature(signature: string | undefined, body: Buffer, secret: string): void {
  if (!signature) throw new AuthError('missing signature');
  const eq = signature.indexOf('=');
  if (eq < 0) throw new AuthError('malformed signature: expected <algorithm>=<hex digest>');
  const algorithm = ALGORITHMS[signature.slice(0, eq)];
  if (!algorithm) throw new AuthError(`unknown hash type prefix: "${signature.slice(0, eq).slice(0, 20)}"`);
  const digest = hexDigest(signature.slice(eq + 1));
  if (!digest) throw new AuthError('error decoding signature: not hex');
  if (!constantTimeEqual(digest, hmacHex(algorithm, secret, body))) {
    throw new AuthError('payload signature check failed');
  }
}

/** The JSON payload of a delivery: the body for JSON, the `payload` field for form deliveries. */
export function githubPayload(request: HttpRequest): Record<string, unknown> {
  const type = mediaType(headerValue(request.headers, 'Content-Type'));
  if (type === 'application/json') return parseJsonObject(request.body, 'payload');
  if (type === 'application/x-www-form-urlencoded') {
    const payload = parseGoForm(request.body).payload?.[0];
    if (payload === undefined) throw new PayloadError('form delivery has no payload field');
    return parseJsonObject(Buffer.from(payload, 'utf8'), 'payload');
  }
  throw unsupportedMediaType(headerValue(request.headers, 'Content-Type'));
}

/** The `github` source module. */
export const githubSource: SourceModule<GithubEventSpec> = {
  type: 'github',
  routesOf: (spec) => spec.webhook,
  verify(request, spec, secrets) {
    // As upstream: without a configured secret nothing is checked, even when a signature is sent.
    if (!spec.webhookSecret) return undefined;
    return checkWithSecret(secrets, spec.webhookSecret, (secret) => {
      const signature =
        headerValue(request.headers, 'X-Hub-Signature-256') ||
        headerValue(request.headers, 'X-Hub-Signature');
      verifyGithubSignature(signature, request.body, secret);
    });
  },
  toEventData(request, spec): GithubEventData {
    const payload = githubPayload(request);
    payload['X-GitHub-Event'] = headerValue(request.headers, 'X-GitHub-Event') ?? '';
    payload['X-GitHub-Delivery'] = headerValue(request.headers, 'X-GitHub-Delivery') ?? '';
    const data: GithubEventData = { headers: eventHeaders(request.headers), body: payload };
    if (spec.metadata && Object.keys(spec.metadata).length > 0) data.metadata = spec.metadata;
    // Upstream re-marshals the map: its text, not JSON.stringify's, goes on the bus and is what paths read.
    return keepRawJson(data, 'body', goMarshalJson(payload), true);
  },
  deliveryId: (request) => githubDeliveryId(request.headers),
};
