import { describe, expect, it } from 'vitest';
import type { BusRecord } from '../../lib/bus/port.ts';
import { newEvent, subjectOf, toSensorEvent } from '../../lib/events/envelope.ts';
import type { Sensor, Trigger } from '../../lib/manifests/types.ts';
import { createLogger } from '../../lib/observability/log.ts';
import type { ProcessDependencies } from '../../lib/sensors/engine.ts';
import { advanceConditions, compileSensor, processRecord } from '../../lib/sensors/engine.ts';
import { MemoryStateStore } from '../../lib/sensors/state.ts';

function sensor(triggers: Trigger[], dependencies = ['a', 'b']): Sensor {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Sensor',
    metadata: { name: 's', namespace: 'ns' },
    spec: {
      dependencies: dependencies.map((name) => ({ name, eventSourceName: 'es', eventName: `ev-${name}` })),
      triggers,
    },
  };
}

function record(eventName: string, data: unknown, id?: string, deliveryCount = 1): BusRecord {
  const event = newEvent({ source: 'es', subject: eventName, type: 'webhook', data, id });
  return { event, subject: subjectOf(event), deliveryCount };
}

function harness() {
  const lines: string[] = [];
  const deps: ProcessDependencies = {
    store: new MemoryStateStore(),
    clients: { log: (line) => lines.push(line) },
    logger: createLogger({ write: () => {} }),
  };
  const fired = () => lines.filter((l) => l.includes('"log trigger"')).map((l) => JSON.parse(l));
  return { deps, fired };
}

describe('the sensor engine', () => {
  it('fires a trigger without conditions only once every dependency has an event', async () => {
    const { deps, fired } = harness();
    const compiled = compileSensor(sensor([{ template: { name: 't', log: {} } }]));

    await processRecord(compiled, record('ev-a', { n: 1 }), deps);
    const afterFirst = fired().length;
    await processRecord(compiled, record('ev-b', { n: 2 }), deps);

    expect(afterFirst).toBe(0);
    expect(fired()).toHaveLength(1);
    expect(Object.keys(fired()[0].events).sort()).toEqual(['a', 'b']);
  });

  it('fires an OR trigger once for an event that satisfies two dependencies', async () => {
    const { deps, fired } = harness();
    const both: Sensor = sensor([{ template: { name: 't', conditions: 'a || b', log: {} } }]);
    both.spec.dependencies = [
      { name: 'a', eventSourceName: 'es', eventName: 'ev' },
      { name: 'b', eventSourceName: 'es', eventName: 'ev' },
    ];
    const compiled = compileSensor(both);

    await processRecord(compiled, record('ev', { n: 1 }), deps);

    expect(fired()).toHaveLength(1);
    expect(Object.keys(fired()[0].events).sort()).toEqual(['a', 'b']);
  });

  it('does not fire again when the same event is delivered twice', async () => {
    const { deps, fired } = harness();
    const compiled = compileSensor(sensor([{ template: { name: 't', conditions: 'a', log: {} } }]));

    const first = record('ev-a', { n: 1 }, 'delivery-1');
    await processRecord(compiled, first, deps);
    const outcome = await processRecord(compiled, { ...first, deliveryCount: 2 }, deps);

    expect(outcome.kind).toBe('ack');
    expect(fired()).toHaveLength(1);
  });

  it('asks for the record again when a trigger fails with a retryable error', async () => {
    const { deps } = harness();
    const compiled = compileSensor(
      sensor([
        {
          template: {
            name: 't',
            conditions: 'a',
            k8s: {
              operation: 'create',
              source: { resource: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } },
            },
          },
        },
      ]),
    );
    deps.clients.kube = {
      server: 'https://unreachable.test',
      create: async () => {
        const { KubeApiError } = await import('../../lib/errors.ts');
        throw new KubeApiError('connect ECONNREFUSED', 0);
      },
      get: async () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }),
      update: async (o) => o,
      patch: async (o) => o,
      delete: async () => {},
    };

    const outcome = await processRecord(compiled, record('ev-a', {}), deps);

    expect(outcome.kind).toBe('retry');
  });

  it('dead-letters the record when a trigger cannot succeed', async () => {
    const { deps } = harness();
    const compiled = compileSensor(
      sensor([
        {
          template: { name: 't', conditions: 'a', log: {} },
          parameters: [{ src: { dependencyName: 'a', dataKey: 'missing' }, dest: 'log.x' }],
        },
      ]),
    );

    const outcome = await processRecord(compiled, record('ev-a', { present: 1 }), deps);

    expect(outcome).toMatchObject({
      kind: 'dead-letter',
      reason: expect.stringContaining("unable to resolve 'a' parameter value"),
    });
  });

  it('acknowledges events no dependency listens to without firing', async () => {
    const { deps, fired } = harness();
    const compiled = compileSensor(sensor([{ template: { name: 't', log: {} } }]));

    const outcome = await processRecord(compiled, record('other', {}), deps);

    expect(outcome.kind).toBe('ack');
    expect(fired()).toHaveLength(0);
  });
});

describe('conditionsReset', () => {
  const resetting = (): Sensor => {
    const s = sensor([
      {
        template: {
          name: 't',
          conditions: 'a && b',
          conditionsReset: [{ byTime: { cron: '0 * * * *', timezone: 'Europe/Paris' } }],
          log: {},
        },
      },
    ]);
    return s;
  };
  const at = (name: string, iso: string) =>
    toSensorEvent(
      newEvent({ source: 'es', subject: `ev-${name}`, type: 'webhook', data: {}, time: new Date(iso) }),
    );

  it('drops a saved event once a reset tick has passed, so the pair does not fire across it', async () => {
    const compiled = compileSensor(resetting());
    const store = new MemoryStateStore();

    await advanceConditions(
      compiled,
      at('a', '2026-01-10T10:59:00Z'),
      ['a'],
      store,
      undefined,
      Date.parse('2026-01-10T10:59:00Z'),
    );
    const firings = await advanceConditions(
      compiled,
      at('b', '2026-01-10T11:01:00Z'),
      ['b'],
      store,
      undefined,
      Date.parse('2026-01-10T11:01:00Z'),
    );

    expect(firings).toEqual([]);
    expect(Object.keys((await store.load('s', 't')).events)).toEqual(['b']);
  });

  it('fires when both events arrive between two ticks', async () => {
    const compiled = compileSensor(resetting());
    const store = new MemoryStateStore();

    await advanceConditions(
      compiled,
      at('a', '2026-01-10T10:10:00Z'),
      ['a'],
      store,
      undefined,
      Date.parse('2026-01-10T10:10:00Z'),
    );
    const firings = await advanceConditions(
      compiled,
      at('b', '2026-01-10T10:50:00Z'),
      ['b'],
      store,
      undefined,
      Date.parse('2026-01-10T10:50:00Z'),
    );

    expect(firings.map((f) => Object.keys(f.events).sort())).toEqual([['a', 'b']]);
  });
});
