/**
 * The deploy plugin's pure half: a validated ManifestSet in, the functions, CloudFormation resources and
 * outputs of its deployment out (DESIGN §4). infra/plugin.cjs only loads manifests and merges this result
 * into the osls service.
 *
 * @example
 * const expansion = expandManifests(await loadManifests(['manifests/']), { service: 'outrigger', stage: 'dev' });
 */
import { sensorQueueNames, sqsRoutes } from '../lib/bus/sqs/names.ts';
import { ManifestError, type ManifestIssue } from '../lib/errors.ts';
import type {
  CalendarEventSpec,
  EventBus,
  EventSource,
  ManifestSet,
  SecretKeySelector,
  Sensor,
  Trigger,
} from '../lib/manifests/types.ts';
import { createIngest, type Route } from '../lib/sources/ingest.ts';
import {
  arnOf,
  type CfnValue,
  lambdaRole,
  logStatement,
  type PolicyStatement,
  type SecretStore,
  secretSelectors,
  secretStatement,
  sub,
} from './iam.ts';
import { distinctParts, fitName, functionLogicalId, functionLogicalPrefix, lambdaName } from './names.ts';
import { calendarExpression } from './schedule.ts';

/** The roles a deployment's functions play; each role is one handler in functions/. */
export type FunctionRole = 'webhook' | 'calendar' | 'awsSource' | 'sensor';

/** Where the compiled configuration sits inside every bundle (Lambda's task root is /var/task). */
export const CONFIG_FILE = '.outrigger/package/outrigger.config.json';

/** Settings of the expansion; `custom.outrigger` in serverless.yml. */
export interface ExpandOptions {
  service: string;
  stage: string;
  /** Handler per role; `null` when this build has no such function yet (then a manifest needing it is an error). */
  handlers?: Partial<Record<FunctionRole, string | null>>;
  secrets?: Partial<SecretStore>;
  /** Kubernetes access of sensor functions: an EKS cluster name, or a secret holding a kubeconfig. */
  kubernetes?: { eksCluster?: string; kubeconfigSecret?: string };
  sensor?: {
    batchSize?: number;
    batchingWindowSeconds?: number;
    maxReceiveCount?: number;
    timeoutSeconds?: number;
    memorySize?: number;
  };
  /** Retry policy of calendar schedules. */
  schedule?: { maximumRetryAttempts?: number; maximumEventAgeSeconds?: number };
}

/** An osls function definition. */
export interface FunctionDefinition {
  handler: string;
  name: string;
  role: string;
  memorySize: number;
  timeout: number;
  environment: Record<string, string>;
  events: { httpApi: { method: string; path: string } }[];
}

export interface CfnOutput {
  Description: string;
  Value: CfnValue;
}

/** Everything the plugin adds to the service. */
export interface Expansion {
  bus: 'sqs' | 'jetstream';
  /** Optional engines the sensors use: jq (`transform.jq`) and Lua (`filters.script`, `transform.script`). */
  features: { jq: boolean; lua: boolean; filter: boolean; nats: boolean };
  /** The set shipped in every bundle, with the EventBus the deployment uses made explicit. */
  config: ManifestSet;
  routes: Route[];
  functions: Record<string, FunctionDefinition>;
  resources: Record<string, CfnValue>;
  outputs: Record<string, CfnOutput>;
  /** Things the deployment does differently from a cluster, worth a line in the packaging log. */
  notes: string[];
}

const defaultHandlers: Record<FunctionRole, string> = {
  webhook: 'functions/webhook.handler',
  calendar: 'functions/calendar.handler',
  awsSource: 'functions/aws-source.handler',
  sensor: 'functions/sensor.handler',
};

