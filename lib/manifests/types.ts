/**
 * Typed views of the `argoproj.io/v1alpha1` manifests Outrigger accepts. Field names are Argo Events' own
 * (argoproj/argo-events: pkg/apis/events/v1alpha1/*_types.go). The loader validates strictly before any of
 * these types is trusted; optional fields are exactly those Argo marks `omitempty`.
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface SecretKeySelector {
  name: string;
  key: string;
  optional?: boolean;
}

/** Where a loaded document came from, for errors raised after loading. */
export interface SourceRef {
  file: string;
  line: number;
}

// ---------------------------------------------------------------- EventSource

export interface EventSourceFilter {
  expression: string;
}

/** Argo's WebhookContext: the HTTP listener part shared by webhook-style sources. */
export interface WebhookContext {
  endpoint: string;
  method?: string;
  port: string;
  url?: string;
  metadata?: Record<string, string>;
  authSecret?: SecretKeySelector;
  maxPayloadSize?: number;
  serverCertSecret?: SecretKeySelector;
  serverKeySecret?: SecretKeySelector;
}

/** Outrigger extension: HMAC verification on a plain webhook source. */
export interface WebhookHmac {
  secret: SecretKeySelector;
  header?: string;
  algorithm?: 'sha1' | 'sha256' | 'sha512';
  prefix?: string;
  encoding?: 'hex' | 'base64';
}

export interface WebhookEventSpec extends WebhookContext {
  filter?: EventSourceFilter;
  hmac?: WebhookHmac;
}

export interface GithubEventSpec {
  webhook?: WebhookContext;
  webhookSecret?: SecretKeySelector;
  events?: string[];
  repositories?: { owner: string; names: string[] }[];
  organizations?: string[];
  metadata?: Record<string, string>;
  filter?: EventSourceFilter;
  [key: string]: unknown;
}

export interface CalendarEventSpec {
  schedule?: string;
  interval?: string;
  exclusionDates?: string[];
  timezone?: string;
  metadata?: Record<string, string>;
  filter?: EventSourceFilter;
  [key: string]: unknown;
}

/** Any source type's per-event spec; each source narrows it with its own schema. */
export type GenericEventSpec = Record<string, unknown> & {
  metadata?: Record<string, string>;
  filter?: EventSourceFilter;
};

/** Outrigger extension: AWS events (S3 uploads…) matched on an EventBridge bus by an event pattern. */
export type EventBridgeEventSpec = GenericEventSpec & {
  /** An EventBridge event pattern (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html). */
  eventPattern: Record<string, unknown>;
  /** The AWS bus; `default` when absent. */
  eventBusName?: string;
  region?: string;
};

export interface EventSourceSpec {
  eventBusName?: string;
  webhook?: Record<string, WebhookEventSpec>;
  github?: Record<string, GithubEventSpec>;
  gitlab?: Record<string, GenericEventSpec>;
  bitbucket?: Record<string, GenericEventSpec>;
  bitbucketserver?: Record<string, GenericEventSpec>;
  calendar?: Record<string, CalendarEventSpec>;
  sqs?: Record<string, GenericEventSpec>;
  sns?: Record<string, GenericEventSpec>;
  slack?: Record<string, GenericEventSpec>;
  stripe?: Record<string, GenericEventSpec>;
  eventbridge?: Record<string, EventBridgeEventSpec>;
}

export interface EventSource {
  apiVersion: 'argoproj.io/v1alpha1';
  kind: 'EventSource';
  metadata: ObjectMeta;
  spec: EventSourceSpec;
}

// ---------------------------------------------------------------- Sensor

export interface DataFilter {
  path: string;
  type: string;
  value: string[];
  comparator?: string;
  template?: string;
}

export interface ExprFilter {
  expr: string;
  fields: { name: string; path: string }[];
}

export interface EventDependencyFilter {
  time?: { start: string; stop: string; timezone?: string };
  context?: { type?: string; subject?: string; source?: string; datacontenttype?: string };
  data?: DataFilter[];
  exprs?: ExprFilter[];
  dataLogicalOperator?: 'and' | 'or';
  exprLogicalOperator?: 'and' | 'or';
  script?: string;
}

export interface EventDependency {
  name: string;
  eventSourceName: string;
  eventName: string;
  filters?: EventDependencyFilter;
  filtersLogicalOperator?: 'and' | 'or';
  transform?: { jq?: string; script?: string };
}

export interface TriggerParameterSource {
  dependencyName: string;
  contextKey?: string;
  contextTemplate?: string;
  dataKey?: string;
  dataTemplate?: string;
  value?: string;
  useRawData?: boolean;
}

export interface TriggerParameter {
  src: TriggerParameterSource;
  dest: string;
  operation?: 'overwrite' | 'append' | 'prepend' | '';
}

