/**
 * The `argoWorkflow` trigger (argoproj/argo-events: pkg/sensors/triggers/argo-workflow; semantics §6.2).
 * Upstream shells out to the `argo` CLI; Outrigger has no CLI in a Lambda function, so each operation is
 * done the way the CLI's own server-side code does it (argoproj/argo-workflows: workflow/util/util.go,
 * workflow/common/convert.go):
 * - `submit` creates the Workflow through the Kubernetes API, with the k8s trigger's labels and
 *   deterministic name (lib/triggers/k8s), so a redelivered event never submits twice;
 * - `submit-from` creates a Workflow that references a WorkflowTemplate (`spec.workflowTemplateRef`), or
 *   one converted from a CronWorkflow (its `workflowSpec` and `workflowMetadata`, owned by the cron);
 * - `suspend` merge-patches `spec.suspend: true` (refused for a completed Workflow, as SuspendWorkflow);
 * - `resume` clears `spec.suspend` and marks every running Suspend node Succeeded (ResumeWorkflow), in one
 *   merge patch guarded by the resourceVersion it read. Node status that the controller offloaded to its
 *   database or compressed cannot be patched that way: those Workflows need the Argo Server;
 * - `terminate` and `stop` merge-patch `spec.shutdown: Terminate|Stop` (patchShutdownStrategy);
 * - `resubmit` and `retry` rebuild or reset nodes in ways only the Argo Server does: they call its REST API
 *   (`PUT /api/v1/workflows/{namespace}/{name}/resubmit|retry`), and fail without retrying when no Argo
 *   Server is configured. `resume` also goes through the Argo Server when one is configured.
 *
 * `args` (extra CLI arguments upstream) are mapped where the API has the same option (`--memoized`,
 * `--restart-successful`, `--node-field-selector`); any other argument is refused by name.
 */
import { TriggerError } from '../../errors.ts';
import type { KubeClient, KubeObject } from '../../kube/client.ts';
import type { ArgoWorkflowTriggerSpec } from '../../manifests/types.ts';
import { redactUrl, sendRequest } from '../http/request.ts';
import { executeK8s, idempotentName, K8S_LABELS, type K8sRequest, renderK8s } from '../k8s/index.ts';
import type {
  ArgoServerOptions,
  FiredEvents,
  RenderContext,
  TriggerClients,
  TriggerOutcome,
  TriggerType,
} from '../types.ts';

export type ArgoWorkflowOperation = NonNullable<ArgoWorkflowTriggerSpec['operation']>;

/** Labels Argo Workflows puts on Workflows submitted from a template or a cron (workflow/common/common.go). */
export const ARGO_WORKFLOW_LABELS = {
  workflowTemplate: 'workflows.argoproj.io/workflow-template',
  cronWorkflow: 'workflows.argoproj.io/cron-workflow',
  completed: 'workflows.argoproj.io/completed',
} as const;

const WORKFLOW_API = 'argoproj.io/v1alpha1';

/** Options of the Argo Server's resubmit/retry requests that upstream passes as CLI `args`. */
export interface ServerOptions {
  memoized?: boolean;
  restartSuccessful?: boolean;
  nodeFieldSelector?: string;
}

/** What render produces, per operation. */
export type ArgoWorkflowRequest =
  | { operation: 'submit'; create: K8sRequest }
  | {
      operation: 'submit-from';
      /** The Workflow to create; for a CronWorkflow its spec is filled from the live cron at execute time. */
      create: K8sRequest;
      from: { kind: 'WorkflowTemplate' | 'CronWorkflow'; name: string; namespace: string | undefined };
    }
  | {
      operation: Exclude<ArgoWorkflowOperation, 'submit' | 'submit-from'>;
      name: string;
      namespace: string | undefined;
      options: ServerOptions;
    };

const OPERATIONS: readonly ArgoWorkflowOperation[] = [
  'submit',
  'submit-from',
  'resubmit',
  'retry',
  'resume',
  'suspend',
  'terminate',
  'stop',
];

