/**
 * The sensor function's body: decode an SQS batch into bus records, run the engine, and answer with
 * partial batch failures (Lambda `ReportBatchItemFailures`).
 */
import type { BusRecord } from '../bus/port.ts';
import { decodeEvent, subjectOf } from '../events/envelope.ts';
import { runtimeManifests } from '../manifests/runtime.ts';
import { createLogger } from '../observability/log.ts';
import type { CompiledSensor, ProcessDependencies } from './engine.ts';
import { compileSensor, processRecord } from './engine.ts';
import { MemoryStateStore } from './state.ts';

/** The parts of an SQS event record the sensor uses. */
export interface SqsBatchEvent {
  Records: { messageId: string; body: string; attributes?: { ApproximateReceiveCount?: string } }[];
}

export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

let prepared: Promise<{ compiled: CompiledSensor; deps: ProcessDependencies }> | undefined;

async function prepare(): Promise<{ compiled: CompiledSensor; deps: ProcessDependencies }> {
  const set = await runtimeManifests();
  const name = process.env.OUTRIGGER_SENSOR;
  const sensor = set.sensors.find((s) => s.metadata.name === name) ?? (name ? undefined : set.sensors[0]);
  if (!sensor) throw new Error(`sensor "${name}" is not in the deployed manifests`);
  const logger = createLogger();
  const dryRunDir = process.env.OUTRIGGER_DRY_RUN_DIR ?? '/tmp/outrigger/dry-run';
  // The durable state stores (DynamoDB, JetStream KV) replace this per EventBus in the bus issue.
  return {
    compiled: compileSensor(sensor),
    deps: { store: new MemoryStateStore(), clients: { dryRunDir }, logger },
  };
}

/** Processes an SQS batch; undecodable records are reported failed so the redrive policy dead-letters them. */
export async function handleSqsBatch(event: SqsBatchEvent): Promise<SqsBatchResponse> {
  prepared ??= prepare();
  const { compiled, deps } = await prepared;
  const failures: SqsBatchResponse['batchItemFailures'] = [];
  for (const message of event.Records) {
    let record: BusRecord;
    try {
      const decoded = decodeEvent(message.body);
      record = {
        event: decoded,
        subject: subjectOf(decoded),
        deliveryCount: Number(message.attributes?.ApproximateReceiveCount ?? 1),
      };
    } catch (err) {
      deps.logger.error('undecodable bus message', { messageId: message.messageId, error: String(err) });
      failures.push({ itemIdentifier: message.messageId });
      continue;
    }
    const outcome = await processRecord(compiled, record, deps);
    if (outcome.kind !== 'ack') failures.push({ itemIdentifier: message.messageId });
  }
  return { batchItemFailures: failures };
}