/** `Fn::Sub` placeholders, for ARNs whose region or account a manifest may set. */
const REGION = '$' + '{AWS::Region}';
const ACCOUNT = '$' + '{AWS::AccountId}';
const AWS_SOURCE_TYPES = new Set(['sqs', 'sns', 'eventbridge']);
const SCHEDULER_ROLE = 'OutriggerSchedulerRole';
const SCHEDULE_DLQ = 'OutriggerScheduleDeadLetterQueue';
const STATE_TABLE = 'OutriggerStateTable';
const HTTP_API_URL: CfnValue = {
  'Fn::Join': [
    '',
    ['https://', { Ref: 'HttpApi' }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }],
  ],
};

interface SourceEvent {
  eventSource: EventSource;
  type: string;
  eventName: string;
  spec: Record<string, unknown>;
}

function sourceEvents(set: ManifestSet): SourceEvent[] {
  return set.eventSources.flatMap((eventSource) =>
    Object.entries(eventSource.spec)
      .filter(([type, events]) => type !== 'eventBusName' && typeof events === 'object' && events !== null)
      .flatMap(([type, events]) =>
        Object.entries(events as Record<string, Record<string, unknown>>).map(([eventName, spec]) => ({
          eventSource,
          type,
          eventName,
          spec,
        })),
      ),
  );
}

function roleOfType(type: string): FunctionRole {
  if (type === 'calendar') return 'calendar';
  if (AWS_SOURCE_TYPES.has(type)) return 'awsSource';
  return 'webhook';
}

function issueAt(set: ManifestSet, key: string, path: string, message: string): ManifestIssue {
  const origin = set.origins[key];
  return { file: origin?.file ?? key, line: origin?.line ?? 1, column: 1, path, message, severity: 'error' };
}

/** The EventBus name every manifest uses; the deployment serves one bus. */
function busNameOf(set: ManifestSet): string {
  const names = new Set([
    ...set.eventSources.map((es) => es.spec.eventBusName ?? 'default'),
    ...set.sensors.map((sensor) => sensor.spec.eventBusName ?? 'default'),
  ]);
  if (names.size > 1) {
    throw new ManifestError([
      issueAt(
        set,
        'EventBus/default',
        'spec.eventBusName',
        `the manifests use EventBuses ${[...names].map((n) => `"${n}"`).join(', ')}; one deployment serves one bus: deploy them as separate stages`,
      ),
    ]);
  }
  return [...names][0] ?? 'default';
}

/** The bus manifest the deployment uses: the one named, or an SQS bus when there is none (DESIGN §4). */
function deployedBus(set: ManifestSet, name: string, options: ExpandOptions): EventBus {
  const prefix = `${options.service}-${options.stage}-`;
  const manifest = set.eventBuses.find((bus) => bus.metadata.name === name);
  if (manifest?.spec.jetstreamExotic) return manifest;
  const sqs = manifest?.spec.sqs ?? {};
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'EventBus',
    metadata: manifest?.metadata ?? { name },
    spec: {
      sqs: {
        ...sqs,
        queueNamePrefix: sqs.queueNamePrefix ?? prefix,
        stateTable: sqs.stateTable ?? `${prefix}state`,
      },
    },
  };
}

/** The bus subjects a sensor consumes: `<bus>.<eventSourceName>.<eventName>` per dependency. */
function dependencySubjects(sensor: Sensor | undefined, busName: string): string[] {
  const subjects = (sensor?.spec.dependencies ?? []).map(
    (d) => `${busName}.${d.eventSourceName}.${d.eventName}`,
  );
  return [...new Set(subjects)].sort();
}

function triggerSpecs(trigger: Trigger): Trigger[] {
  return trigger.dlqTrigger ? [trigger, ...triggerSpecs(trigger.dlqTrigger)] : [trigger];
}

function functionArn(region: string | undefined, name: string): CfnValue {
  if (name.startsWith('arn:')) return name;
  return sub(`arn:\${AWS::Partition}:lambda:${region ?? REGION}:\${AWS::AccountId}:function:${name}`);
}

