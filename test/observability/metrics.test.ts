import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  definitions,
  eventMeter,
  MAX_PENDING_VALUES,
  MetricName,
  MetricsRegistry,
  recordTriggerOutcome,
} from '../../lib/observability/metrics.ts';
import { sharedPath } from '../support/shared.ts';

const semantics = sharedPath('reference/argo-events-semantics.md');

/** The §8 table of the semantics reference: name → {type, labels}. */
function argoMetrics(): Map<string, { type: string; labels: string[] }> {
  const text = readFileSync(semantics, 'utf8');
  const section = text.slice(text.indexOf('## 8. Metrics'), text.indexOf('## 9.'));
  const rows = new Map<string, { type: string; labels: string[] }>();
  let previous: string[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`(argo_events_\w+)`$/.exec(cells[1] ?? '')?.[1];
    if (!name) continue;
    const labels =
      cells[3] === 'same' ? previous : [...(cells[3] ?? '').matchAll(/`(\w+)`/g)].map((m) => m[1]!);
    previous = labels;
    rows.set(name, { type: cells[2] ?? '', labels });
  }
  return rows;
}

describe('the metrics registry', () => {
  it('uses exactly the argo_events_* names, types and labels of Argo Events', () => {
    // Prepare
    const argo = argoMetrics();
    // Act
    const ours = Object.fromEntries(
      Object.entries(definitions).map(([name, d]) => [name, { type: d.kind, labels: [...d.labels] }]),
    );
    // Assess
    expect(argo.size).toBeGreaterThan(5);
    expect(ours).toEqual(Object.fromEntries(argo));
  });

  it('emits EMF documents with deltas since the last flush and the labels as dimensions', () => {
    // Prepare
    const registry = new MetricsRegistry('ci');
    recordTriggerOutcome({ sensor: 's', trigger: 't', ok: true, durationMs: 5 }, registry);
    recordTriggerOutcome({ sensor: 's', trigger: 't', ok: true, durationMs: 7 }, registry);
    // Act
    const first = registry.emfLines({ timestamp: 1000 }).map((l) => JSON.parse(l));
    recordTriggerOutcome({ sensor: 's', trigger: 't', ok: true, durationMs: 1 }, registry);
    const second = registry.emfLines({ timestamp: 2000 }).map((l) => JSON.parse(l));
    const third = registry.emfLines();
    // Assess
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      _aws: {
        Timestamp: 1000,
        CloudWatchMetrics: [
          { Namespace: 'Outrigger', Dimensions: [['namespace', 'sensor_name', 'trigger_name']] },
        ],
      },
      namespace: 'ci',
      sensor_name: 's',
      trigger_name: 't',
      [MetricName.actionTriggered]: 2,
      [MetricName.actionDuration]: [5, 7],
    });
    const units = Object.fromEntries(
      first[0]._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string; Unit: string }) => [m.Name, m.Unit]),
    );
    expect(units).toEqual({
      [MetricName.actionTriggered]: 'Count',
      [MetricName.actionDuration]: 'Milliseconds',
    });
    expect(second[0]).toMatchObject({ [MetricName.actionTriggered]: 1, [MetricName.actionDuration]: [1] });
    expect(third).toEqual([]);
    expect(registry.read(MetricName.actionTriggered, { sensor_name: 's', trigger_name: 't' })).toBe(3);
  });

  it('splits more than 100 observations of a series over several EMF documents', () => {
    // Prepare
    const registry = new MetricsRegistry();
    for (let i = 0; i < 250; i++) eventMeter('e', 'n', registry).published(i);
    // Act
    const docs = registry.emfLines().map((l) => JSON.parse(l));
    // Assess
    const values = docs.flatMap((d) => d[MetricName.eventProcessingDuration] ?? []);
    expect(values).toHaveLength(250);
    for (const doc of docs)
      expect((doc[MetricName.eventProcessingDuration] ?? []).length).toBeLessThanOrEqual(100);
  });
  it('keeps series of different label names apart in EMF even when their values are equal', () => {
    const registry = new MetricsRegistry();
    eventMeter('x', 'y', registry).published();
    recordTriggerOutcome({ sensor: 'x', trigger: 'y', ok: true, durationMs: 2 }, registry);
    const docs = registry.emfLines().map((l) => JSON.parse(l));
    expect(docs).toHaveLength(2);
    const dimensions = docs.map((d) => d._aws.CloudWatchMetrics[0].Dimensions[0].sort().join(','));
    expect(dimensions.sort()).toEqual([
      'event_name,eventsource_name,namespace',
      'namespace,sensor_name,trigger_name',
    ]);
  });

  it('bounds the observations kept for EMF when nothing flushes them (the local runner)', () => {
    const registry = new MetricsRegistry();
    for (let i = 0; i < MAX_PENDING_VALUES + 500; i++) eventMeter('e', 'n', registry).published(1);
    const values = registry
      .emfLines()
      .flatMap((l) => JSON.parse(l)[MetricName.eventProcessingDuration] ?? []);
    expect(values).toHaveLength(MAX_PENDING_VALUES);
    // The Prometheus summary still counts every observation.
    expect(
      registry.read(MetricName.eventProcessingDuration, { eventsource_name: 'e', event_name: 'n' }),
    ).toEqual({
      sum: MAX_PENDING_VALUES + 500,
      count: MAX_PENDING_VALUES + 500,
    });
  });
});
