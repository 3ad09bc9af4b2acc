/**
 * The `stripe` source (argoproj/argo-events: pkg/eventsources/sources/stripe/start.go): data
 * `{event, metadata}`, `eventFilter` on the event type. Outrigger extension: with `webhookSecret`, the
 * `Stripe-Signature` header (`t=`, `v1=`) is verified with a 300 s tolerance
 * (https://docs.stripe.com/webhooks#verify-manually); upstream verifies nothing.
 */

import { AuthError } from '../../errors.ts';
import { headerValue } from '../../events/headers.ts';
import type { SecretKeySelector, WebhookContext } from '../../manifests/types.ts';
import { parseJsonObject } from '../body.ts';
import { safeEventId } from '../headers.ts';
import { jsonResponse } from '../response.ts';
import type { SourceModule } from '../types.ts';
import { checkWithSecret, constantTimeEqual, hexDigest, hmacHex } from '../verify.ts';

/** The fields of a Stripe event spec this module reads. */
export interface StripeSpec {
  webhook?: WebhookContext;
  webhookSecret?: SecretKeySelector;
  eventFilter?: string[];
  metadata?: Record<string, string>;
}

/** Stripe's default tolerance between the signed timestamp and now. */
export const STRIPE_TOLERANCE_SECONDS = 300;

/** Event data of a Stripe event, as Argo's `StripeEventData`. */
export interface StripeEventData {
  event: Record<string, unknown>;
  metadata?: Record<string, string>;
}

/** Verifies a `Stripe-Signature` header over the raw body. */
export function verifyStripeSignature(
  header: string | undefined,
  body: Buffer,
  secret: string,
  nowSeconds: number,
): void {
  if (!header) throw new AuthError('missing Stripe-Signature header');
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') timestamp = value;
    if (key === 'v1') {
      const digest = hexDigest(value);
      if (digest) signatures.push(digest);
    }
  }
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) {
    throw new AuthError('Stripe-Signature needs t= and v1=');
  }
  if (Math.abs(nowSeconds - Number(timestamp)) > STRIPE_TOLERANCE_SECONDS) {
    throw new AuthError('Stripe-Signature timestamp is outside the tolerance');
  }
  const expected = hmacHex('sha256', secret, Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), body]));
  // Every v1 is compared, so timing does not tell which one matched.
  const matched = signatures.map((s) => constantTimeEqual(s, expected)).some(Boolean);
  if (!matched) throw new AuthError('stripe signature check failed');
}

/** Builds the Stripe module; `now` is injectable for tests (seconds since the epoch). */
export function createStripeSource(now: () => number = () => Date.now() / 1000): SourceModule<StripeSpec> {
  return {
    type: 'stripe',
    routesOf: (spec) => spec.webhook,
    verify(request, spec, secrets) {
      if (!spec.webhookSecret) return undefined;
      return checkWithSecret(secrets, spec.webhookSecret, (secret) =>
        verifyStripeSignature(
          headerValue(request.headers, 'Stripe-Signature'),
          request.body,
          secret,
          Math.floor(now()),
        ),
      );
    },
    toEventData(request, spec): StripeEventData {
      const data: StripeEventData = { event: parseJsonObject(request.body, 'event') };
      if (spec.metadata && Object.keys(spec.metadata).length > 0) data.metadata = spec.metadata;
      return data;
    },
    answer(_request, data, spec) {
      const type = (data as StripeEventData).event.type;
      // Upstream answers 400 for a filtered type, which makes Stripe retry for days; 200 ends it.
      if (spec.eventFilter && !spec.eventFilter.includes(typeof type === 'string' ? type : '')) {
        return jsonResponse(200, { ok: true, filtered: true });
      }
      return undefined;
    },
    deliveryId(_request, data) {
      const id = (data as StripeEventData | undefined)?.event.id;
      return typeof id === 'string' && id !== '' ? safeEventId('stripe', id) : undefined;
    },
  };
}

/** The `stripe` source module. */
export const stripeSource = createStripeSource();