function eventBusArn(region: string | undefined, name: string | undefined): CfnValue {
  if (name?.startsWith('arn:')) return name;
  return sub(
    `arn:\${AWS::Partition}:events:${region ?? REGION}:\${AWS::AccountId}:event-bus/${name ?? 'default'}`,
  );
}

/** What a sensor's triggers reach beyond the bus: AWS APIs and the cluster. */
function triggerStatements(sensor: Sensor, options: ExpandOptions): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const assume = new Set<string>();
  const invoke: CfnValue[] = [];
  const putEvents: CfnValue[] = [];
  const getObject: CfnValue[] = [];
  let kubernetes = false;
  for (const trigger of sensor.spec.triggers.flatMap(triggerSpecs)) {
    const template = trigger.template;
    if (template.k8s || template.argoWorkflow) kubernetes = true;
    const lambda = template.awsLambda as
      | { functionName?: string; region?: string; roleARN?: string }
      | undefined;
    if (lambda?.roleARN) assume.add(lambda.roleARN);
    else if (lambda?.functionName) invoke.push(functionArn(lambda.region, lambda.functionName));
    const bridge = template.eventBridge;
    if (bridge?.roleARN) assume.add(bridge.roleARN);
    else if (bridge) putEvents.push(eventBusArn(bridge.region, bridge.eventBusName));
    for (const type of ['k8s', 'argoWorkflow'] as const) {
      const s3 = template[type]?.source?.s3;
      // With accessKey/secretKey the source reads as those keys; without them, as the function's role.
      if (!s3 || s3.accessKey) continue;
      // A trigger-level parameter may choose the bucket or key per event: then any is allowed.
      const chosen = (field: string) =>
        (trigger.parameters ?? []).some((p) => p.dest === `${type}.source.s3.bucket.${field}`);
      const bucket = chosen('name') ? '*' : s3.bucket.name;
      const key = chosen('key') ? '*' : s3.bucket.key;
      // Fn::Sub reads `${` as a reference: a literal one is written `${!`.
      getObject.push(sub(`arn:\${AWS::Partition}:s3:::${bucket}/${key.replaceAll('${', '${!')}`));
    }
  }
  if (invoke.length > 0)
    statements.push({ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: invoke });
  if (putEvents.length > 0)
    statements.push({ Effect: 'Allow', Action: ['events:PutEvents'], Resource: putEvents });
  if (getObject.length > 0)
    statements.push({ Effect: 'Allow', Action: ['s3:GetObject'], Resource: getObject });
  if (assume.size > 0)
    statements.push({ Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [...assume].sort() });
  const cluster = options.kubernetes?.eksCluster;
  if (kubernetes && cluster) {
    // The bearer token is a presigned sts:GetCallerIdentity (no permission needed); the endpoint and CA
    // come from DescribeCluster. What the role may do in the cluster is the EKS access entry's business.
    statements.push({
      Effect: 'Allow',
      Action: ['eks:DescribeCluster'],
      Resource: [sub(`arn:\${AWS::Partition}:eks:\${AWS::Region}:\${AWS::AccountId}:cluster/${cluster}`)],
    });
  }
  return statements;
}

function sensorSecrets(sensor: Sensor, options: ExpandOptions): SecretKeySelector[] {
  const selectors = secretSelectors(sensor.spec.triggers);
  const kubeconfig = options.kubernetes?.kubeconfigSecret;
  const usesCluster = sensor.spec.triggers
    .flatMap(triggerSpecs)
    .some((t) => t.template.k8s || t.template.argoWorkflow);
  if (kubeconfig && usesCluster) selectors.push({ name: kubeconfig, key: 'kubeconfig' });
  return selectors;
}

/**
 * Expands a validated manifest set into its deployment. Throws ManifestError, positioned at the manifest,
 * for what AWS cannot deploy (two endpoints on one path, a sub-minute calendar, a missing handler).
 */
