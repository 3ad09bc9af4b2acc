/**
 * The `gitlab` source (argoproj/argo-events: pkg/eventsources/sources/gitlab/start.go). Deliberate
 * difference (DESIGN §3): `secretToken` is always enforced, in constant time, with 401; the token header
 * is masked in event data.
 */

import { AuthError } from '../../errors.ts';
import { headerValue } from '../../events/headers.ts';
import type { SecretKeySelector } from '../../manifests/types.ts';
import { gitlabDeliveryId } from '../headers.ts';
import type { ProviderSpec } from '../json-source.ts';
import { headersBodyData } from '../json-source.ts';
import type { SourceModule } from '../types.ts';
import { checkWithSecret, constantTimeEqual } from '../verify.ts';

/** The fields of a GitLab event spec this module reads. */
export interface GitlabSpec extends ProviderSpec {
  secretToken?: SecretKeySelector;
}

/** The `gitlab` source module. */
export const gitlabSource: SourceModule<GitlabSpec> = {
  type: 'gitlab',
  routesOf: (spec) => spec.webhook,
  verify(request, spec, secrets) {
    if (!spec.secretToken) return undefined;
    return checkWithSecret(secrets, spec.secretToken, (expected) => {
      const token = headerValue(request.headers, 'X-Gitlab-Token');
      if (!token) throw new AuthError('missing X-Gitlab-Token header');
      if (!constantTimeEqual(token, expected)) throw new AuthError('X-Gitlab-Token does not match');
    });
  },
  toEventData: (request, spec, parseBody) => headersBodyData(request, spec, parseBody),
  deliveryId: (request) => gitlabDeliveryId(request.headers),
};
