/**
 * Names and routes of the SQS bus, pure so the deploy plugin computes the same queues the adapter uses:
 * one queue per sensor `<prefix><sensor>` with its redrive DLQ `<prefix><sensor>-dlq` (`.fifo` appended on
 * FIFO queues), and a route table from `<eventSourceName>.<eventName>` to the sensors that depend on it.
 */
import { BusError } from '../../errors.ts';
import type { ManifestSet } from '../../manifests/types.ts';

/** Sensors (by name) whose queues receive each `<eventSourceName>.<eventName>`. */
export type SqsRoutes = Readonly<Record<string, readonly string[]>>;

/** The queues of one sensor. */
export interface SensorQueueNames {
  readonly queue: string;
  readonly dlq: string;
}

/** SQS limit on a queue name, `.fifo` included. */
const MAX_QUEUE_NAME = 80;

/**
 * The queue names of `sensor`. Kubernetes names may hold `.`, which SQS refuses, so it becomes `_`
 * (`_` cannot occur in a Kubernetes name, so two sensors never share a queue).
 */
export function sensorQueueNames(prefix: string, sensor: string, fifo = false): SensorQueueNames {
  const base = `${prefix}${sensor.replaceAll('.', '_')}`;
  const suffix = fifo ? '.fifo' : '';
  const names = { queue: `${base}${suffix}`, dlq: `${base}-dlq${suffix}` };
  if (!/^[A-Za-z0-9_-]+$/.test(base) || names.dlq.length > MAX_QUEUE_NAME) {
    throw new BusError(
      `SQS queue name "${names.dlq}" for sensor "${sensor}" is invalid: at most ${MAX_QUEUE_NAME} characters of A-Z a-z 0-9 _ - (shorten queueNamePrefix or the sensor name)`,
      { retryable: false },
    );
  }
  return names;
}

/** Route key of an event: `<eventSourceName>.<eventName>`. */
export function routeKey(eventSourceName: string, eventName: string): string {
  return `${eventSourceName}.${eventName}`;
}

/** Which sensors on EventBus `busName` receive which events, from the sensors' dependencies. */
export function sqsRoutes(set: Pick<ManifestSet, 'sensors'>, busName = 'default'): SqsRoutes {
  const routes = new Map<string, Set<string>>();
  for (const sensor of set.sensors) {
    if ((sensor.spec.eventBusName ?? 'default') !== busName) continue;
    for (const dependency of sensor.spec.dependencies) {
      const key = routeKey(dependency.eventSourceName, dependency.eventName);
      const sensors = routes.get(key) ?? new Set<string>();
      sensors.add(sensor.metadata.name);
      routes.set(key, sensors);
    }
  }
  return Object.fromEntries([...routes].map(([key, sensors]) => [key, [...sensors].sort()]));
}
