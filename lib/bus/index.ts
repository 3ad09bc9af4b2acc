/**
 * Chooses and opens the Bus an EventBus manifest describes. Adapters are imported on demand so a function
 * never loads a client its bus does not use (as Powertools' per-backend subpath exports).
 */
import { ManifestError } from '../errors.ts';
import type { EventBus, ManifestSet } from '../manifests/types.ts';
import type { SecretResolver } from '../secrets/resolver.ts';
import type { JetStreamAuth } from './jetstream/index.ts';
import type { Bus } from './port.ts';

export type BusKind = 'memory' | 'jetstream' | 'sqs';

export interface OpenBusOptions {
  /** Force a kind (`--bus memory`); otherwise the EventBus manifest decides, memory when there is none. */
  kind?: BusKind;
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

/** The EventBus manifest named `name`, if loaded. */
export function findEventBus(set: ManifestSet, name = 'default'): EventBus | undefined {
  return set.eventBuses.find((bus) => bus.metadata.name === name);
}

/** Which adapter an EventBus manifest selects. */
export function busKindOf(bus: EventBus | undefined): BusKind {
  if (!bus) return 'memory';
  if (bus.spec.jetstreamExotic) return 'jetstream';
  if (bus.spec.sqs) return 'sqs';
  return 'memory';
}

/** Opens the bus for a manifest set. */
export async function openBus(set: ManifestSet, options: OpenBusOptions = {}): Promise<Bus> {
  const name = options.name ?? 'default';
  const manifest = findEventBus(set, name);
  const kind = options.kind ?? busKindOf(manifest);
  switch (kind) {
    case 'memory': {
      const { MemoryBus } = await import('./memory/index.ts');
      return new MemoryBus({ busName: name });
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
