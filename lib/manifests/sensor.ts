/**
 * The Sensor schema: every field of Argo Events v1.9 `SensorSpec` for the trigger types Outrigger runs
 * (argoproj/argo-events: pkg/apis/events/v1alpha1/sensor_types.go), the checks of
 * pkg/reconciler/sensor/validate.go, and the stricter rules of DESIGN §3 (conditions, filter types, regexes,
 * misplaced trigger fields, `env` in templates).
 */
import { isSeq, type Node, parse as parseYaml, type YAMLSeq } from 'yaml';
import {
  checkClockTime,
  checkCron,
  checkGovaluate,
  checkRe2,
  checkS3Endpoint,
  checkTimezone,
  conditionKey,
  parseClockTime,
  parseConditions,
} from './checks.ts';
import {
  backoff,
  basicAuth,
  clusterOnly,
  configMapKeySelector,
  goTemplate,
  nonEmpty,
  parameters,
  secretKeySelector,
  tlsConfig,
  triggerParameter,
} from './common.ts';
import {
  anyObject,
  arr,
  bool,
  enumOf,
  int,
  lazy,
  obj,
  recorded,
  required,
  type Schema,
  type SchemaContext,
  str,
  stringMap,
  valueNode,
} from './schema.ts';

/** Trigger types Outrigger runs, in Argo's selection order. */
export const supportedTriggerTypes = [
  'k8s',
  'argoWorkflow',
  'http',
  'awsLambda',
  'log',
  'slack',
  'nats',
  'eventBridge',
] as const;

/** Upstream trigger types Outrigger refuses by name. */
export const unsupportedTriggerTypes = [
  'custom',
  'kafka',
  'openWhisk',
  'azureEventHubs',
  'azureServiceBus',
  'pulsar',
  'email',
] as const;

/** Kubernetes trigger sources Outrigger reads. */
export const supportedTriggerSources = ['resource', 'inline', 'url', 'configmap', 's3'] as const;

const logicalOperator = enumOf(['and', 'or'], { allowEmpty: true });

// ---------------------------------------------------------------- dependencies and filters

const dataFilterTypes = ['string', 'number', 'bool'] as const;
const goBools = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);

function checkDataFilterValues(value: Record<string, unknown>, node: Node, path: string, ctx: SchemaContext) {
  const values = value.value as string[];
  const items = valueNode(node, 'value');
  values.forEach((entry, index) => {
    const itemNode = (isSeq(items) ? ((items as YAMLSeq<Node>).items[index] ?? items) : items) as Node;
    const itemPath = `${path}.value[${index}]`;
    let problem: string | undefined;
    if (value.type === 'string') problem = checkRe2(entry);
    else if (value.type === 'number') {
      const number = Number(entry);
      problem = entry.trim() === '' || Number.isNaN(number) ? `\`${entry}\` is not a number` : undefined;
    } else if (value.type === 'bool') {
      problem = goBools.has(entry) ? undefined : `\`${entry}\` is not a boolean (use true or false)`;
    }
    if (problem) ctx.error(itemNode, itemPath, problem);
  });
}

const dataFilterType = str((type) => {
  if (type === 'json') {
    return '`json` is not a data filter type (upstream accepts it, then fails every event); use string, number or bool';
  }
  return (dataFilterTypes as readonly string[]).includes(type)
    ? undefined
    : `must be one of ${dataFilterTypes.join(', ')}`;
});

const dataFilter = obj(
  {
    path: required(str(nonEmpty)),
    type: required(dataFilterType),
    value: required(arr(str(nonEmpty), { minItems: 1 })),
    comparator: enumOf(['>=', '>', '=', '!=', '<', '<='], { allowEmpty: true }),
    template: goTemplate,
  },
  { checks: [checkDataFilterValues] },
);

const exprFilter = obj({
  expr: required(str(nonEmpty, checkGovaluate)),
  fields: required(
    arr(obj({ path: required(str(nonEmpty)), name: required(str(nonEmpty)) }), { minItems: 1 }),
  ),
});

