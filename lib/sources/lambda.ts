/**
 * The webhook Lambda's cold-start and per-invocation logic, kept out of functions/webhook.ts so it can be
 * tested: load the compiled configuration once, open the bus once, then normalise → ingest → answer.
 */
import type { Bus } from '../bus/port.ts';
import type { ManifestSet } from '../manifests/types.ts';
import type { SecretResolver } from '../secrets/resolver.ts';
import type { FilterEvaluator, Ingest } from './ingest.ts';
import { createIngest, errorResponse } from './ingest.ts';
import type { ApiGatewayResult } from './request.ts';
import { fromLambdaEvent, toApiGatewayResult } from './request.ts';

export interface WebhookLambdaDeps {
  /** Produces the manifest set (the compiled JSON in a bundle, or YAML through the loader locally). */
  loadSet: () => Promise<ManifestSet>;
  openBus: (set: ManifestSet) => Promise<Bus>;
  secrets: SecretResolver;
  filter?: FilterEvaluator;
  log?: (entry: Record<string, unknown>) => void;
}

/** The Lambda handler body: any API Gateway v1/v2 or Function URL event in, a proxy result out. */
export function webhookLambda(deps: WebhookLambdaDeps): (event: unknown) => Promise<ApiGatewayResult> {
  let ready: Promise<Ingest> | undefined;

  async function init(): Promise<Ingest> {
    const set = await deps.loadSet();
    const bus = await deps.openBus(set);
    const options = {
      bus,
      secrets: deps.secrets,
      ...(deps.log ? { log: deps.log } : {}),
      ...(deps.filter ? { filter: deps.filter } : {}),
    };
    return createIngest(set, options);
  }

  return async function webhookHandler(event) {
    let ingest: Ingest;
    try {
      ready ??= init();
      ingest = await ready;
    } catch (err) {
      // A failed cold start (bus unreachable, bad config) is retried on the next invocation.
      ready = undefined;
      deps.log?.({ level: 'error', msg: 'webhook function could not start', error: String(err) });
      return toApiGatewayResult(errorResponse(err));
    }
    try {
      return toApiGatewayResult(await ingest.handle(fromLambdaEvent(event)));
    } catch (err) {
      return toApiGatewayResult(errorResponse(err));
    }
  };
}