export function expandManifests(set: ManifestSet, options: ExpandOptions): Expansion {
  const handlers = { ...defaultHandlers, ...options.handlers };
  const store: SecretStore = {
    service: options.secrets?.service ?? 'secretsmanager',
    prefix: options.secrets?.prefix ?? 'outrigger',
  };
  const sensorTimeout = options.sensor?.timeoutSeconds ?? 60;
  const base = `${options.service}-${options.stage}`;
  const busName = busNameOf(set);
  const bus = deployedBus(set, busName, options);
  const busKind = bus.spec.jetstreamExotic ? 'jetstream' : 'sqs';
  const config: ManifestSet = {
    ...set,
    eventBuses: [...set.eventBuses.filter((b) => b.metadata.name !== busName), bus],
  };
  const issues: ManifestIssue[] = [];
  const notes: string[] = [];
  const resources: Record<string, CfnValue> = {};
  const outputs: Record<string, CfnOutput> = {};
  const functions: Record<string, FunctionDefinition> = {};
  const statements = new Map<string, PolicyStatement[]>();
  const selectors = new Map<string, SecretKeySelector[]>();
  const sourceParts = distinctParts(set.eventSources.map((es) => es.metadata.name));
  const eventPart = (es: string, ev: string) =>
    `${sourceParts.get(es) ?? ''}${distinctParts([ev]).get(ev) ?? ''}`;

  // Routes come from the source registry, as the webhook function itself computes them.
  const stub = { publish: async () => {}, get: async () => '' };
  const routes = createIngest(set, {
    bus: stub as never,
    secrets: stub as never,
    filter: () => true,
  }).routes;

  const commonEnv: Record<string, string> = {
    OUTRIGGER_CONFIG: `/var/task/${CONFIG_FILE}`,
    OUTRIGGER_SECRETS: store.service,
    OUTRIGGER_SECRET_PREFIX: store.prefix,
  };

  function addFunction(
    key: string,
    role: FunctionRole,
    settings: { memorySize: number; timeout: number },
    env: Record<string, string> = {},
  ): FunctionDefinition {
    const handler = handlers[role];
    const fn: FunctionDefinition = {
      handler: handler ?? defaultHandlers[role],
      name: lambdaName(`${base}-${key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`),
      role: `${functionLogicalPrefix(key)}IamRole`,
      memorySize: settings.memorySize,
      timeout: settings.timeout,
      environment: { ...commonEnv, ...env },
      events: [],
    };
    functions[key] = fn;
    statements.set(key, [logStatement(fn.name)]);
    selectors.set(key, []);
    return fn;
  }

  function requireHandler(role: FunctionRole, key: string, path: string, what: string): boolean {
    if (handlers[role] !== null) return true;
    issues.push(
      issueAt(
        set,
        key,
        path,
        `${what} need ${defaultHandlers[role].replace('.handler', '.ts')}, which this build does not have yet`,
      ),
    );
    return false;
  }

  // ---------------------------------------------------------------- source functions
  const events = sourceEvents(set);
  const servedBy = new Map<FunctionRole, SourceEvent[]>();
  for (const event of events) {
    const role = roleOfType(event.type);
    if (
      role === 'webhook' &&
      !routes.some(
        (r) => r.eventSourceName === event.eventSource.metadata.name && r.eventName === event.eventName,
      )
    )
      continue;
    servedBy.set(role, [...(servedBy.get(role) ?? []), event]);
  }
  const sourceKeys: Partial<Record<FunctionRole, string>> = {};
  for (const [role, served] of servedBy) {
    const where = `EventSource/${served[0]!.eventSource.metadata.name}`;
    if (!requireHandler(role, where, `spec.${served[0]!.type}`, `${served[0]!.type} event sources`)) continue;
    const key = role;
    sourceKeys[role] = key;
    addFunction(
      key,
      role,
      role === 'awsSource' ? { memorySize: 256, timeout: 60 } : { memorySize: 128, timeout: 29 },
    );
    selectors.set(
      key,
      served.flatMap((event) => secretSelectors(event.spec)),
    );
  }

  // Webhook endpoints: HTTP API routes and the URL to paste into the provider's settings.
  const webhook = sourceKeys.webhook ? functions[sourceKeys.webhook] : undefined;
  for (const route of routes) {
    webhook?.events.push({
      httpApi: { method: route.method === 'ANY' ? '*' : route.method, path: route.path },
    });
    outputs[`${eventPart(route.eventSourceName, route.eventName)}WebhookUrl`] = {
      Description: `${route.eventSourceName}/${route.eventName}: ${route.method} (the webhook's Payload URL)`,
      Value: { 'Fn::Join': ['', [HTTP_API_URL, route.path]] },
    };
  }

  // Calendars: one EventBridge Scheduler schedule each, with the calendar's time zone.
  const schedulerTargets: CfnValue[] = [];
  const calendarKey = sourceKeys.calendar;
  for (const event of servedBy.get('calendar') ?? []) {
    if (!calendarKey) break;
    const name = event.eventSource.metadata.name;
    const spec = event.spec as CalendarEventSpec;
    let expression: ReturnType<typeof calendarExpression>;
    try {
      expression = calendarExpression(spec);
    } catch (err) {
      issues.push(
        issueAt(set, `EventSource/${name}`, `spec.calendar.${event.eventName}`, (err as Error).message),
      );
      continue;
    }
    if (spec.exclusionDates?.length) {
      notes.push(
        `${name}/${event.eventName}: exclusionDates are checked by the calendar function when the schedule fires`,
      );
    }
    resources[`${eventPart(name, event.eventName)}Schedule`] = {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: fitName(`${base}-${name}-${event.eventName}`, 64),
        Description: `Argo calendar ${name}/${event.eventName}`,
        ScheduleExpression: expression.expression,
        ScheduleExpressionTimezone: expression.timezone ?? 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: arnOf(functionLogicalId(calendarKey)),
          RoleArn: arnOf(SCHEDULER_ROLE),
          // The calendar function's contract (lib/sources/calendar): the tick's time makes retries idempotent.
          Input: JSON.stringify({
            eventSourceName: name,
            eventName: event.eventName,
            scheduledTime: '<aws.scheduler.scheduled-time>',
          }),
          RetryPolicy: {
            MaximumRetryAttempts: options.schedule?.maximumRetryAttempts ?? 5,
            MaximumEventAgeInSeconds: options.schedule?.maximumEventAgeSeconds ?? 3600,
          },
          DeadLetterConfig: { Arn: arnOf(SCHEDULE_DLQ) },
        },
      },
    };
    if (!schedulerTargets.length) schedulerTargets.push(arnOf(functionLogicalId(calendarKey)));
  }

  // AWS event sources: SQS mappings, SNS subscriptions and EventBridge rules on the aws-source function.
  const awsKey = sourceKeys.awsSource;
  for (const event of awsKey ? (servedBy.get('awsSource') ?? []) : []) {
    const key = awsKey as string;
    const fnArn = arnOf(functionLogicalId(key));
    const id = eventPart(event.eventSource.metadata.name, event.eventName);
    const where = `EventSource/${event.eventSource.metadata.name}`;
    const path = `spec.${event.type}.${event.eventName}`;
    const spec = event.spec as Record<string, string | undefined> & {
      eventPattern?: Record<string, unknown>;
    };
    if (event.type === 'sqs') {
      if (!spec.queue) {
        issues.push(issueAt(set, where, path, 'an sqs event source needs `queue`'));
        continue;
      }
      const queueArn = spec.queue.startsWith('arn:')
        ? spec.queue
        : sub(
            `arn:\${AWS::Partition}:sqs:${spec.region ?? REGION}:${spec.queueAccountId ?? ACCOUNT}:${spec.queue}`,
          );
      resources[`${id}EventSourceMapping`] = {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          EventSourceArn: queueArn,
          FunctionName: fnArn,
          BatchSize: 10,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        },
      };
      statements.get(key)?.push({
        Effect: 'Allow',
        Action: [
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ChangeMessageVisibility',
        ],
        Resource: [queueArn],
      });
    } else if (event.type === 'sns') {
      if (!spec.topicArn) {
        issues.push(issueAt(set, where, path, 'an sns event source needs `topicArn`'));
        continue;
      }
      resources[`${id}Subscription`] = {
        Type: 'AWS::SNS::Subscription',
        Properties: {
          TopicArn: spec.topicArn,
          Protocol: 'lambda',
          Endpoint: fnArn,
          Region: spec.topicArn.split(':')[3] ?? { Ref: 'AWS::Region' },
        },
      };
      resources[`${id}Permission`] = {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          Action: 'lambda:InvokeFunction',
          FunctionName: fnArn,
          Principal: 'sns.amazonaws.com',
          SourceArn: spec.topicArn,
        },
      };
    } else {
      const input = `{"eventSourceName":${JSON.stringify(event.eventSource.metadata.name)},"eventName":${JSON.stringify(event.eventName)},"event":<aws.events.event.json>}`;
      resources[`${id}Rule`] = {
        Type: 'AWS::Events::Rule',
        Properties: {
          ...(spec.eventBusName && spec.eventBusName !== 'default'
            ? { EventBusName: spec.eventBusName }
            : {}),
          EventPattern: (spec.eventPattern ?? {}) as CfnValue,
          State: 'ENABLED',
          Targets: [{ Id: 'outrigger', Arn: fnArn, InputTransformer: { InputTemplate: input } }],
        },
      };
      resources[`${id}Permission`] = {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          Action: 'lambda:InvokeFunction',
          FunctionName: fnArn,
          Principal: 'events.amazonaws.com',
          SourceArn: arnOf(`${id}Rule`),
        },
      };
    }
  }

  // ---------------------------------------------------------------- sensors
  const sensorParts = distinctParts(set.sensors.map((s) => s.metadata.name));
  const sensorKeys = new Map<string, string>();
  const batchSize = options.sensor?.batchSize ?? 10;
  const fifo = bus.spec.sqs?.fifo ?? false;
  for (const sensor of set.sensors) {
    const name = sensor.metadata.name;
    if (!requireHandler('sensor', `Sensor/${name}`, 'spec', 'sensors')) continue;
    const key = `sensor${sensorParts.get(name)}`;
    sensorKeys.set(name, key);
    const fn = addFunction(
      key,
      'sensor',
      { memorySize: options.sensor?.memorySize ?? 256, timeout: sensorTimeout },
      {
        OUTRIGGER_SENSOR: name,
        ...(options.kubernetes?.eksCluster ? { OUTRIGGER_EKS_CLUSTER: options.kubernetes.eksCluster } : {}),
        ...(options.kubernetes?.kubeconfigSecret
          ? { OUTRIGGER_KUBECONFIG_SECRET: options.kubernetes.kubeconfigSecret }
          : {}),
      },
    );
    fn.name = lambdaName(`${base}-sensor-${name}`);
    statements.set(key, [logStatement(fn.name), ...triggerStatements(sensor, options)]);
    selectors.set(key, sensorSecrets(sensor, options));
    const part = functionLogicalPrefix(key);
    if (busKind === 'sqs') {
      const names = sensorQueueNames(bus.spec.sqs?.queueNamePrefix ?? '', name, fifo);
      resources[`${part}DeadLetterQueue`] = {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: names.dlq,
          MessageRetentionPeriod: 1_209_600,
          SqsManagedSseEnabled: true,
          ...(fifo ? { FifoQueue: true } : {}),
        },
      };
      resources[`${part}Queue`] = {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: names.queue,
          // Lambda's advice for event source mappings: six times the function timeout.
          VisibilityTimeout: 6 * sensorTimeout,
          SqsManagedSseEnabled: true,
          ...(fifo ? { FifoQueue: true } : {}),
          RedrivePolicy: {
            deadLetterTargetArn: arnOf(`${part}DeadLetterQueue`),
            maxReceiveCount: options.sensor?.maxReceiveCount ?? 5,
          },
        },
      };
      resources[`${part}EventSourceMapping`] = {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          EventSourceArn: arnOf(`${part}Queue`),
          FunctionName: arnOf(functionLogicalId(key)),
          BatchSize: batchSize,
          // FIFO mappings take no batching window.
          ...(fifo ? {} : { MaximumBatchingWindowInSeconds: options.sensor?.batchingWindowSeconds ?? 1 }),
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        },
      };
      statements.get(key)?.push(
        {
          Effect: 'Allow',
          Action: [
            'sqs:ReceiveMessage',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:ChangeMessageVisibility',
          ],
          Resource: [arnOf(`${part}Queue`)],
        },
        {
          Effect: 'Allow',
          Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
          Resource: [arnOf(`${part}DeadLetterQueue`)],
        },
        // lib/bus/sqs/state.ts: compare-and-set PutItem and consistent GetItem on one `pk` table.
        { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: [arnOf(STATE_TABLE)] },
      );
    } else {
      resources[`${part}DrainSchedule`] = {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          Name: fitName(`${base}-drain-${name}`, 64),
          Description: `Safety drain of sensor ${name}'s JetStream consumer`,
          ScheduleExpression: 'rate(1 minute)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          State: 'ENABLED',
          Target: {
            Arn: arnOf(functionLogicalId(key)),
            RoleArn: arnOf(SCHEDULER_ROLE),
            Input: JSON.stringify({ outrigger: 'drain', sensor: name }),
            // The next minute's drain is the retry.
            RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
          },
        },
      };
      schedulerTargets.push(arnOf(functionLogicalId(key)));
      const access = bus.spec.jetstreamExotic?.accessSecret;
      if (access) selectors.get(key)?.push(access);
    }
  }

  // Which sensors each source function publishes to: their queues on SQS, their drains on JetStream.
  const routesTo = sqsRoutes(set, busName);
  for (const [role, served] of servedBy) {
    const key = sourceKeys[role];
    if (!key) continue;
    const sensors = [
      ...new Set(served.flatMap((e) => routesTo[`${e.eventSource.metadata.name}.${e.eventName}`] ?? [])),
    ]
      .filter((s) => sensorKeys.has(s))
      .sort();
    if (busKind === 'sqs') {
      if (sensors.length > 0) {
        statements.get(key)?.push({
          Effect: 'Allow',
          Action: ['sqs:SendMessage'],
          Resource: sensors.map((s) => arnOf(`${functionLogicalPrefix(sensorKeys.get(s) ?? '')}Queue`)),
        });
      }
    } else {
      const access = bus.spec.jetstreamExotic?.accessSecret;
      if (access) selectors.get(key)?.push(access);
      // lib/bus/drain-notify.ts: after a publish, each sensor whose subjects match is asked to drain.
      const drains = sensors.map((s) => ({
        functionName: functions[sensorKeys.get(s) ?? '']?.name ?? '',
        subjects: dependencySubjects(
          set.sensors.find((sensor) => sensor.metadata.name === s),
          busName,
        ),
      }));
      const fn = functions[key];
      if (fn && sensors.length > 0) {
        fn.environment.OUTRIGGER_DRAIN_TARGETS = JSON.stringify(drains);
        statements.get(key)?.push({
          Effect: 'Allow',
          Action: ['lambda:InvokeFunction'],
          Resource: sensors.map((s) => arnOf(functionLogicalId(sensorKeys.get(s) ?? ''))),
        });
      }
    }
  }

  if (busKind === 'sqs' && sensorKeys.size > 0) {
    // The SQS bus resolves every sensor's queue and DLQ by name when it connects (lib/bus/sqs), so each
    // function may look up those URLs; sending and receiving stay limited as above.
    const queueArns = [...sensorKeys.values()].flatMap((key) => [
      arnOf(`${functionLogicalPrefix(key)}Queue`),
      arnOf(`${functionLogicalPrefix(key)}DeadLetterQueue`),
    ]);
    for (const key of Object.keys(functions)) {
      statements.get(key)?.push({ Effect: 'Allow', Action: ['sqs:GetQueueUrl'], Resource: queueArns });
    }
    resources[STATE_TABLE] = {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        TableName: bus.spec.sqs?.stateTable ?? `${base}-state`,
        BillingMode: 'PAY_PER_REQUEST',
        // lib/bus/sqs/state.ts: one string partition key `pk`, TTL attribute `expiresAt`.
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
    };
  }

  if (Object.keys(resources).some((id) => id.endsWith('Schedule')) && schedulerTargets.length > 0) {
    resources[SCHEDULER_ROLE] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: ['scheduler.amazonaws.com'] },
              Action: ['sts:AssumeRole'],
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'outrigger-scheduler',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: schedulerTargets },
                ...(calendarKey && servedBy.get('calendar')?.length
                  ? [{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [arnOf(SCHEDULE_DLQ)] }]
                  : []),
              ],
            },
          },
        ],
      },
    };
    if (calendarKey && servedBy.get('calendar')?.length) {
      resources[SCHEDULE_DLQ] = {
        Type: 'AWS::SQS::Queue',
        Properties: { MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true },
      };
    }
  }

  if (issues.length > 0) throw new ManifestError(issues);

  for (const [key, fn] of Object.entries(functions)) {
    const secret = secretStatement(selectors.get(key) ?? [], store);
    resources[fn.role] = lambdaRole(`${base}-${key}`, [
      ...(statements.get(key) ?? []),
      ...(secret ? [secret] : []),
    ]);
  }
  const clusterSensors = set.sensors.filter((sensor) =>
    sensor.spec.triggers.flatMap(triggerSpecs).some((t) => t.template.k8s || t.template.argoWorkflow),
  );
  if (clusterSensors.length > 0 && !options.kubernetes?.eksCluster && !options.kubernetes?.kubeconfigSecret) {
    notes.push(
      `sensors ${clusterSensors.map((s) => s.metadata.name).join(', ')} have Kubernetes triggers but custom.outrigger.kubernetes names neither an eksCluster nor a kubeconfigSecret`,
    );
  }
  if (busKind === 'sqs' && set.eventBuses.every((b) => b.metadata.name !== busName)) {
    notes.push(
      `no EventBus "${busName}" manifest: the deployment uses the SQS bus (queues ${bus.spec.sqs?.queueNamePrefix}<sensor>)`,
    );
  }
  const dependencies = set.sensors.flatMap((sensor) => sensor.spec.dependencies);
  const features = {
    jq: dependencies.some((d) => Boolean(d.transform?.jq)),
    lua: dependencies.some((d) => Boolean(d.transform?.script || d.filters?.script)),
    // A `nats` trigger needs nats.ws in the sensor functions even on the SQS bus.
    nats: set.sensors.some((sensor) =>
      sensor.spec.triggers.some(
        (t) => t.template.nats !== undefined || t.dlqTrigger?.template.nats !== undefined,
      ),
    ),
    // EventSource `filter.expression` needs the expr-lang evaluator (and RE2) in the source functions.
    filter: set.eventSources.some((source) =>
      Object.values(source.spec).some(
        (events) =>
          typeof events === 'object' &&
          events !== null &&
          Object.values(events as Record<string, { filter?: unknown }>).some(
            (spec) => spec?.filter !== undefined,
          ),
      ),
    ),
  };
  return { bus: busKind, features, config, routes, functions, resources, outputs, notes };
}
