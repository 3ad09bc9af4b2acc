/**
 * The shape of a trigger type (STYLE "Shape of a unit"): a pure `render` that turns the trigger spec and the
 * events that fired it into a request, and an I/O `execute` that performs it. This is Argo Events'
 * fetch → apply parameters → execute pipeline (pkg/sensors/listener.go) with the pure half split off.
 */
import type { SensorEvent } from '../events/envelope.ts';

/** Events that fired a trigger, keyed by dependency name (absent when an OR condition skipped one). */
export type FiredEvents = Readonly<Record<string, SensorEvent>>;

/** Facts about the firing that render may use; no clocks or randomness inside render. */
export interface RenderContext {
  sensorName: string;
  sensorNamespace: string | undefined;
  triggerName: string;
  /** Ids of the fired events, in dependency order: the basis of idempotent names. */
  eventIds: readonly string[];
  /** When the trigger fired (the `action-timestamp` label). */
  now: Date;
}

/** What a trigger execution reports back. */
export interface TriggerOutcome {
  /** Human-readable summary for logs, e.g. `created batch/v1 Job ci/build-backend-x7k2p`. */
  summary: string;
  /** True when the effect already existed (an idempotent replay). */
  alreadyDone?: boolean;
  /** Whatever the trigger produced (the created object, the HTTP response). */
  result?: unknown;
}

/** I/O handles passed to execute; each trigger uses the ones it needs. */
export interface TriggerClients {
  kube?: import('../kube/client.ts').KubeClient;
  /** Where dry-run output goes when no cluster is configured. */
  dryRunDir?: string;
  log?: (line: string) => void;
}

/** One trigger type. `Spec` is the template's type key value, e.g. `template.k8s`. */
export interface TriggerType<Spec = unknown, Request = unknown> {
  readonly type: string;
  render(spec: Spec, events: FiredEvents, context: RenderContext): Request;
  execute(request: Request, clients: TriggerClients): Promise<TriggerOutcome>;
}
