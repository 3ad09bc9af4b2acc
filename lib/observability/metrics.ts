/**
 * Argo Events' metrics, with Argo's names and labels (semantics §8; argoproj/argo-events:
 * pkg/metrics/metrics.go), in a tiny registry that renders CloudWatch Embedded Metric Format lines for
 * Lambda (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * The local runner's Prometheus text is lib/local/prometheus.ts, kept out of the function bundles.
 *
 * @example
 * eventMeter('github-webhook', 'github-push').published(3);
 * recordTriggerOutcome({ sensor: 'build', trigger: 'job', ok: true, durationMs: 41 });
 * res.end(prometheusText(defaultRegistry));         // local /metrics (lib/local/prometheus.ts)
 * for (const line of defaultRegistry.emfLines()) console.log(line); // Lambda, once per invocation
 */

/** Argo's metric names, exactly. */
export const MetricName = {
  eventServiceRunning: 'argo_events_event_service_running_total',
  eventsSent: 'argo_events_events_sent_total',
  eventsSentFailed: 'argo_events_events_sent_failed_total',
  eventsProcessingFailed: 'argo_events_events_processing_failed_total',
  eventProcessingDuration: 'argo_events_event_processing_duration_milliseconds',
  actionTriggered: 'argo_events_action_triggered_total',
  actionFailed: 'argo_events_action_failed_total',
  actionRetriesFailed: 'argo_events_action_retries_failed_total',
  actionDuration: 'argo_events_action_duration_milliseconds',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/** Argo's label names. */
export const MetricLabel = {
  namespace: 'namespace',
  eventSourceName: 'eventsource_name',
  eventName: 'event_name',
  sensorName: 'sensor_name',
  triggerName: 'trigger_name',
} as const;

type Kind = 'counter' | 'gauge' | 'summary';

interface Definition {
  kind: Kind;
  labels: readonly string[];
  unit: 'Count' | 'Milliseconds';
}

const source = [MetricLabel.eventSourceName, MetricLabel.eventName] as const;
const action = [MetricLabel.sensorName, MetricLabel.triggerName] as const;

/** Every metric with its type and labels, as upstream registers them. */
export const definitions: Readonly<Record<MetricName, Definition>> = {
  [MetricName.eventServiceRunning]: {
    kind: 'gauge',
    labels: [MetricLabel.eventSourceName],
    unit: 'Count',
  },
  [MetricName.eventsSent]: {
    kind: 'counter',
    labels: source,
    unit: 'Count',
  },
  [MetricName.eventsSentFailed]: {
    kind: 'counter',
    labels: source,
    unit: 'Count',
  },
  [MetricName.eventsProcessingFailed]: {
    kind: 'counter',
    labels: source,
    unit: 'Count',
  },
  [MetricName.eventProcessingDuration]: {
    kind: 'summary',
    labels: source,
    unit: 'Milliseconds',
  },
  [MetricName.actionTriggered]: {
    kind: 'counter',
    labels: action,
    unit: 'Count',
  },
  [MetricName.actionFailed]: {
    kind: 'counter',
    labels: action,
    unit: 'Count',
  },
  [MetricName.actionRetriesFailed]: {
    kind: 'counter',
    labels: action,
    unit: 'Count',
  },
  [MetricName.actionDuration]: {
    kind: 'summary',
    labels: action,
    unit: 'Milliseconds',
  },
};

export type Labels = Readonly<Record<string, string>>;

interface Series {
  labels: Labels;
  /** Counter or gauge value; a summary's sum. */
  value: number;
  /** A summary's count. */
  count: number;
  /** Counter increments not yet flushed as EMF. */
  pendingDelta: number;
  /** Summary observations not yet flushed as EMF. */
  pendingValues: number[];
}

/** EMF accepts at most 100 values per metric in one document. */
const EMF_MAX_VALUES = 100;
/** Observations of one series kept for the next EMF flush (a Lambda invocation makes far fewer). */
export const MAX_PENDING_VALUES = 10_000;

/** A counter or summary series held by its caller. */
export interface MetricHandle {
  inc(by?: number): void;
  observe(value: number): void;
}

function addTo(series: Series, by: number): void {
  series.value += by;
  series.pendingDelta += by;
}

function observeIn(series: Series, value: number): void {
  series.value += value;
  series.count += 1;
  // Nothing flushes EMF in the local runner: keep a bounded sample there instead of every observation.
  if (series.pendingValues.length < MAX_PENDING_VALUES) series.pendingValues.push(value);
}

/** A registry of Argo's metrics; every series carries the constant `namespace` label, as upstream. */
export class MetricsRegistry {
  private readonly series = new Map<MetricName, Map<string, Series>>();

  /** `namespace` is the constant label (the Kubernetes namespace of the manifests). */
  constructor(readonly namespace = 'default') {}

  private get(name: MetricName, labels: Labels): Series {
    const definition = definitions[name];
    // Called on every event: a key of the label values, and the labels object only for a new series.
    let key = '';
    for (const label of definition.labels) key += `${labels[label] ?? ''}\u0000`;
    let byKey = this.series.get(name);
    if (!byKey) {
      byKey = new Map();
      this.series.set(name, byKey);
    }
    let series = byKey.get(key);
    if (!series) {
      const full: Record<string, string> = { [MetricLabel.namespace]: this.namespace };
      for (const label of definition.labels) full[label] = labels[label] ?? '';
      series = { labels: full, value: 0, count: 0, pendingDelta: 0, pendingValues: [] };
      byKey.set(key, series);
    }
    return series;
  }

  /** Adds to a counter (or a gauge). */
  inc(name: MetricName, labels: Labels, by = 1): void {
    addTo(this.get(name, labels), by);
  }

  /** One series, looked up once for a caller that records it on every event. */
  handle(name: MetricName, labels: Labels): MetricHandle {
    // Created on first use, as with inc and observe: a handle alone adds no series to the output.
    let series: Series | undefined;
    const resolve = () => {
      series ??= this.get(name, labels);
      return series;
    };
    return { inc: (by = 1) => addTo(resolve(), by), observe: (value) => observeIn(resolve(), value) };
  }

  /** Sets a gauge. */
  set(name: MetricName, labels: Labels, value: number): void {
    const series = this.get(name, labels);
    series.pendingDelta += value - series.value;
    series.value = value;
  }

  /** Records one observation of a summary. */
  observe(name: MetricName, labels: Labels, value: number): void {
    observeIn(this.get(name, labels), value);
  }

  /** Creates the series at 0, as upstream pre-initialises counters for every configured pair. */
  touch(name: MetricName, labels: Labels): void {
    this.get(name, labels);
  }

  /** The current value (counter, gauge) or `{sum, count}` (summary) of one series; 0 when absent. */
  read(name: MetricName, labels: Labels): number | { sum: number; count: number } {
    const series = this.get(name, labels);
    return definitions[name].kind === 'summary' ? { sum: series.value, count: series.count } : series.value;
  }

  /** Every series with its current value (a summary's sum) and count, metric by metric in Argo's order. */
  *samples(): Generator<{ name: MetricName; labels: Labels; value: number; count: number }> {
    for (const name of Object.values(MetricName)) {
      for (const { labels, value, count } of this.series.get(name)?.values() ?? []) {
        yield { name, labels, value, count };
      }
    }
  }

  /**
   * CloudWatch EMF documents for what changed since the last call (counter deltas, summary observations),
   * one per label set; call once at the end of each invocation and write each line to stdout.
   */
  emfLines(options: { cloudWatchNamespace?: string; timestamp?: number } = {}): string[] {
    const timestamp = options.timestamp ?? Date.now();
    const cwNamespace = options.cloudWatchNamespace ?? 'Outrigger';
    const groups = new Map<string, { labels: Labels; metrics: [MetricName, number | number[]][] }>();
    for (const [name, byKey] of this.series) {
      const definition = definitions[name];
      for (const series of byKey.values()) {
        let value: number | number[] | undefined;
        if (definition.kind === 'summary') {
          if (series.pendingValues.length > 0) value = series.pendingValues.splice(0, EMF_MAX_VALUES);
        } else if (series.pendingDelta !== 0) {
          value = definition.kind === 'gauge' ? series.value : series.pendingDelta;
          series.pendingDelta = 0;
        }
        if (value === undefined) continue;
        // One document per label set (names and values): series keys hold only the values.
        const key = JSON.stringify(series.labels);
        const group = groups.get(key) ?? { labels: series.labels, metrics: [] };
        group.metrics.push([name, value]);
        groups.set(key, group);
      }
    }
    const lines = [...groups.values()].map(({ labels, metrics }) =>
      JSON.stringify({
        _aws: {
          Timestamp: timestamp,
          CloudWatchMetrics: [
            {
              Namespace: cwNamespace,
              Dimensions: [Object.keys(labels)],
              Metrics: metrics.map(([name]) => ({ Name: name, Unit: definitions[name].unit })),
            },
          ],
        },
        ...labels,
        ...Object.fromEntries(metrics),
      }),
    );
    // More than 100 observations of one series since the last flush: the rest go in further documents.
    const more = [...this.series.values()].some((byKey) =>
      [...byKey.values()].some((s) => s.pendingValues.length > 0),
    );
    return more ? [...lines, ...this.emfLines(options)] : lines;
  }
}

/** The process-wide registry the record functions write to. */
export const defaultRegistry = new MetricsRegistry(process.env.OUTRIGGER_NAMESPACE ?? 'default');

/** Pre-creates a sensor's trigger counters at 0 (call once per compiled sensor). */
export function initSensorMetrics(
  sensor: string,
  triggers: readonly string[],
  registry: MetricsRegistry = defaultRegistry,
): void {
  for (const trigger of triggers) {
    const labels = { [MetricLabel.sensorName]: sensor, [MetricLabel.triggerName]: trigger };
    registry.touch(MetricName.actionTriggered, labels);
    registry.touch(MetricName.actionFailed, labels);
    registry.touch(MetricName.actionRetriesFailed, labels);
  }
}

/** Pre-creates an EventSource's event counters at 0 and marks its listeners running. */
export function initEventSourceMetrics(
  eventSource: string,
  events: readonly string[],
  registry: MetricsRegistry = defaultRegistry,
): void {
  for (const event of events) {
    const labels = { [MetricLabel.eventSourceName]: eventSource, [MetricLabel.eventName]: event };
    registry.touch(MetricName.eventsSent, labels);
    registry.touch(MetricName.eventsSentFailed, labels);
    registry.touch(MetricName.eventsProcessingFailed, labels);
  }
  registry.set(MetricName.eventServiceRunning, { [MetricLabel.eventSourceName]: eventSource }, events.length);
}

/** The event metrics of one (EventSource, event name) pair, as a source records them per request. */
export interface EventMeter {
  /** One event made durable on the bus; `durationMs` is the whole request's handling time. */
  published(durationMs?: number): void;
  /**
   * A request or tick that did not become an event: `publish` true when the bus refused it (also counted
   * as sent-failed, as upstream), false for a bad body, signature or filter error.
   */
  failed(publish: boolean, durationMs?: number): void;
}

/** An EventMeter whose series are looked up once (a route's meter lives as long as the route). */
export function eventMeter(
  eventSource: string,
  eventName: string,
  registry: MetricsRegistry = defaultRegistry,
): EventMeter {
  const labels = { [MetricLabel.eventSourceName]: eventSource, [MetricLabel.eventName]: eventName };
  const sent = registry.handle(MetricName.eventsSent, labels);
  const sentFailed = registry.handle(MetricName.eventsSentFailed, labels);
  const processingFailed = registry.handle(MetricName.eventsProcessingFailed, labels);
  const duration = registry.handle(MetricName.eventProcessingDuration, labels);
  return {
    published(durationMs) {
      sent.inc();
      if (durationMs !== undefined) duration.observe(durationMs);
    },
    failed(publish, durationMs) {
      if (publish) sentFailed.inc();
      processingFailed.inc();
      if (durationMs !== undefined) duration.observe(durationMs);
    },
  };
}

/**
 * One trigger attempt: `ok` counts `action_triggered_total`, else `action_failed_total` (once per attempt,
 * as upstream); `exhausted` marks the last failed attempt (`action_retries_failed_total`).
 */
export function recordTriggerOutcome(
  outcome: { sensor: string; trigger: string; ok: boolean; durationMs: number; exhausted?: boolean },
  registry: MetricsRegistry = defaultRegistry,
): void {
  const labels = { [MetricLabel.sensorName]: outcome.sensor, [MetricLabel.triggerName]: outcome.trigger };
  registry.inc(outcome.ok ? MetricName.actionTriggered : MetricName.actionFailed, labels);
  if (!outcome.ok && outcome.exhausted) registry.inc(MetricName.actionRetriesFailed, labels);
  registry.observe(MetricName.actionDuration, labels, outcome.durationMs);
}
