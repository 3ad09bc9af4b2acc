/**
 * Sensor function: consumes a batch of bus records (an SQS event) for the sensor named by
 * `OUTRIGGER_SENSOR` and reports failed records as `batchItemFailures` so only those are delivered again.
 */
import middy from '@middy/core';
import type { SqsBatchEvent, SqsBatchResponse } from '../lib/sensors/lambda.ts';
import { handleSqsBatch } from '../lib/sensors/lambda.ts';

export const handler = middy<SqsBatchEvent, SqsBatchResponse>().handler(handleSqsBatch);
