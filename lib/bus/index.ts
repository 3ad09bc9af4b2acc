/**
 * Chooses and opens the Bus an EventBus manifest describes. Adapters are imported on demand so a function
 * never loads a client its bus does not use (as Powertools' per-backend subpath exports).
 */
import { ManifestError } from '../errors.ts';
import type { EventBus, ManifestSet } from '../manifests/types.ts';
import type { SecretResolver } from '../secrets/resolver.ts';
import type { StateStore } from '../sensors/state.ts';
import type { JetStreamAuth } from './jetstream/index.ts';
import type { Bus } from './port.ts';

export type BusKind = 'memory' | 'jetstream' | 'sqs';

export interface OpenBusOptions {
  /** Force a kind (`--bus memory`); otherwise the EventBus manifest decides. */
  kind?: BusKind;
  /** The kind when there is no EventBus manifest: memory locally, SQS in a deployment (DESIGN §4). */
  defaultKind?: BusKind;
  /** Name of the EventBus to use (EventSources' and Sensors' `eventBusName`), default `default`. */
  name?: string;
  /** Resolves `accessSecret` and other credentials. */
  secrets?: SecretResolver;
  /** Create streams, consumers and queues when missing (local runner); on AWS the deployment does. */
  createIfMissing?: boolean;
}

/**
 * Reads a JetStream `accessSecret` value: a creds file, YAML/JSON `{username, password}` or `{token}` (the
 * shapes Argo's EventBus secrets use), or a bare token.
 */
export function parseJetStreamAuth(value: string): JetStreamAuth {
  if (value.includes('BEGIN NATS USER JWT')) return { creds: value };
  const fields = Object.fromEntries(
    value
      .split(/\r?\n/)
      .map((line) => /^\s*"?(\w+)"?\s*:\s*"?([^"]*?)"?\s*,?\s*$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!.toLowerCase(), m[2]!]),
  );
  if (fields.username !== undefined && fields.password !== undefined) {
    return { user: fields.username, pass: fields.password };
  }
  if (fields.token !== undefined) return { token: fields.token };
  return { token: value.trim() };
}

/**
 * `OUTRIGGER_BUS=memory|jetstream|sqs` forces a kind (tests, a handler run from source). A packaged function
 * is fixed to its bus: there, `memory` and the other bus fail on import with what to do (infra/esbuild.config.cjs).
 */
export function busKindFromEnv(env: Readonly<Record<string, string | undefined>>): { kind?: BusKind } {
  const kind = env.OUTRIGGER_BUS;
  if (kind === undefined || kind === '') return {};
  if (kind !== 'memory' && kind !== 'jetstream' && kind !== 'sqs') {
    throw new Error(`OUTRIGGER_BUS must be memory, jetstream or sqs (got "${kind}")`);
  }
  return { kind };
}

/** The EventBus manifest named `name`, if loaded. */
export function findEventBus(set: ManifestSet, name = 'default'): EventBus | undefined {
  return set.eventBuses.find((bus) => bus.metadata.name === name);
}

/** Which adapter an EventBus manifest selects. */
export function busKindOf(bus: EventBus | undefined, defaultKind: BusKind = 'memory'): BusKind {
  if (!bus) return defaultKind;
  if (bus.spec.jetstreamExotic) return 'jetstream';
  if (bus.spec.sqs) return 'sqs';
  return 'memory';
}

