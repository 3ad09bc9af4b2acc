/**
 * middy middleware that flushes the metrics registry as CloudWatch Embedded Metric Format lines after every
 * invocation, failed ones included (CloudWatch turns the log lines into metrics; no API call on the hot path).
 */
import type { MiddlewareObj } from '@middy/core';
import type { MetricsRegistry } from './metrics.ts';
import { defaultRegistry } from './metrics.ts';

export interface EmfMetricsOptions {
  registry?: MetricsRegistry;
  /** CloudWatch namespace (default `Outrigger`). */
  namespace?: string;
  write?: (line: string) => void;
}

/** Middleware factory: `middy().use(emfMetrics()).handler(…)`. */
export function emfMetrics(options: EmfMetricsOptions = {}): MiddlewareObj {
  const registry = options.registry ?? defaultRegistry;
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const cloudWatchNamespace = options.namespace ?? process.env.OUTRIGGER_METRICS_NAMESPACE ?? 'Outrigger';
  const flush = () => {
    for (const line of registry.emfLines({ cloudWatchNamespace })) write(line);
  };
  return {
    after: function emfMetricsAfter() {
      flush();
    },
    onError: function emfMetricsOnError() {
      flush();
    },
  };
}
