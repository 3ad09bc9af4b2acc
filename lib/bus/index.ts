/**
 * Chooses and opens the Bus an EventBus manifest describes. Adapters are imported on demand so a function
 * never loads a client its bus does not use (as Powertools' per-backend subpath exports).
 */
import { ManifestError } from '../errors.ts';
import type { EventBus, ManifestSet } from '../manifests/types.ts';
import type { Bus } from './port.ts';

export type BusKind = 'memory' | 'jetstream' | 'sqs';

export interface OpenBusOptions {
  /** Force a kind (`--bus memory`); otherwise the EventBus manifest decides, memory when there is none. */
  kind?: BusKind;
  /** Name of the EventBus to use (EventSources' and Sensors' `eventBusName`), default `default`. */
  name?: string;
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