/** Opens the bus for a manifest set. */
export async function openBus(set: ManifestSet, options: OpenBusOptions = {}): Promise<Bus> {
  const name = options.name ?? 'default';
  const manifest = findEventBus(set, name);
  const kind = options.kind ?? busKindOf(manifest, options.defaultKind);
  switch (kind) {
    case 'memory': {
      const { MemoryBus } = await import('./memory/index.ts');
      // Nothing in the runner reads the replay log, and holding 1,000 payloads cost a quarter of ingest
      // throughput in garbage collection.
      return new MemoryBus({ busName: name, logLimit: 0 });
    }
    case 'jetstream': {
      const spec = manifest?.spec.jetstreamExotic;
      if (!spec) throw busManifestMissing(set, name, kind);
      const { JetStreamBus } = await import('./jetstream/index.ts');
      const secret =
        spec.accessSecret && options.secrets ? await options.secrets.get(spec.accessSecret) : undefined;
      return JetStreamBus.connect({
        url: spec.url,
        streamName: name,
        ...(spec.streamConfig === undefined ? {} : { streamConfig: spec.streamConfig }),
        ...(secret === undefined ? {} : { auth: parseJetStreamAuth(secret) }),
        createIfMissing: options.createIfMissing ?? false,
      });
    }
    case 'sqs': {
      // With no EventBus manifest (a deployment's default) the SQS bus runs on its defaults.
      const spec = manifest?.spec.sqs ?? (manifest ? undefined : {});
      if (!spec) throw busManifestMissing(set, name, kind);
      const { SqsBus, sqsRoutes } = await import('./sqs/index.ts');
      return SqsBus.connect({
        region: spec.region ?? process.env.AWS_REGION ?? 'us-east-1',
        ...(spec.endpoint === undefined ? {} : { endpoint: spec.endpoint }),
        ...(spec.fifo === undefined ? {} : { fifo: spec.fifo }),
        ...(spec.queueNamePrefix === undefined ? {} : { queueNamePrefix: spec.queueNamePrefix }),
        routes: sqsRoutes(set, name),
        busName: name,
        createIfMissing: options.createIfMissing ?? false,
      });
    }
    default:
      throw new ManifestError([
        {
          file: manifest ? (set.origins[`EventBus/${name}`]?.file ?? 'EventBus') : 'EventBus',
          line: set.origins[`EventBus/${name}`]?.line ?? 1,
          column: 1,
          path: 'spec',
          message: `the ${kind} bus is not available in this build yet; run with --bus memory`,
          severity: 'error',
        },
      ]);
  }
}

/** Default DynamoDB table for sensor state on the SQS bus. */
export const DEFAULT_STATE_TABLE = 'outrigger-state';

/**
 * Opens the sensor state store that goes with the bus: memory locally, a JetStream KV bucket per sensor on
 * JetStream, a DynamoDB table on SQS (DESIGN §3).
 */
export async function openStateStore(set: ManifestSet, options: OpenBusOptions = {}): Promise<StateStore> {
  const name = options.name ?? 'default';
  const manifest = findEventBus(set, name);
  const kind = options.kind ?? busKindOf(manifest, options.defaultKind);
  if (kind === 'jetstream') {
    const spec = manifest?.spec.jetstreamExotic;
    if (!spec) throw busManifestMissing(set, name, kind);
    const { JetStreamKvStateStore } = await import('./jetstream/kv-state.ts');
    const secret =
      spec.accessSecret && options.secrets ? await options.secrets.get(spec.accessSecret) : undefined;
    return JetStreamKvStateStore.connect({
      url: spec.url,
      ...(secret === undefined ? {} : { auth: parseJetStreamAuth(secret) }),
      createIfMissing: options.createIfMissing ?? false,
    });
  }
  if (kind === 'sqs') {
    const spec = manifest?.spec.sqs ?? {};
    const { DynamoStateStore } = await import('./sqs/state.ts');
    return DynamoStateStore.connect({
      table: spec.stateTable ?? DEFAULT_STATE_TABLE,
      region: spec.region ?? process.env.AWS_REGION ?? 'us-east-1',
      // `sqs.endpoint` names an SQS emulator; a DynamoDB one comes from AWS_ENDPOINT_URL_DYNAMODB.
      createIfMissing: options.createIfMissing ?? false,
    });
  }
  const { MemoryStateStore } = await import('../sensors/state.ts');
  return new MemoryStateStore();
}

function busManifestMissing(set: ManifestSet, name: string, kind: BusKind): ManifestError {
  const origin = set.origins[`EventBus/${name}`];
  return new ManifestError([
    {
      file: origin?.file ?? '(no EventBus manifest)',
      line: origin?.line ?? 1,
      column: 1,
      path: 'spec',
      message: `--bus ${kind} needs an EventBus "${name}" manifest with spec.${kind === 'jetstream' ? 'jetstreamExotic' : 'sqs'}`,
      severity: 'error',
    },
  ]);
}
