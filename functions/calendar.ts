/**
 * Lambda entry point for calendar events, invoked by one EventBridge Scheduler schedule per calendar with
 * the input `{eventSourceName, eventName, scheduledTime: "<aws.scheduler.scheduled-time>"}`. A failed
 * publish throws, so Scheduler retries; the tick's id is the same on every retry.
 */
import middy from '@middy/core';
import { drainTargetsFromEnv, lambdaDrainInvoker, withDrainNotifications } from '../lib/bus/drain-notify.ts';
import { busKindFromEnv, openBus } from '../lib/bus/index.ts';
import { runtimeManifests } from '../lib/manifests/runtime.ts';
import { secretResolverFromEnv } from '../lib/secrets/index.ts';
import { calendarLambda } from '../lib/sources/calendar/index.ts';

const secrets = secretResolverFromEnv(process.env);
const log = (entry: Record<string, unknown>) => console.log(JSON.stringify(entry));

export const handler = middy().handler(
  calendarLambda({
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