const timeFilter = obj(
  {
    start: required(str(checkClockTime)),
    stop: required(str(checkClockTime)),
    timezone: str(checkTimezone),
  },
  {
    checks: [
      (value, node, path, ctx) => {
        if (parseClockTime(value.start as string) === parseClockTime(value.stop as string)) {
          ctx.error(valueNode(node, 'stop'), `${path}.stop`, 'must differ from `start`');
        }
      },
    ],
  },
);

const contextFilter = obj(
  {
    id: str(),
    source: str(),
    specversion: str(),
    type: str(),
    datacontenttype: str(),
    subject: str(),
    time: str(),
  },
  {
    checks: [
      (value, node, path, ctx) => {
        if (!['type', 'subject', 'source', 'datacontenttype'].some((key) => value[key])) {
          ctx.error(
            node,
            path,
            'needs at least one of `type`, `subject`, `source`, `datacontenttype` (otherwise every event is discarded)',
          );
        }
      },
    ],
  },
);

const dependencyFilters = obj({
  time: timeFilter,
  context: contextFilter,
  data: arr(dataFilter),
  exprs: arr(exprFilter),
  dataLogicalOperator: logicalOperator,
  exprLogicalOperator: logicalOperator,
  script: str(),
});

const dependency = obj({
  name: required(recorded('dependency', str(nonEmpty))),
  eventSourceName: required(str(nonEmpty)),
  eventName: required(str(nonEmpty)),
  filters: dependencyFilters,
  transform: obj({ jq: str(), script: str() }),
  filtersLogicalOperator: logicalOperator,
});

// ---------------------------------------------------------------- trigger types

function unsupportedSource(name: string): string {
  return `trigger source \`${name}\` is not supported by Outrigger; supported: ${supportedTriggerSources.join(', ')}`;
}

const inlineSource = str((text) => {
  try {
    parseYaml(text);
    return undefined;
  } catch (err) {
    return `is not valid YAML or JSON: ${err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err)}`;
  }
});

/** Fields of Argo's S3Artifact that only its minio event source reads. */
const minioOnly = (field: string) =>
  `\`${field}\` is read only by the minio event source, never for a trigger source; remove it`;

// argoproj/argo-events: pkg/sensors/artifacts/s3.go. Without accessKey and secretKey Outrigger uses the
// function's own AWS credentials (upstream requires both: it reads them from mounted secrets).
const s3Source = obj(
  {
    endpoint: required(str(nonEmpty, checkS3Endpoint)),
    bucket: required(obj({ name: required(str(nonEmpty)), key: required(str(nonEmpty)) })),
    region: str(),
    insecure: bool(),
    accessKey: secretKeySelector,
    secretKey: secretKeySelector,
  },
  {
    refused: {
      events: minioOnly('events'),
      filter: minioOnly('filter'),
      metadata: minioOnly('metadata'),
      caCertificate:
        '`caCertificate` is not used by Argo Events to read a trigger source; remove it (the endpoint must have a publicly trusted certificate, or set `insecure: true` for http)',
    },
    checks: [
      (value, node, path, ctx) => {
        if ((value.accessKey === undefined) !== (value.secretKey === undefined)) {
          ctx.error(
            node,
            path,
            "`accessKey` and `secretKey` must be set together (or neither, to use the function's own AWS credentials)",
          );
        }
      },
    ],
  },
);

const artifactLocation = obj(
  {
    resource: anyObject(),
    inline: inlineSource,
    url: obj({ path: required(str(nonEmpty)), verifyCert: bool() }),
    // `namespace` is an Outrigger extension: the ConfigMap is read through the API, not mounted.
    configmap: obj({
      name: required(str(nonEmpty)),
      key: required(str(nonEmpty)),
      namespace: str(),
      optional: bool(),
    }),
    s3: s3Source,
  },
  {
    oneOf: [{ keys: supportedTriggerSources, label: 'source', required: true }],
    refused: { git: unsupportedSource('git'), file: unsupportedSource('file') },
  },
);

const k8sTrigger = obj({
  source: required(artifactLocation),
  operation: enumOf(['create', 'update', 'patch', 'delete'], { allowEmpty: true }),
  parameters,
  patchStrategy: enumOf([
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/strategic-merge-patch+json',
    'application/apply-patch+yaml',
  ]),
  liveObject: bool(),
});

