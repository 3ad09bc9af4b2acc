import { describe, expect, it } from 'vitest';
import { prometheusText } from '../../lib/local/prometheus.ts';
import {
  eventMeter,
  initSensorMetrics,
  MetricName,
  MetricsRegistry,
  recordTriggerOutcome,
} from '../../lib/observability/metrics.ts';

describe('prometheusText', () => {
  it('renders Prometheus text with the namespace label, pre-initialised zeros and summary _sum/_count', () => {
    // Prepare
    const registry = new MetricsRegistry('argo-events');
    initSensorMetrics('build', ['job', 'notify'], registry);
    // Act
    recordTriggerOutcome({ sensor: 'build', trigger: 'job', ok: true, durationMs: 40 }, registry);
    recordTriggerOutcome(
      { sensor: 'build', trigger: 'job', ok: false, durationMs: 2, exhausted: true },
      registry,
    );
    eventMeter('github-webhook', 'push', registry).published(3);
    const text = prometheusText(registry);
    // Assess
    expect(text).toContain(`# TYPE ${MetricName.actionTriggered} counter`);
    expect(text).toContain(
      `${MetricName.actionTriggered}{namespace="argo-events",sensor_name="build",trigger_name="job"} 1`,
    );
    expect(text).toContain(
      `${MetricName.actionTriggered}{namespace="argo-events",sensor_name="build",trigger_name="notify"} 0`,
    );
    expect(text).toContain(
      `${MetricName.actionRetriesFailed}{namespace="argo-events",sensor_name="build",trigger_name="job"} 1`,
    );
    expect(text).toContain(
      `${MetricName.actionDuration}_sum{namespace="argo-events",sensor_name="build",trigger_name="job"} 42`,
    );
    expect(text).toContain(
      `${MetricName.actionDuration}_count{namespace="argo-events",sensor_name="build",trigger_name="job"} 2`,
    );
    expect(text).toContain(
      `${MetricName.eventsSent}{namespace="argo-events",eventsource_name="github-webhook",event_name="push"} 1`,
    );
    // Every sample line is `name{labels} number`.
    for (const line of text
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-z_]+\{([a-z_]+="[^"]*",?)+\} -?[\d.e+]+$/);
    }
  });

  it('escapes label values', () => {
    // Prepare
    const registry = new MetricsRegistry();
    // Act
    eventMeter('a"b\\c', 'x\ny', registry).failed(true);
    // Assess
    expect(prometheusText(registry)).toContain('eventsource_name="a\\"b\\\\c",event_name="x\\ny"');
  });

  it('writes nothing for an empty registry, and HELP and TYPE once per metric', () => {
    // Prepare
    const empty = new MetricsRegistry();
    const registry = new MetricsRegistry();
    eventMeter('a', 'x', registry).published(1);
    eventMeter('b', 'y', registry).published(1);

    // Act
    const text = prometheusText(registry);

    // Assess
    expect(prometheusText(empty)).toBe('');
    expect(text.match(new RegExp(`# HELP ${MetricName.eventsSent} `, 'g'))).toHaveLength(1);
    expect(text).toContain(
      `# HELP ${MetricName.eventsSent} How many events have been sent successfully\n# TYPE ${MetricName.eventsSent} counter\n`,
    );
  });
});