function invalid(context: RenderContext, message: string): TriggerError {
  return new TriggerError(
    `argoWorkflow trigger "${context.triggerName}" of sensor "${context.sensorName}": ${message}`,
    { retryable: false },
  );
}

/** renderK8s names itself in errors; say which trigger type the manifest actually uses. */
function renderObject(
  spec: ArgoWorkflowTriggerSpec,
  operation: 'create' | 'update',
  events: FiredEvents,
  context: RenderContext,
): K8sRequest {
  try {
    return renderK8s(
      {
        source: spec.source ?? {},
        operation,
        ...(spec.parameters ? { parameters: spec.parameters } : {}),
      },
      events,
      context,
    );
  } catch (err) {
    if (err instanceof TriggerError && err.message.startsWith('k8s trigger ')) {
      throw new TriggerError(err.message.replace(/^k8s trigger /, 'argoWorkflow trigger '), {
        retryable: err.retryable,
        cause: err,
      });
    }
    throw err;
  }
}

/** Maps the CLI `args` upstream appends onto Argo Server request options; anything else is refused. */
export function serverOptions(
  operation: ArgoWorkflowOperation,
  args: readonly string[] | undefined,
  context: RenderContext,
): ServerOptions {
  const options: ServerOptions = {};
  const list = [...(args ?? [])];
  while (list.length > 0) {
    const arg = list.shift()!;
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    if (operation === 'resubmit' && flag === '--memoized') options.memoized = inline !== 'false';
    else if (operation === 'retry' && flag === '--restart-successful')
      options.restartSuccessful = inline !== 'false';
    else if ((operation === 'retry' || operation === 'resume') && flag === '--node-field-selector') {
      const value = inline ?? list.shift();
      if (!value) throw invalid(context, '--node-field-selector needs a value');
      options.nodeFieldSelector = value;
    } else {
      throw invalid(
        context,
        `argument ${JSON.stringify(arg)} of operation ${operation} is not supported (Outrigger does not run the argo CLI; supported: --memoized for resubmit, --restart-successful and --node-field-selector for retry, --node-field-selector for resume)`,
      );
    }
  }
  return options;
}

/** Builds the request for the operation (pure): the object to create, or the Workflow to act on. */
export function renderArgoWorkflow(
  spec: ArgoWorkflowTriggerSpec,
  events: FiredEvents,
  context: RenderContext,
): ArgoWorkflowRequest {
  const operation = spec.operation || 'submit';
  if (!OPERATIONS.includes(operation)) {
    throw invalid(context, `unknown operation "${operation}" (expected ${OPERATIONS.join(', ')})`);
  }
  if (operation === 'submit') {
    if (spec.args?.length) serverOptions(operation, spec.args, context);
    const create = renderObject(spec, 'create', events, context);
    // A url, configmap or s3 source is fetched by executeK8s (the k8s trigger's deferred request).
    const deferred = (create as { deferred?: unknown }).deferred !== undefined;
    if (!deferred && (create.object.kind !== 'Workflow' || create.object.apiVersion !== WORKFLOW_API)) {
      throw invalid(
        context,
        `submit needs an ${WORKFLOW_API} Workflow, found ${create.object.apiVersion} ${create.object.kind}`,
      );
    }
    return { operation, create };
  }
  const rendered = renderObject(spec, 'update', events, context);
  if ((rendered as { deferred?: unknown }).deferred !== undefined) {
    throw invalid(
      context,
      `${operation} needs a resource or inline source naming the ${operation === 'submit-from' ? 'template' : 'Workflow'}`,
    );
  }
  const source = rendered.object;
  const name = source.metadata.name ?? '';
  const namespace = source.metadata.namespace;
  if (operation === 'submit-from') {
    if (spec.args?.length) serverOptions(operation, spec.args, context);
    return renderSubmitFrom(source, name, namespace, context);
  }
  return { operation, name, namespace, options: serverOptions(operation, spec.args, context) };
}

