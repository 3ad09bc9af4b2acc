/**
 * The `bitbucketserver` source (argoproj/argo-events: pkg/eventsources/sources/bitbucketserver/start.go):
 * with `webhookSecret`, `X-Hub-Signature: sha256=<hex>` over the raw body, compared in constant time.
 */
import type { SecretKeySelector } from '../../manifests/types.ts';
import { bitbucketServerDeliveryId } from '../headers.ts';
import type { ProviderSpec } from '../json-source.ts';
import { headersBodyData } from '../json-source.ts';
import { verifySha256Header } from '../signature.ts';
import type { SourceModule } from '../types.ts';
import { checkWithSecret } from '../verify.ts';

/** The fields of a Bitbucket Server event spec this module reads. */
export interface BitbucketServerSpec extends ProviderSpec {
  webhookSecret?: SecretKeySelector;
}

/** The `bitbucketserver` source module. */
export const bitbucketServerSource: SourceModule<BitbucketServerSpec> = {
  type: 'bitbucketserver',
  routesOf: (spec) => spec.webhook,
  verify(request, spec, secrets) {
    if (!spec.webhookSecret) return undefined;
    return checkWithSecret(secrets, spec.webhookSecret, (secret) => verifySha256Header(request, secret));
  },
  toEventData: (request, spec, parseBody) => headersBodyData(request, spec, parseBody),
  deliveryId: (request) => bitbucketServerDeliveryId(request.headers),
};
