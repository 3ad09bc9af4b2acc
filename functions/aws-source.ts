/**
 * Lambda entry point for AWS event sources: SQS event source mappings (answered with
 * `batchItemFailures`), SNS subscriptions and EventBridge rules (whose input transformer names the
 * EventSource and event). See lib/sources/aws-events.ts.
 */
import middy from '@middy/core';
import { openSourceBus } from '../lib/bus/source-bus.ts';
import { runtimeManifests } from '../lib/manifests/runtime.ts';
import { emfMetrics } from '../lib/observability/middleware.ts';
import { secretResolverFromEnv } from '../lib/secrets/index.ts';
import { awsSourceLambda } from '../lib/sources/aws-events.ts';

const secrets = secretResolverFromEnv(process.env);
const log = (entry: Record<string, unknown>) => console.log(JSON.stringify(entry));

export const handler = middy()
  .use(emfMetrics())
  .handler(
    awsSourceLambda({
      loadSet: runtimeManifests,
      openBus: (set) => openSourceBus(set, { secrets, log }),
      log,
    }),
  );