function renderSubmitFrom(
  source: KubeObject,
  name: string,
  namespace: string | undefined,
  context: RenderContext,
): ArgoWorkflowRequest {
  const kind = source.kind;
  // Upstream's CLI call accepts only these two (`--from workflowtemplate/…` or `cronwf/…`).
  if (kind !== 'WorkflowTemplate' && kind !== 'CronWorkflow') {
    throw invalid(context, `submit-from supports WorkflowTemplate and CronWorkflow, found ${kind}`);
  }
  const labelKey =
    kind === 'WorkflowTemplate' ? ARGO_WORKFLOW_LABELS.workflowTemplate : ARGO_WORKFLOW_LABELS.cronWorkflow;
  const workflow: KubeObject = {
    apiVersion: WORKFLOW_API,
    kind: 'Workflow',
    metadata: {
      name: idempotentName(`${name}-`, context.sensorName, context.triggerName, context.eventIds),
      ...(namespace === undefined ? {} : { namespace }),
      labels: {
        [labelKey]: name,
        [K8S_LABELS.sensor]: context.sensorName,
        [K8S_LABELS.trigger]: context.triggerName,
        [K8S_LABELS.actionTimestamp]: String(context.now.getTime()),
      },
      annotations: { [K8S_LABELS.eventIds]: context.eventIds.join(',') },
    },
    // NewWorkflowFromWorkflowTemplate: the Workflow only references the template.
    spec: kind === 'WorkflowTemplate' ? { workflowTemplateRef: { name } } : {},
  };
  return {
    operation: 'submit-from',
    create: {
      sensor: context.sensorName,
      trigger: context.triggerName,
      operation: 'create',
      object: workflow,
      namespace,
      patchStrategy: 'merge',
    },
    from: { kind, name, namespace },
  };
}

// ---------------------------------------------------------------- execute

function needKube(clients: TriggerClients, what: string): KubeClient {
  if (!clients.kube) {
    throw new TriggerError(`argoWorkflow ${what} needs a Kubernetes cluster, and none is configured`, {
      retryable: false,
    });
  }
  return clients.kube;
}

const workflowRef = (name: string, namespace: string | undefined): KubeObject => ({
  apiVersion: WORKFLOW_API,
  kind: 'Workflow',
  metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
});

const where = (name: string, namespace: string | undefined) => `${namespace ? `${namespace}/` : ''}${name}`;

