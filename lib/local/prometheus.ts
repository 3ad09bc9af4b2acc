/**
 * Argo's metrics as Prometheus text exposition format 0.0.4, for the local runner's `/metrics` (in-cluster
 * Argo serves them on :7777). Lambda functions emit EMF instead (lib/observability/metrics.ts), so this and
 * its help texts stay out of their bundles.
 */
import type { MetricsRegistry } from '../observability/metrics.ts';
import { definitions, MetricName } from '../observability/metrics.ts';

/** Upstream's help texts (argoproj/argo-events: pkg/metrics/metrics.go). */
const HELP: Readonly<Record<MetricName, string>> = {
  [MetricName.eventServiceRunning]: 'How many configured events in the event source are actively running',
  [MetricName.eventsSent]: 'How many events have been sent successfully',
  [MetricName.eventsSentFailed]: 'How many events failed to send',
  [MetricName.eventsProcessingFailed]: 'Number of events processed failed',
  [MetricName.eventProcessingDuration]: 'Summary of durations of event processing',
  [MetricName.actionTriggered]: 'How many actions have been triggered successfully',
  [MetricName.actionFailed]: 'How many actions failed',
  [MetricName.actionRetriesFailed]: 'How many actions failed after the retries have been exhausted',
  [MetricName.actionDuration]: 'Summary of durations of trigger actions',
};

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** The registry's series as Prometheus text; summaries without quantiles (`_sum`, `_count`), as upstream. */
export function prometheusText(registry: MetricsRegistry): string {
  const lines: string[] = [];
  let current: MetricName | undefined;
  for (const { name, labels, value, count } of registry.samples()) {
    const { kind } = definitions[name];
    if (name !== current) {
      lines.push(`# HELP ${name} ${HELP[name]}`, `# TYPE ${name} ${kind}`);
      current = name;
    }
    const text = Object.entries(labels)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',');
    if (kind === 'summary') {
      lines.push(`${name}_sum{${text}} ${formatNumber(value)}`, `${name}_count{${text}} ${count}`);
    } else {
      lines.push(`${name}{${text}} ${formatNumber(value)}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
