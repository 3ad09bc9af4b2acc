/**
 * The sensor function's body. Two invocation shapes: an SQS batch (the SQS bus's event source mapping),
 * answered with partial batch failures (`ReportBatchItemFailures`); or a drain request (JetStream: invoked
 * by a source after publishing, and by a one-minute safety schedule) that empties the sensor's consumer
 * within the invocation's time budget.
 */

import type { OpenBusOptions } from '../bus/index.ts';
import { busKindFromEnv, openBus, openStateStore } from '../bus/index.ts';
import type { Bus, BusRecord } from '../bus/port.ts';
import { ManifestError } from '../errors.ts';
import { decodeEvent, subjectOf } from '../events/envelope.ts';
import { createKubeClient } from '../kube/client.ts';
import { kubeAccessFromEnv, resolveKubeConfig } from '../kube/config.ts';
import { runtimeManifests } from '../manifests/runtime.ts';
import type { ManifestSet } from '../manifests/types.ts';
import { createLogger } from '../observability/log.ts';
import { secretResolverFromEnv } from '../secrets/index.ts';
import { missingTriggerClients, needsCluster, triggerClientsFromEnv } from '../triggers/clients.ts';
import type { CompiledSensor, ProcessDependencies } from './engine.ts';
import { compileSensor, processBatch, processRecord, sensorSubjects } from './engine.ts';

/** The parts of an SQS event record the sensor uses. */
export interface SqsBatchEvent {
  Records: {
    messageId: string;
    receiptHandle: string;
    body: string;
    attributes?: { ApproximateReceiveCount?: string; MessageGroupId?: string };
  }[];
}

export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** Anything that is not an SQS batch asks for a drain (a direct invoke or a scheduled event). */
export type SensorInvocation = SqsBatchEvent | Record<string, unknown>;

/** The slice of the Lambda context the sensor uses. */
export interface InvocationContext {
  getRemainingTimeInMillis?: () => number;
}

export interface DrainSummary {
  drained: unknown;
}

interface Prepared {
  set: ManifestSet;
  compiled: CompiledSensor;
  deps: ProcessDependencies;
  bus: Bus;
}

let prepared: Promise<Prepared> | undefined;
/** The invocation being served (Lambda runs one at a time per container). */
let invocation: InvocationContext | undefined;

/** Time kept back from a drain so acks and the response fit in the invocation. */
const DRAIN_MARGIN_MS = 5_000;

async function prepare(): Promise<Prepared> {
  const set = await runtimeManifests();
  const name = process.env.OUTRIGGER_SENSOR;
  const sensor = set.sensors.find((s) => s.metadata.name === name) ?? (name ? undefined : set.sensors[0]);
  if (!sensor) throw new Error(`sensor "${name}" is not in the deployed manifests`);
  const logger = createLogger();
  const dryRunDir = process.env.OUTRIGGER_DRY_RUN_DIR ?? '/tmp/outrigger/dry-run';
  // A deployment without an EventBus manifest runs on SQS; as an Argo sensor does on start, the first
  // invocation creates its JetStream consumer and KV bucket when the deployment has not.
  const secrets = secretResolverFromEnv(process.env);
  const busOptions: OpenBusOptions = {
    secrets,
    defaultKind: 'sqs',
    createIfMissing: true,
    ...busKindFromEnv(process.env),
  };
  const clients = triggerClientsFromEnv({ dryRunDir, log: (line) => logger.info(line) }, secrets);
  // Without any cluster access configured, Kubernetes triggers run in dry-run (logged, never silent).
  const kubeconfig = needsCluster(sensor)
    ? await resolveKubeConfig(kubeAccessFromEnv(process.env))
    : undefined;
  if (kubeconfig) clients.kube = createKubeClient(kubeconfig);
  const missing = missingTriggerClients(set, clients);
  if (missing.length > 0) throw new ManifestError(missing);
  const [bus, store] = await Promise.all([openBus(set, busOptions), openStateStore(set, busOptions)]);
  const deps: ProcessDependencies = {
    store,
    clients,
    logger,
    // Retries that would not fit the invocation go back to the bus instead (DESIGN §3).
    run: { remainingMs: () => invocation?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY },
  };
  return { set, bus, compiled: compileSensor(sensor), deps };
}

function prepareOnce(): Promise<Prepared> {
  prepared ??= prepare();
  prepared.catch(() => {
    // A failed cold start (bus unreachable) is retried on the next invocation.
    prepared = undefined;
  });
  return prepared;
}

/** The SQS bus settles Lambda batches itself (visibility for retries, its DLQ for dead letters). */
interface LambdaBatchSettler {
  handleLambdaBatch(
    sensor: string,
    records: SqsBatchEvent['Records'],
    handler: (records: readonly BusRecord[]) => ReturnType<typeof processBatch>,
  ): Promise<SqsBatchResponse>;
}

function settlesLambdaBatches(bus: Bus): bus is Bus & LambdaBatchSettler {
  return typeof (bus as Partial<LambdaBatchSettler>).handleLambdaBatch === 'function';
}

function isSqsBatch(event: SensorInvocation): event is SqsBatchEvent {
  return Array.isArray((event as SqsBatchEvent).Records);
}

/**
 * Processes an SQS batch. On the SQS bus the bus settles it (retry delays as visibility, dead letters to
 * the DLQ with the reason); on another bus (`OUTRIGGER_BUS=memory`, the handler run from source) failed records are
 * reported and the queue's redrive policy applies.
 */
export async function handleSqsBatch(event: SqsBatchEvent): Promise<SqsBatchResponse> {
  const { bus, compiled, deps } = await prepareOnce();
  if (settlesLambdaBatches(bus)) {
    return bus.handleLambdaBatch(compiled.name, event.Records, (records) =>
      processBatch(compiled, records, deps),
    );
  }
  const failures: SqsBatchResponse['batchItemFailures'] = [];
  for (const message of event.Records) {
    let record: BusRecord;
    try {
      const decoded = decodeEvent(message.body);
      record = {
        event: decoded,
        envelope: message.body,
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

/** Empties the sensor's pull consumer within the invocation's remaining time. */
export async function handleDrain(context: InvocationContext = {}): Promise<DrainSummary> {
  const { bus, compiled, deps } = await prepareOnce();
  if (!bus.drain) throw new Error('this bus delivers batches itself; the sensor is fed by its queue');
  const remaining = context.getRemainingTimeInMillis?.() ?? 60_000;
  const drained = await bus.drain(
    { name: compiled.name, subjects: sensorSubjects(compiled) },
    (records) => processBatch(compiled, records, deps),
    { deadlineMs: Math.max(1_000, remaining - DRAIN_MARGIN_MS) },
  );
  return { drained };
}

/** Entry point: an SQS batch or a drain request. */
export function handleSensorInvocation(
  event: SensorInvocation,
  context?: InvocationContext,
): Promise<SqsBatchResponse | DrainSummary> {
  invocation = context;
  return isSqsBatch(event) ? handleSqsBatch(event) : handleDrain(context);
}

/** Forgets per-container state (tests). */
export async function resetSensorFunction(): Promise<void> {
  const current = prepared;
  prepared = undefined;
  await current?.then((p) => Promise.all([p.bus.close(), p.deps.store.close?.()])).catch(() => {});
}