/** ConvertCronWorkflowToWorkflow: the cron's workflowSpec and workflowMetadata, owned by the cron. */
function fromCron(workflow: KubeObject, cron: KubeObject): KubeObject {
  const spec = (cron.spec ?? {}) as {
    workflowSpec?: Record<string, unknown>;
    workflowMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  };
  const meta = spec.workflowMetadata ?? {};
  return {
    ...workflow,
    metadata: {
      ...workflow.metadata,
      labels: { ...meta.labels, ...workflow.metadata.labels },
      annotations: { ...meta.annotations, ...workflow.metadata.annotations },
      ownerReferences: [
        {
          apiVersion: WORKFLOW_API,
          kind: 'CronWorkflow',
          name: cron.metadata.name,
          uid: cron.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: structuredClone(spec.workflowSpec ?? {}),
  };
}

async function submitFrom(
  request: Extract<ArgoWorkflowRequest, { operation: 'submit-from' }>,
  clients: TriggerClients,
): Promise<TriggerOutcome> {
  if (request.from.kind === 'WorkflowTemplate') return executeK8s(request.create, clients);
  const kube = needKube(clients, 'submit-from a CronWorkflow');
  const cron = await kube.get(WORKFLOW_API, 'CronWorkflow', request.from.namespace, request.from.name);
  return executeK8s({ ...request.create, object: fromCron(request.create.object, cron) }, clients);
}

interface WorkflowNode {
  type?: string;
  phase?: string;
  outputs?: {
    parameters?: { name: string; value?: string; valueFrom?: { supplied?: unknown; default?: string } }[];
  };
}

/** ResumeWorkflow as one merge patch; undefined when there is nothing to resume. */
export function resumePatch(workflow: KubeObject, now: Date): Record<string, unknown> | undefined {
  const spec = (workflow.spec ?? {}) as { suspend?: boolean };
  const status = (workflow.status ?? {}) as {
    nodes?: Record<string, WorkflowNode>;
    offloadNodeStatusVersion?: string;
    compressedNodes?: string;
  };
  if (status.offloadNodeStatusVersion || status.compressedNodes) {
    throw new TriggerError(
      `Workflow ${where(workflow.metadata.name ?? '', workflow.metadata.namespace)} keeps its node status offloaded or compressed; resuming it needs the Argo Server (configure argoServer)`,
      { retryable: false },
    );
  }
  const nodes: Record<string, unknown> = {};
  for (const [id, node] of Object.entries(status.nodes ?? {})) {
    if (node.type !== 'Suspend' || node.phase !== 'Running') continue;
    const patch: Record<string, unknown> = {
      phase: 'Succeeded',
      finishedAt: now.toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    // A suspend node's supplied output parameters take their defaults, as `argo resume` does.
    const parameters = node.outputs?.parameters;
    if (parameters?.some((p) => p.valueFrom?.supplied !== undefined)) {
      patch.outputs = {
        ...node.outputs,
        parameters: parameters.map((p) => {
          if (p.valueFrom?.supplied === undefined) return p;
          if (p.valueFrom.default === undefined) {
            throw new TriggerError(
              `raw output parameter '${p.name}' has not been set and does not have a default value`,
              { retryable: false },
            );
          }
          return { ...p, value: p.valueFrom.default };
        }),
      };
    }
    nodes[id] = patch;
  }
  if (spec.suspend !== true && Object.keys(nodes).length === 0) return undefined;
  return {
    // A merge patch carrying resourceVersion fails with 409 Conflict if the Workflow changed since we read it.
    metadata: { resourceVersion: workflow.metadata.resourceVersion },
    ...(spec.suspend === true ? { spec: { suspend: null } } : {}),
    ...(Object.keys(nodes).length > 0 ? { status: { nodes } } : {}),
  };
}

async function patchWorkflow(
  kube: KubeClient,
  name: string,
  namespace: string | undefined,
  patch: Record<string, unknown>,
): Promise<KubeObject> {
  return kube.patch(workflowRef(name, namespace), 'merge', patch);
}

async function kubeOperation(
  request: Extract<ArgoWorkflowRequest, { name: string }>,
  clients: TriggerClients,
  now: () => Date,
): Promise<TriggerOutcome> {
  const { name, namespace, operation } = request;
  const target = `Workflow ${where(name, namespace)}`;
  if (!clients.kube) {
    // Local dry-run (DESIGN §3): no cluster configured, so say what would happen.
    const summary = `would ${operation} ${target}`;
    (clients.log ?? console.log)(`[dry-run] ${summary}`);
    return { summary };
  }
  const kube = clients.kube;
  switch (operation) {
    case 'suspend': {
      const live = await kube.get(WORKFLOW_API, 'Workflow', namespace, name);
      if (live.metadata.labels?.[ARGO_WORKFLOW_LABELS.completed] === 'true') {
        throw new TriggerError(`cannot suspend completed workflows (${target})`, { retryable: false });
      }
      if ((live.spec as { suspend?: boolean } | undefined)?.suspend === true) {
        return { summary: `${target} is already suspended`, alreadyDone: true, result: live };
      }
      const patched = await patchWorkflow(kube, name, namespace, { spec: { suspend: true } });
      return { summary: `suspended ${target}`, result: patched };
    }
    case 'resume': {
      const live = await kube.get(WORKFLOW_API, 'Workflow', namespace, name);
      const patch = resumePatch(live, now());
      if (!patch) return { summary: `${target} is not suspended`, alreadyDone: true, result: live };
      const patched = await patchWorkflow(kube, name, namespace, patch);
      return { summary: `resumed ${target}`, result: patched };
    }
    case 'terminate':
    case 'stop': {
      const strategy = operation === 'terminate' ? 'Terminate' : 'Stop';
      const patched = await patchWorkflow(kube, name, namespace, { spec: { shutdown: strategy } });
      return {
        summary: `${operation === 'terminate' ? 'terminated' : 'stopped'} ${target}`,
        result: patched,
      };
    }
    default:
      throw new TriggerError(`argoWorkflow ${operation} needs the Argo Server`, { retryable: false });
  }
}

/** Calls `PUT /api/v1/workflows/{namespace}/{name}/{operation}` on the Argo Server. */
async function serverOperation(
  request: Extract<ArgoWorkflowRequest, { name: string }>,
  server: ArgoServerOptions,
): Promise<TriggerOutcome> {
  const { name, operation, options } = request;
  const namespace = request.namespace ?? 'default';
  const base = server.url.replace(/\/+$/, '');
  const url = `${base}/api/v1/workflows/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${operation}`;
  const token = server.token.startsWith('Bearer ') ? server.token : `Bearer ${server.token}`;
  const response = await sendRequest({
    url,
    method: 'PUT',
    headers: [
      ['Authorization', token],
      ['Content-Type', 'application/json'],
      ['Accept', 'application/json'],
    ],
    body: JSON.stringify({ name, namespace, ...options }),
    timeoutMs: 30_000,
    ...(server.insecureSkipVerify ? { tls: { rejectUnauthorized: false } } : {}),
    // The Argo Server is configured by the operator, not by event data.
    allowLinkLocal: true,
  });
  let body: unknown = response.body;
  try {
    body = JSON.parse(response.body);
  } catch {
    // grpc-gateway answers JSON; keep text otherwise.
  }
  if (response.status >= 300) {
    const message = (body as { message?: string } | undefined)?.message ?? response.body.slice(0, 300);
    throw new TriggerError(
      `Argo Server ${operation} of Workflow ${namespace}/${name} at ${redactUrl(base)} answered ${response.status}: ${message}`,
      { retryable: response.status === 429 || response.status >= 500 },
    );
  }
  const past = {
    resubmit: 'resubmitted',
    retry: 'retried',
    resume: 'resumed',
    suspend: 'suspended',
    terminate: 'terminated',
    stop: 'stopped',
  }[operation];
  const created = (body as { metadata?: { name?: string } } | undefined)?.metadata?.name;
  const extra = operation === 'resubmit' && created ? ` as ${namespace}/${created}` : '';
  return { summary: `${past} Workflow ${namespace}/${name} through the Argo Server${extra}`, result: body };
}

/** Performs the operation; see the module comment for how each maps onto the APIs. */
export async function executeArgoWorkflow(
  request: ArgoWorkflowRequest,
  clients: TriggerClients,
): Promise<TriggerOutcome> {
  switch (request.operation) {
    case 'submit':
      return executeK8s(request.create, clients);
    case 'submit-from':
      return submitFrom(request, clients);
    case 'resubmit':
    case 'retry':
      if (!clients.argoServer) {
        throw new TriggerError(
          `argoWorkflow ${request.operation} of Workflow ${where(request.name, request.namespace)} needs the Argo Server API (it rebuilds the Workflow's nodes); configure argoServer {url, token}`,
          { retryable: false },
        );
      }
      return serverOperation(request, clients.argoServer);
    case 'resume':
      if (clients.argoServer) return serverOperation(request, clients.argoServer);
      if (request.options.nodeFieldSelector) {
        throw new TriggerError(
          'argoWorkflow resume with --node-field-selector needs the Argo Server; configure argoServer',
          {
            retryable: false,
          },
        );
      }
      return kubeOperation(request, clients, () => new Date());
    default:
      return kubeOperation(request, clients, () => new Date());
  }
}

/** The argoWorkflow trigger type. */
export const argoWorkflowTrigger: TriggerType<ArgoWorkflowTriggerSpec, ArgoWorkflowRequest> = {
  type: 'argoWorkflow',
  render: renderArgoWorkflow,
  execute: executeArgoWorkflow,
};