/** An object in S3 or an S3-compatible store (Argo's `S3Artifact` as a trigger source reads it). */
export interface S3Source {
  /** `host` or `host:port`, e.g. `s3.amazonaws.com`. */
  endpoint: string;
  bucket: { name: string; key: string };
  region?: string;
  /** http instead of https. */
  insecure?: boolean;
  /** Both or neither: without them the function's own AWS credentials are used. */
  accessKey?: SecretKeySelector;
  secretKey?: SecretKeySelector;
}

/** Where a k8s/argoWorkflow trigger gets its object. */
export interface ArtifactLocation {
  resource?: Record<string, unknown>;
  inline?: string;
  url?: { path: string; verifyCert?: boolean };
  configmap?: { name: string; key: string; namespace?: string };
  s3?: S3Source;
  git?: unknown;
  file?: unknown;
}

export interface K8sTriggerSpec {
  source: ArtifactLocation;
  operation?: 'create' | 'update' | 'patch' | 'delete';
  parameters?: TriggerParameter[];
  patchStrategy?: string;
  liveObject?: boolean;
}

export interface ArgoWorkflowTriggerSpec {
  source?: ArtifactLocation;
  operation?: 'submit' | 'submit-from' | 'resubmit' | 'retry' | 'resume' | 'suspend' | 'terminate' | 'stop';
  parameters?: TriggerParameter[];
  args?: string[];
}

export interface LogTriggerSpec {
  intervalSeconds?: number;
}

/** Outrigger extension: PutEvents of one entry; `payload` builds its `Detail` JSON (as Argo's payloads do). */
export type EventBridgeTriggerSpec = {
  source: string;
  detailType: string;
  /** The AWS bus; `default` when absent. */
  eventBusName?: string;
  payload?: TriggerParameter[];
  parameters?: TriggerParameter[];
  resources?: string[];
  region?: string;
  endpoint?: string;
  roleARN?: string;
};

/** Argo's TriggerTemplate: `name`, `conditions`, `conditionsReset` and exactly one trigger type key. */
export interface TriggerTemplate {
  name: string;
  conditions?: string;
  conditionsReset?: { byTime?: { cron: string; timezone?: string } }[];
  k8s?: K8sTriggerSpec;
  argoWorkflow?: ArgoWorkflowTriggerSpec;
  http?: Record<string, unknown>;
  awsLambda?: Record<string, unknown>;
  log?: LogTriggerSpec;
  slack?: Record<string, unknown>;
  nats?: Record<string, unknown>;
  eventBridge?: EventBridgeTriggerSpec;
}

export interface Backoff {
  duration?: string | number;
  factor?: string | number;
  jitter?: string | number;
  steps?: number;
}

export interface TriggerPolicy {
  k8s?: { backoff?: Backoff; errorOnBackoffTimeout?: boolean; labels?: Record<string, string> };
  status?: { allow: number[] };
}

export interface Trigger {
  template: TriggerTemplate;
  parameters?: TriggerParameter[];
  policy?: TriggerPolicy;
  retryStrategy?: Backoff;
  rateLimit?: { unit?: 'Second' | 'Minute' | 'Hour'; requestsPerUnit?: number };
  atLeastOnce?: boolean;
  dlqTrigger?: Trigger;
}

export interface SensorSpec {
  dependencies: EventDependency[];
  triggers: Trigger[];
  eventBusName?: string;
  errorOnFailedRound?: boolean;
  replicas?: number;
  template?: Record<string, unknown>;
  revisionHistoryLimit?: number;
  loggingFields?: Record<string, string>;
}

export interface Sensor {
  apiVersion: 'argoproj.io/v1alpha1';
  kind: 'Sensor';
  metadata: ObjectMeta;
  spec: SensorSpec;
}

// ---------------------------------------------------------------- EventBus

export interface EventBusSpec {
  jetstreamExotic?: {
    url: string;
    accessSecret?: SecretKeySelector;
    /** YAML text as Argo takes it; the compiled configuration of a deployment holds it parsed. */
    streamConfig?: string | Record<string, unknown>;
    tls?: unknown;
  };
  /** Outrigger extension: SQS queues per sensor, DynamoDB for state. */
  sqs?: {
    region?: string;
    endpoint?: string;
    fifo?: boolean;
    queueNamePrefix?: string;
    stateTable?: string;
  };
}

export interface EventBus {
  apiVersion: 'argoproj.io/v1alpha1';
  kind: 'EventBus';
  metadata: ObjectMeta;
  spec: EventBusSpec;
}

export type Manifest = EventSource | Sensor | EventBus;

/** Everything loaded from a set of files; what the local runner and the deploy plugin consume. */
export interface ManifestSet {
  eventSources: EventSource[];
  sensors: Sensor[];
  eventBuses: EventBus[];
  /** Where each manifest came from, keyed `<kind>/<name>`. */
  origins: Record<string, SourceRef>;
  /** Non-fatal findings (cluster-only fields, lints). */
  warnings: import('../errors.ts').ManifestIssue[];
}
