/**
 * Lambda entry point for AWS event sources: SQS event source mappings (answered with
 * `batchItemFailures`), SNS subscriptions and EventBridge rules (whose input transformer names the
 * EventSource and event). See lib/sources/aws-events.ts.
 */
import middy from '@middy/core';
import { drainTargetsFromEnv, lambdaDrainInvoker, withDrainNotifications } from '../lib/bus/drain-notify.ts';
import { busKindFromEnv, openBus } from '../lib/bus/index.ts';
import { runtimeManifests } from '../lib/manifests/runtime.ts';
import { secretResolverFromEnv } from '../lib/secrets/index.ts';
import { awsSourceLambda } from '../lib/sources/aws-events.ts';

const secrets = secretResolverFromEnv(process.env);
const log = (entry: Record<string, unknown>) => console.log(JSON.stringify(entry));

export const handler = middy().handler(
  awsSourceLambda({
    loadSet: runtimeManifests,
    openBus: async (set) =>
      withDrainNotifications(
        // As the webhook function: without an EventBus manifest a deployment uses SQS.
        await openBus(set, { secrets, defaultKind: 'sqs', ...busKindFromEnv(process.env) }),
        drainTargetsFromEnv(),
        lambdaDrainInvoker(),
        {
          onError: (fn, err) =>
            log({ level: 'warn', msg: 'drain request failed', function: fn, error: String(err) }),
        },
      ),
    log,
  }),
);
