/**
 * Sensor function for the sensor named by `OUTRIGGER_SENSOR`: an SQS batch (answered with
 * `batchItemFailures`) or, on JetStream, a drain request from a source or the safety schedule.
 */
import middy from '@middy/core';
import { emfMetrics } from '../lib/observability/middleware.ts';
import type { DrainSummary, SensorInvocation, SqsBatchResponse } from '../lib/sensors/lambda.ts';
import { handleSensorInvocation } from '../lib/sensors/lambda.ts';

export const handler = middy<SensorInvocation, SqsBatchResponse | DrainSummary>()
  .use(emfMetrics())
  .handler((event, context) => handleSensorInvocation(event, context));