const argoWorkflowTrigger = obj({
  source: required(artifactLocation),
  operation: required(
    enumOf(['submit', 'submit-from', 'resubmit', 'retry', 'resume', 'suspend', 'terminate', 'stop']),
  ),
  parameters,
  args: arr(str()),
});

const secureHeader = obj({
  name: required(str(nonEmpty)),
  valueFrom: required(
    obj(
      { secretKeyRef: secretKeySelector, configMapKeyRef: configMapKeySelector },
      { oneOf: [{ keys: ['secretKeyRef', 'configMapKeyRef'], label: 'value source', required: true }] },
    ),
  ),
});

const httpTrigger = obj(
  {
    url: required(str(nonEmpty)),
    payload: arr(triggerParameter({ emptyDest: true })),
    tls: tlsConfig,
    method: enumOf(['GET', 'DELETE', 'PATCH', 'POST', 'PUT'], { allowEmpty: true }),
    parameters,
    timeout: int({ min: 0 }),
    basicAuth,
    headers: stringMap(),
    secureHeaders: arr(secureHeader),
    dynamicHeaders: parameters,
    host: str(),
  },
  { refused: { serverURL: "unknown field `serverURL`: the HTTP trigger's address is `url`" } },
);

const awsLambdaTrigger = obj({
  functionName: required(str(nonEmpty)),
  accessKey: secretKeySelector,
  secretKey: secretKeySelector,
  region: required(str(nonEmpty)),
  payload: required(parameters),
  parameters,
  invocationType: enumOf(['RequestResponse', 'Event', 'DryRun']),
  roleARN: str(),
});

const logTrigger = obj({ intervalSeconds: int({ min: 0 }) });

const slackTrigger = obj({
  parameters,
  slackToken: required(secretKeySelector),
  channel: str(),
  message: str(),
  attachments: str(),
  blocks: str(),
  thread: obj({ messageAggregationKey: str(), broadcastMessageToChannel: bool() }),
  sender: obj({ username: str(), icon: str() }),
});

const natsTrigger = obj({
  url: required(str(nonEmpty)),
  subject: required(str(nonEmpty)),
  payload: required(parameters),
  parameters,
  tls: tlsConfig,
  auth: obj({
    basic: basicAuth,
    token: secretKeySelector,
    nkey: secretKeySelector,
    credential: secretKeySelector,
  }),
});

/** Outrigger extension: put one entry on an EventBridge bus (PutEvents); `payload` builds `Detail`. */
const eventBridgeTrigger = obj({
  eventBusName: str(nonEmpty),
  source: required(str(nonEmpty)),
  detailType: required(str(nonEmpty)),
  payload: parameters,
  parameters,
  resources: arr(str()),
  region: str(),
  endpoint: str(),
  roleARN: str(),
});

// ---------------------------------------------------------------- triggers

function belongsOnTrigger(field: string): string {
  return `\`${field}\` belongs on the trigger, not on \`template\``;
}

function unsupportedTrigger(name: string): string {
  return `trigger type \`${name}\` is not supported by Outrigger; supported: ${supportedTriggerTypes.join(', ')}`;
}

const triggerTemplate = obj(
  {
    name: required(str(nonEmpty)),
    conditions: recorded('conditions', str()),
    conditionsReset: arr(
      obj({ byTime: required(obj({ cron: required(str(checkCron)), timezone: str(checkTimezone) })) }),
    ),
    k8s: k8sTrigger,
    argoWorkflow: argoWorkflowTrigger,
    http: httpTrigger,
    awsLambda: awsLambdaTrigger,
    log: logTrigger,
    slack: slackTrigger,
    nats: natsTrigger,
    eventBridge: eventBridgeTrigger,
  },
  {
    oneOf: [{ keys: supportedTriggerTypes, label: 'trigger type', required: true }],
    refused: {
      ...Object.fromEntries(unsupportedTriggerTypes.map((type) => [type, unsupportedTrigger(type)])),
      ...Object.fromEntries(
        ['atLeastOnce', 'policy', 'retryStrategy', 'rateLimit', 'dlqTrigger', 'parameters'].map((field) => [
          field,
          belongsOnTrigger(field),
        ]),
      ),
    },
  },
);

