/**
 * The EventSource schema: every field of Argo Events v1.9 for the source types Outrigger runs
 * (argoproj/argo-events: pkg/apis/events/v1alpha1/eventsource_types.go, webhook_context.go) with the checks
 * of each source's validate.go, plus the Outrigger `eventbridge` source and the webhook `hmac` extension.
 */
import { isMap, type Node } from 'yaml';
import { checkCron, checkGoDuration, checkPositiveGoDuration, checkTimezone } from './checks.ts';
import { clusterOnly, nonEmpty, secretKeySelector, tlsConfig } from './common.ts';
import {
  anyObject,
  arr,
  bool,
  enumOf,
  type FieldSpec,
  int,
  map,
  obj,
  required,
  type Schema,
  type SchemaContext,
  str,
  stringMap,
} from './schema.ts';

/** Source types Outrigger runs. */
export const supportedSourceTypes = [
  'webhook',
  'github',
  'gitlab',
  'bitbucket',
  'bitbucketserver',
  'calendar',
  'sqs',
  'sns',
  'slack',
  'stripe',
  'eventbridge',
] as const;

/** Upstream source types Outrigger refuses by name. */
export const unsupportedSourceTypes = [
  'minio',
  'file',
  'resource',
  'amqp',
  'kafka',
  'mqtt',
  'nats',
  'pubSub',
  'hdfs',
  'storageGrid',
  'azureEventsHub',
  'emitter',
  'redis',
  'nsq',
  'pulsar',
  'generic',
  'redisStream',
  'azureServiceBus',
  'azureQueueStorage',
  'sftp',
  'gerrit',
  'mns',
] as const;

const port = str((value) =>
  /^\d+$/.test(value) && Number(value) <= 65535 ? undefined : `\`${value}\` is not a port number`,
);
const endpoint = str((value) => (value.startsWith('/') ? undefined : 'must start with `/`'));
const eventSourceFilter = obj({ expression: str() });

function webhookContextFields(
  method: Schema<string>,
  methodRequired: boolean,
): Record<string, FieldSpec | Schema> {
  return {
    endpoint: required(endpoint),
    method: methodRequired ? required(method) : method,
    port: required(port),
    url: str(),
    serverCertSecret: secretKeySelector,
    serverKeySecret: secretKeySelector,
    metadata: stringMap(),
    authSecret: secretKeySelector,
    maxPayloadSize: int({ min: 1 }),
  };
}

/** Argo's `WebhookContext`, as nested under github, gitlab, sns… (those handlers ignore `method`). */
const webhookContext = obj(webhookContextFields(str(), false));

/** Outrigger extension: HMAC verification of a plain webhook's body. */
const webhookHmac = obj({
  secret: required(secretKeySelector),
  header: str(nonEmpty),
  algorithm: enumOf(['sha1', 'sha256', 'sha512']),
  prefix: str(),
  encoding: enumOf(['hex', 'base64']),
});

