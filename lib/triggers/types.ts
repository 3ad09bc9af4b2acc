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
  /** W3C `traceparent` of the events that fired it, when they carry one (set as an annotation). */
  traceparent?: string;
}

/** What a trigger execution reports back. */
export interface TriggerOutcome {
  /** Human-readable summary for logs, e.g. `created batch/v1 Job ci/build-backend-x7k2p`. */
  summary: string;
  /** True when the effect already existed (an idempotent replay). */
  alreadyDone?: boolean;
  /** Whatever the trigger produced (the created object, the HTTP response). */
  result?: unknown;
  /** The response status of an HTTP call or Lambda invoke, checked against `policy.status` by the runner. */
  status?: number;
  /** True when the trigger failed and its `dlqTrigger` ran instead (the record is done, not retried). */
  deadLettered?: boolean;
}

/** Static credentials for an AWS SDK client (tests; normally the function's role is used). */
export interface AwsStaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** How AWS SDK clients built by triggers are configured beyond the manifest (tests point them at loopback). */
export interface AwsClientOptions {
  endpoint?: string;
  credentials?: AwsStaticCredentials;
  /** SDK attempts per call (the SDK default is 3; the runner's `retryStrategy` retries too). */
  maxAttempts?: number;
}

/** Where the Argo Server is, for argoWorkflow operations only it can do (resubmit, retry). */
export interface ArgoServerOptions {
  /** Base URL, e.g. `https://argo-server.argo:2746`. */
  url: string;
  /** Bearer token (`argo auth token` without the `Bearer ` prefix, or with it). */
  token: string;
  insecureSkipVerify?: boolean;
}

/** I/O handles passed to execute; each trigger uses the ones it needs. */
export interface TriggerClients {
  kube?: import('../kube/client.ts').KubeClient;
  /** Where dry-run output goes when no cluster is configured. */
  dryRunDir?: string;
  log?: (line: string) => void;
  /** Resolves `SecretKeySelector`s (http secureHeaders/basicAuth, slack token, nats auth, AWS keys). */
  secrets?: import('../secrets/resolver.ts').SecretResolver;
  /** Overrides the AWS Lambda port (tests); default: `@aws-sdk/client-lambda`, loaded on first use. */
  lambda?: import('./aws-lambda/index.ts').LambdaInvoker;
  /** Overrides the EventBridge port (tests); default: `@aws-sdk/client-eventbridge`, loaded on first use. */
  eventBridge?: import('./event-bridge/index.ts').EventBridgePutter;
  /** Options for the AWS SDK clients the default ports build. */
  aws?: AwsClientOptions;
  /** Overrides the NATS publisher (tests); default: a cached `nats.ws` connection per server. */
  nats?: import('./nats/index.ts').NatsPublisher;
  /** The Argo Server, when configured: resubmit and retry need it. */
  argoServer?: ArgoServerOptions;
  /** Lets http triggers reach link-local addresses (169.254.0.0/16, fe80::/10), e.g. a test metadata stub. */
  allowLinkLocal?: boolean;
  /** Slack Web API base URL (default `https://slack.com/api`). */
  slackApiUrl?: string;
}

/** One trigger type. `Spec` is the template's type key value, e.g. `template.k8s`. */
export interface TriggerType<Spec = unknown, Request = unknown> {
  readonly type: string;
  render(spec: Spec, events: FiredEvents, context: RenderContext): Request;
  execute(request: Request, clients: TriggerClients): Promise<TriggerOutcome>;
}
