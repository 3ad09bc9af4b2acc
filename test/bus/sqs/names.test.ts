import { describe, expect, it } from 'vitest';
import { sensorQueueNames, sqsRoutes } from '../../../lib/bus/sqs/names.ts';
import { BusError } from '../../../lib/errors.ts';
import type { Sensor } from '../../../lib/manifests/types.ts';

function sensor(name: string, deps: [string, string][], eventBusName?: string): Sensor {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Sensor',
    metadata: { name },
    spec: {
      dependencies: deps.map(([eventSourceName, eventName], i) => ({
        name: `d${i}`,
        eventSourceName,
        eventName,
      })),
      triggers: [],
      ...(eventBusName === undefined ? {} : { eventBusName }),
    },
  };
}

describe('sqsRoutes', () => {
  it('routes each (eventSourceName, eventName) to the sensors depending on it, on the chosen bus', () => {
    // Given three sensors, one on another EventBus, two sharing a dependency
    const set = {
      sensors: [
        sensor('deploy', [
          ['github', 'push'],
          ['github', 'push'],
          ['calendar', 'nightly'],
        ]),
        sensor('audit', [['github', 'push']]),
        sensor('elsewhere', [['github', 'push']], 'other'),
      ],
    };

    // When routes are computed for the default bus and for "other"
    const routes = sqsRoutes(set);
    const other = sqsRoutes(set, 'other');

    // Then each event names its sensors once, sorted
    expect(routes).toEqual({ 'github.push': ['audit', 'deploy'], 'calendar.nightly': ['deploy'] });
    expect(other).toEqual({ 'github.push': ['elsewhere'] });
  });
});

describe('sensorQueueNames', () => {
  it('names the queue and its DLQ after the sensor, with .fifo last', () => {
    expect(sensorQueueNames('outrigger-', 'deploy.v2')).toEqual({
      queue: 'outrigger-deploy_v2',
      dlq: 'outrigger-deploy_v2-dlq',
    });
    expect(sensorQueueNames('p-', 's', true)).toEqual({ queue: 'p-s.fifo', dlq: 'p-s-dlq.fifo' });
  });

  it('refuses names SQS would refuse', () => {
    expect(() => sensorQueueNames('bad prefix ', 's')).toThrow(BusError);
    expect(() => sensorQueueNames('p-', 'x'.repeat(80))).toThrow(/at most 80 characters/);
  });
});