const webhookEvent = obj({
  ...webhookContextFields(enumOf(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']), true),
  filter: eventSourceFilter,
  hmac: webhookHmac,
});

function requireOneOf(keys: readonly string[], message: string) {
  return (value: Record<string, unknown>, node: Node, path: string, ctx: SchemaContext) => {
    if (!keys.some((key) => value[key] !== undefined && value[key] !== '')) ctx.error(node, path, message);
  };
}

const githubEvent = obj(
  {
    id: int(),
    webhook: required(webhookContext),
    owner: str(),
    repository: str(),
    events: arr(str(nonEmpty)),
    apiToken: secretKeySelector,
    webhookSecret: secretKeySelector,
    insecure: bool(),
    active: bool(),
    contentType: enumOf(['json', 'form'], { allowEmpty: true }),
    githubBaseURL: str(),
    githubUploadURL: str(),
    deleteHookOnFinish: bool(),
    metadata: stringMap(),
    repositories: arr(obj({ owner: str(), names: arr(str()) })),
    organizations: arr(str()),
    githubApp: obj({
      privateKey: required(secretKeySelector),
      appID: required(int()),
      installationID: required(int()),
    }),
    filter: eventSourceFilter,
  },
  {
    checks: [
      (value, node, path, ctx) => {
        const repositories = value.repositories !== undefined || (value.owner && value.repository);
        const organizations = value.organizations !== undefined;
        if (!repositories && !organizations) ctx.error(node, path, 'needs `repositories` or `organizations`');
        if (value.repositories !== undefined && organizations) {
          ctx.error(
            node,
            `${path}.organizations`,
            'only one of `repositories` and `organizations` is allowed',
          );
        }
        if (Boolean(value.githubBaseURL) !== Boolean(value.githubUploadURL)) {
          ctx.error(node, path, '`githubBaseURL` and `githubUploadURL` must be set together');
        }
        const managesHooks = (value.apiToken || value.githubApp) && (value.webhook as { url?: string }).url;
        if (managesHooks && !(value.events as string[] | undefined)?.length) {
          ctx.error(node, `${path}.events`, 'must list the events of the webhook Outrigger registers');
        }
      },
    ],
  },
);

const gitlabEvent = obj({
  webhook: required(webhookContext),
  projectID: str(),
  events: required(arr(str(nonEmpty))),
  accessToken: required(secretKeySelector),
  enableSSLVerification: bool(),
  gitlabBaseURL: required(str(nonEmpty)),
  deleteHookOnFinish: bool(),
  metadata: stringMap(),
  projects: arr(str()),
  secretToken: secretKeySelector,
  filter: eventSourceFilter,
  groups: arr(str()),
});

const bitbucketEvent = obj(
  {
    deleteHookOnFinish: bool(),
    metadata: stringMap(),
    webhook: required(webhookContext),
    auth: obj(
      {
        basic: obj({ username: required(secretKeySelector), password: required(secretKeySelector) }),
        oauthToken: secretKeySelector,
      },
      { oneOf: [{ keys: ['basic', 'oauthToken'], label: 'credential', required: true }] },
    ),
    events: arr(str(nonEmpty)),
    owner: str(),
    projectKey: str(),
    repositorySlug: str(),
    repositories: arr(obj({ owner: required(str(nonEmpty)), repositorySlug: required(str(nonEmpty)) })),
    /** Outrigger extension: verify Bitbucket Cloud's `X-Hub-Signature` (sha256 HMAC of the body). */
    webhookSecret: secretKeySelector,
    filter: eventSourceFilter,
  },
  {
    checks: [
      (value, node, path, ctx) => {
        if (value.repositories === undefined && !(value.owner && value.repositorySlug)) {
          ctx.error(node, path, 'needs at least one repository (`repositories`)');
        }
        if (
          value.auth &&
          (value.webhook as { url?: string }).url &&
          !(value.events as string[] | undefined)?.length
        ) {
          ctx.error(node, `${path}.events`, 'must list the events of the webhook Outrigger registers');
        }
      },
    ],
  },
);

const bitbucketServerEvent = obj({
  webhook: required(webhookContext),
  projectKey: str(),
  repositorySlug: str(),
  projects: arr(str()),
  repositories: arr(obj({ projectKey: required(str(nonEmpty)), repositorySlug: required(str(nonEmpty)) })),
  events: arr(str(nonEmpty)),
  skipBranchRefsChangedOnOpenPR: bool(),
  oneEventPerChange: bool(),
  accessToken: secretKeySelector,
  webhookSecret: secretKeySelector,
  bitbucketserverBaseURL: required(str(nonEmpty)),
  deleteHookOnFinish: bool(),
  metadata: stringMap(),
  filter: eventSourceFilter,
  tls: tlsConfig,
  checkInterval: str(checkGoDuration),
});

const calendarEvent = obj(
  {
    schedule: str((value) => (value === '' ? undefined : checkCron(value))),
    interval: str((value) => (value === '' ? undefined : checkPositiveGoDuration(value))),
    exclusionDates: arr(str()),
    timezone: str(checkTimezone),
    metadata: stringMap(),
    filter: eventSourceFilter,
  },
  {
    warned: { persistence: `${clusterOnly} (catch-up state lives in a ConfigMap)` },
    checks: [requireOneOf(['schedule', 'interval'], 'needs `schedule` or `interval`')],
  },
);

const sqsEvent = obj({
  accessKey: secretKeySelector,
  secretKey: secretKeySelector,
  region: required(str(nonEmpty)),
  queue: required(str(nonEmpty)),
  waitTimeSeconds: int({ min: 0, max: 20 }),
  roleARN: str(),
  jsonBody: bool(),
  queueAccountId: str(),
  metadata: stringMap(),
  dlq: bool(),
  filter: eventSourceFilter,
  endpoint: str(),
  sessionToken: secretKeySelector,
});

const snsEvent = obj({
  webhook: required(webhookContext),
  topicArn: required(str(nonEmpty)),
  accessKey: secretKeySelector,
  secretKey: secretKeySelector,
  region: required(str(nonEmpty)),
  roleARN: str(),
  metadata: stringMap(),
  validateSignature: bool(),
  filter: eventSourceFilter,
  endpoint: str(),
});

const slackEvent = obj({
  signingSecret: required(secretKeySelector),
  token: required(secretKeySelector),
  webhook: required(webhookContext),
  metadata: stringMap(),
  filter: eventSourceFilter,
});

const stripeEvent = obj(
  {
    webhook: required(webhookContext),
    createWebhook: bool(),
    apiKey: secretKeySelector,
    /** Outrigger extension: verify the `Stripe-Signature` header with the endpoint's signing secret. */
    webhookSecret: secretKeySelector,
    eventFilter: arr(str()),
    metadata: stringMap(),
  },
  {
    checks: [
      (value, node, path, ctx) => {
        if (value.createWebhook === true && value.apiKey === undefined) {
          ctx.error(node, `${path}.apiKey`, 'is required when `createWebhook` is true');
        }
      },
    ],
  },
);

/** Outrigger extension: AWS events (S3 uploads…) matched on an EventBridge bus by `eventPattern`. */
const eventBridgeEvent = obj({
  eventBusName: str(nonEmpty),
  eventPattern: required(anyObject()),
  region: str(),
  metadata: stringMap(),
  filter: eventSourceFilter,
});

function unsupportedSource(name: string): string {
  return `event source type \`${name}\` is not supported by Outrigger; supported: ${supportedSourceTypes.join(', ')}`;
}

const eventName = (value: string) => (value === '' ? 'event names must not be empty' : undefined);

/** The `spec` of an EventSource. */
export const eventSourceSpec: Schema = obj(
  {
    eventBusName: str(nonEmpty),
    webhook: map(webhookEvent, { key: eventName }),
    github: map(githubEvent, { key: eventName }),
    gitlab: map(gitlabEvent, { key: eventName }),
    bitbucket: map(bitbucketEvent, { key: eventName }),
    bitbucketserver: map(bitbucketServerEvent, { key: eventName }),
    calendar: map(calendarEvent, { key: eventName }),
    sqs: map(sqsEvent, { key: eventName }),
    sns: map(snsEvent, { key: eventName }),
    slack: map(slackEvent, { key: eventName }),
    stripe: map(stripeEvent, { key: eventName }),
    eventbridge: map(eventBridgeEvent, { key: eventName }),
  },
  {
    warned: { service: clusterOnly, replicas: clusterOnly, template: clusterOnly },
    refused: {
      ...Object.fromEntries(unsupportedSourceTypes.map((type) => [type, unsupportedSource(type)])),
      type: 'unknown field `type`: a pre-v1.0 EventSource field that Argo Events ignores; remove it (the key of each source, e.g. `webhook`, is its type)',
    },
    checks: [checkEventNames],
  },
);

/** Event names are unique across all source types of one EventSource (pkg/reconciler/eventsource/validate.go). */
function checkEventNames(value: Record<string, unknown>, node: Node, path: string, ctx: SchemaContext): void {
  const seen = new Map<string, string>();
  let count = 0;
  for (const type of supportedSourceTypes) {
    const events = value[type] as Record<string, unknown> | undefined;
    if (events === undefined) continue;
    const typeNode = isMap(node)
      ? node.items.find((pair) => (pair.key as { value?: unknown }).value === type)
      : undefined;
    for (const name of Object.keys(events)) {
      count++;
      const earlier = seen.get(name);
      if (earlier !== undefined) {
        const eventsNode = typeNode?.value;
        const keyNode = isMap(eventsNode)
          ? (eventsNode.items.find((pair) => (pair.key as { value?: unknown }).value === name)?.key as
              | Node
              | undefined)
          : undefined;
        ctx.error(
          keyNode ?? node,
          `${path}.${type}.${name}`,
          `duplicate event name \`${name}\` (also under \`${earlier}\`)`,
        );
      }
      seen.set(name, type);
    }
  }
  if (count === 0) {
    ctx.error(
      node,
      path,
      `declares no events; add one of ${supportedSourceTypes.map((type) => `\`${type}\``).join(', ')}`,
    );
  }
}
