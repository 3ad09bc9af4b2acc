/** `X-Hub-Signature: sha256=<hex>` checks as Bitbucket Server (and Cloud, since 2023) send them. */

import { AuthError } from '../errors.ts';
import { headerValue } from '../events/headers.ts';
import type { HttpRequest } from './http.ts';
import { constantTimeEqual, hexDigest, hmacHex } from './verify.ts';

/** Verifies an HMAC-SHA256 `sha256=<hex>` signature in `header` over the raw body. */
export function verifySha256Header(request: HttpRequest, secret: string, header = 'X-Hub-Signature'): void {
  const signature = headerValue(request.headers, header);
  if (!signature) throw new AuthError(`missing signature header ${header}`);
  if (!signature.startsWith('sha256='))
    throw new AuthError(`signature in ${header} must start with "sha256="`);
  const digest = hexDigest(signature.slice('sha256='.length));
  if (!digest || !constantTimeEqual(digest, hmacHex('sha256', secret, request.body))) {
    throw new AuthError('hmac verification failed');
  }
}
