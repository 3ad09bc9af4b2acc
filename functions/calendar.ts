/**
 * Lambda entry point for calendar events, invoked by one EventBridge Scheduler schedule per calendar with
 * the input `{eventSourceName, eventName, scheduledTime: "<aws.scheduler.scheduled-time>"}`. A failed
 * publish throws, so Scheduler retries; the tick's id is the same on every retry.
 */
import middy from '@middy/core';
import { openSourceBus } from '../lib/bus/source-bus.ts';
import { runtimeManifests } from '../lib/manifests/runtime.ts';
import { emfMetrics } from '../lib/observability/middleware.ts';
import { secretResolverFromEnv } from '../lib/secrets/index.ts';
import { calendarLambda } from '../lib/sources/calendar/index.ts';

const secrets = secretResolverFromEnv(process.env);
const log = (entry: Record<string, unknown>) => console.log(JSON.stringify(entry));

export const handler = middy()
  .use(emfMetrics())
  .handler(
    calendarLambda({
      loadSet: runtimeManifests,
      openBus: (set) => openSourceBus(set, { secrets, log }),
      log,
    }),
  );
