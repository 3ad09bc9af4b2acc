/**
 * Lambda entry point for every webhook-style endpoint (API Gateway HTTP API v2, REST API v1, Function URL).
 * Configuration: `OUTRIGGER_CONFIG` (compiled JSON or a manifests folder, default `manifests/`);
 * `OUTRIGGER_SECRETS=secretsmanager|ssm` and `OUTRIGGER_SECRET_PREFIX` select AWS secrets.
 */
import middy from '@middy/core';
import { openSourceBus } from '../lib/bus/source-bus.ts';
import { runtimeManifests } from '../lib/manifests/runtime.ts';
import { emfMetrics } from '../lib/observability/middleware.ts';
import { secretResolverFromEnv } from '../lib/secrets/index.ts';
import { webhookLambda } from '../lib/sources/lambda.ts';

const secrets = secretResolverFromEnv(process.env);
const log = (entry: Record<string, unknown>) => console.log(JSON.stringify(entry));

export const handler = middy()
  .use(emfMetrics())
  .handler(
    webhookLambda({
      // The YAML loader is imported only when no compiled JSON configuration is shipped.
      loadSet: runtimeManifests,
      openBus: (set) => openSourceBus(set, { secrets, log }),
      secrets,
      log,
    }),
  );
