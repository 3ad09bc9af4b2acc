/**
 * The `bitbucket` (Cloud) source (argoproj/argo-events: pkg/eventsources/sources/bitbucket/start.go).
 * Upstream checks no signature; Outrigger verifies `X-Hub-Signature` when the extension field
 * `webhookSecret` is set (Bitbucket Cloud signs deliveries with a webhook secret since 2023).
 */
import type { SecretKeySelector } from '../../manifests/types.ts';
import { bitbucketDeliveryId } from '../headers.ts';
import type { ProviderSpec } from '../json-source.ts';
import { headersBodyData } from '../json-source.ts';
import { verifySha256Header } from '../signature.ts';
import type { SourceModule } from '../types.ts';
import { checkWithSecret } from '../verify.ts';

/** The fields of a Bitbucket event spec this module reads. */
export interface BitbucketSpec extends ProviderSpec {
  webhookSecret?: SecretKeySelector;
}

/** The `bitbucket` source module. */
export const bitbucketSource: SourceModule<BitbucketSpec> = {
  type: 'bitbucket',
  routesOf: (spec) => spec.webhook,
  verify(request, spec, secrets) {
    if (!spec.webhookSecret) return undefined;
    return checkWithSecret(secrets, spec.webhookSecret, (secret) => verifySha256Header(request, secret));
  },
  toEventData: (request, spec, parseBody) => headersBodyData(request, spec, parseBody),
  deliveryId: (request) => bitbucketDeliveryId(request.headers),
};