const triggerPolicy = obj({
  k8s: obj({ labels: required(stringMap()), backoff, errorOnBackoffTimeout: bool() }),
  status: obj({ allow: required(arr(int({ min: 100, max: 599 }), { minItems: 1 })) }),
});

const trigger: Schema = obj({
  template: required(triggerTemplate),
  parameters,
  policy: triggerPolicy,
  retryStrategy: backoff,
  rateLimit: obj({ unit: enumOf(['Second', 'Minute', 'Hour']), requestsPerUnit: int({ min: 1 }) }),
  atLeastOnce: bool(),
  dlqTrigger: lazy(() => trigger),
});

/** The `spec` of a Sensor. */
export const sensorSpec: Schema = obj(
  {
    dependencies: required(arr(dependency, { minItems: 1 })),
    triggers: required(arr(trigger, { minItems: 1 })),
    errorOnFailedRound: bool(),
    eventBusName: str(nonEmpty),
    loggingFields: stringMap(),
  },
  {
    warned: { template: clusterOnly, replicas: clusterOnly, revisionHistoryLimit: clusterOnly },
    checks: [checkTriggerNames],
  },
);

function checkTriggerNames(
  value: Record<string, unknown>,
  node: Node,
  path: string,
  ctx: SchemaContext,
): void {
  const triggers = value.triggers as { template: { name: string } }[];
  const items = valueNode(node, 'triggers');
  const seen = new Set<string>();
  triggers.forEach((entry, index) => {
    const name = entry.template.name;
    if (seen.has(name)) {
      const templateNode = valueNode(
        (isSeq(items) ? (items.items[index] as Node | undefined) : undefined) ?? items,
        'template',
      );
      ctx.error(
        valueNode(templateNode, 'name'),
        `${path}.triggers[${index}].template.name`,
        `duplicate trigger name \`${name}\``,
      );
    }
    seen.add(name);
  });
}

/**
 * Checks that need the whole Sensor: unique dependency names, and that every `conditions` expression and
 * parameter `dependencyName` names a dependency (Argo resolves condition names with `-` read as `_`).
 */
export function checkSensorReferences(ctx: SchemaContext): void {
  const dependencies = new Map<string, string>();
  const exact = new Set<string>();
  for (const ref of ctx.references) {
    if (ref.kind !== 'dependency') continue;
    const key = conditionKey(ref.value);
    const earlier = dependencies.get(key);
    if (earlier !== undefined) {
      ctx.error(
        ref.node,
        ref.path,
        earlier === ref.value
          ? `duplicate dependency name \`${ref.value}\``
          : `dependency \`${ref.value}\` collides with \`${earlier}\` (conditions read \`-\` as \`_\`)`,
      );
      continue;
    }
    dependencies.set(key, ref.value);
    exact.add(ref.value);
  }
  const known = [...exact].map((name) => `\`${name}\``).join(', ');
  for (const ref of ctx.references) {
    // A warning, not an error: trigger-level parameters may rewrite this name before the trigger runs
    // (examples/tutorials/02-parameterization/sensor-05.yaml does exactly that).
    if (ref.kind === 'dependencyRef' && !exact.has(ref.value)) {
      ctx.warn(
        ref.node,
        ref.path,
        `names no dependency of this sensor (dependencies: ${known}); the parameter never resolves`,
      );
    }
    if (ref.kind === 'conditions') {
      if (ref.value.trim() === '') continue;
      const parsed = parseConditions(ref.value);
      if ('error' in parsed) {
        ctx.error(ref.node, ref.path, `cannot parse \`${ref.value}\`: ${parsed.error}`);
        continue;
      }
      for (const name of parsed.names) {
        if (!dependencies.has(conditionKey(name))) {
          ctx.error(ref.node, ref.path, `names unknown dependency \`${name}\` (dependencies: ${known})`);
        }
      }
    }
  }
}
