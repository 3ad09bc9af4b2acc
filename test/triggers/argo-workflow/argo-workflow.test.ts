import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isRetryable, TriggerError } from '../../../lib/errors.ts';
import { createKubeClient, type KubeClient } from '../../../lib/kube/client.ts';
import { resolveKubeConfig } from '../../../lib/kube/config.ts';
import type { ArgoWorkflowTriggerSpec } from '../../../lib/manifests/types.ts';
import {
  ARGO_WORKFLOW_LABELS,
  argoWorkflowTrigger,
  resumePatch,
} from '../../../lib/triggers/argo-workflow/index.ts';
import { idempotentName, K8S_LABELS } from '../../../lib/triggers/k8s/index.ts';
import { runTrigger } from '../../../lib/triggers/run.ts';
import type { FiredEvents, TriggerClients } from '../../../lib/triggers/types.ts';
import { type ApiServer, startApiServer } from '../../support/apiserver.ts';
import { event, type HttpSink, renderContext, startHttpSink } from '../fixtures.ts';

const events: FiredEvents = { push: event('e1', { body: { ref: 'refs/heads/main', target: 'build-7' } }) };
const context = renderContext({ triggerName: 'build' });
const API = 'argoproj.io/v1alpha1';

const workflow = {
  apiVersion: API,
  kind: 'Workflow',
  metadata: { generateName: 'build-', namespace: 'ci' },
  spec: { entrypoint: 'main', arguments: { parameters: [{ name: 'ref', value: '' }] } },
};

const submitSpec = (): ArgoWorkflowTriggerSpec => ({
  operation: 'submit',
  source: { resource: structuredClone(workflow) },
  parameters: [
    { src: { dependencyName: 'push', dataKey: 'body.ref' }, dest: 'spec.arguments.parameters.0.value' },
  ],
});

const opSpec = (
  operation: NonNullable<ArgoWorkflowTriggerSpec['operation']>,
  args?: string[],
): ArgoWorkflowTriggerSpec => ({
  operation,
  source: {
    resource: { apiVersion: API, kind: 'Workflow', metadata: { name: 'placeholder', namespace: 'ci' } },
  },
  parameters: [{ src: { dependencyName: 'push', dataKey: 'body.target' }, dest: 'metadata.name' }],
  ...(args ? { args } : {}),
});

describe('argoWorkflow render', () => {
  it('renders submit as a k8s create with the three labels, the event-ids annotation and a deterministic name', () => {
    // Act
    const request = argoWorkflowTrigger.render(submitSpec(), events, context);

    // Assess
    expect(request.operation).toBe('submit');
    if (request.operation !== 'submit') return;
    expect(request.create.object).toEqual({
      ...workflow,
      metadata: {
        generateName: 'build-',
        name: idempotentName('build-', 'ci', 'build', ['e1']),
        namespace: 'ci',
        labels: {
          [K8S_LABELS.sensor]: 'ci',
          [K8S_LABELS.trigger]: 'build',
          [K8S_LABELS.actionTimestamp]: String(context.now.getTime()),
        },
        annotations: { [K8S_LABELS.eventIds]: 'e1' },
      },
      spec: { entrypoint: 'main', arguments: { parameters: [{ name: 'ref', value: 'refs/heads/main' }] } },
    });
  });

  it('refuses to submit something that is not a Workflow', () => {
    // Prepare
    const spec: ArgoWorkflowTriggerSpec = {
      operation: 'submit',
      source: { resource: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' } } },
    };

    // Act
    const act = () => argoWorkflowTrigger.render(spec, events, context);

    // Assess
    expect(act).toThrow(
      'argoWorkflow trigger "build" of sensor "ci": submit needs an argoproj.io/v1alpha1 Workflow, found batch/v1 Job',
    );
  });

  it('names the Workflow to act on from the parameterised source, in the sensor namespace by default', () => {
    // Prepare
    const spec: ArgoWorkflowTriggerSpec = {
      operation: 'terminate',
      source: { resource: { apiVersion: API, kind: 'Workflow', metadata: { name: 'nightly' } } },
    };

    // Act
    const request = argoWorkflowTrigger.render(spec, events, context);

    // Assess
    expect(request).toEqual({
      operation: 'terminate',
      name: 'nightly',
      namespace: 'argo-events',
      options: {},
    });
  });

  it('maps the CLI args the Argo Server API also has, and refuses the others by name', () => {
    // Act
    const retry = argoWorkflowTrigger.render(
      opSpec('retry', ['--restart-successful', '--node-field-selector', 'phase=Failed']),
      events,
      context,
    );
    const resubmit = argoWorkflowTrigger.render(opSpec('resubmit', ['--memoized']), events, context);
    const refused = () => argoWorkflowTrigger.render(opSpec('suspend', ['--wait']), events, context);

    // Assess
    expect(retry).toMatchObject({ options: { restartSuccessful: true, nodeFieldSelector: 'phase=Failed' } });
    expect(resubmit).toMatchObject({ options: { memoized: true } });
    expect(refused).toThrow(/argument "--wait" of operation suspend is not supported/);
  });

  it('refuses submit-from a ClusterWorkflowTemplate, as upstream', () => {
    // Prepare
    const spec: ArgoWorkflowTriggerSpec = {
      operation: 'submit-from',
      source: { resource: { apiVersion: API, kind: 'ClusterWorkflowTemplate', metadata: { name: 'x' } } },
    };

    // Act
    const act = () => argoWorkflowTrigger.render(spec, events, context);

    // Assess
    expect(act).toThrow(
      /submit-from supports WorkflowTemplate and CronWorkflow, found ClusterWorkflowTemplate/,
    );
  });
});

describe('argoWorkflow resume patch', () => {
  it('clears spec.suspend and marks running Suspend nodes Succeeded, with supplied outputs defaulted', () => {
    // Prepare
    const live = {
      apiVersion: API,
      kind: 'Workflow',
      metadata: { name: 'w', namespace: 'ci', resourceVersion: '42' },
      spec: { suspend: true },
      status: {
        nodes: {
          'w-1': {
            type: 'Suspend',
            phase: 'Running',
            outputs: { parameters: [{ name: 'ok', valueFrom: { supplied: {}, default: 'yes' } }] },
          },
          'w-2': { type: 'Pod', phase: 'Running' },
          'w-3': { type: 'Suspend', phase: 'Succeeded' },
        },
      },
    };

    // Act
    const patch = resumePatch(live, new Date('2024-05-01T10:00:05.123Z'));

    // Assess
    expect(patch).toEqual({
      metadata: { resourceVersion: '42' },
      spec: { suspend: null },
      status: {
        nodes: {
          'w-1': {
            phase: 'Succeeded',
            finishedAt: '2024-05-01T10:00:05Z',
            outputs: {
              parameters: [{ name: 'ok', value: 'yes', valueFrom: { supplied: {}, default: 'yes' } }],
            },
          },
        },
      },
    });
  });

  it('has nothing to do for a Workflow that is not suspended', () => {
    // Act
    const patch = resumePatch(
      { apiVersion: API, kind: 'Workflow', metadata: { name: 'w' }, spec: {} },
      new Date(),
    );

    // Assess
    expect(patch).toBeUndefined();
  });

  it('refuses offloaded node status, which only the Argo Server can reach', () => {
    // Act
    const act = () =>
      resumePatch(
        {
          apiVersion: API,
          kind: 'Workflow',
          metadata: { name: 'w', namespace: 'ci' },
          status: { offloadNodeStatusVersion: 'fnv:1' },
        },
        new Date(),
      );

    // Assess
    expect(act).toThrow(
      /Workflow ci\/w keeps its node status offloaded or compressed; resuming it needs the Argo Server/,
    );
  });
});

describe('argoWorkflow against the test apiserver', () => {
  let server: ApiServer;
  let kube: KubeClient;
  let clients: TriggerClients;

  beforeEach(async () => {
    server = await startApiServer();
    const config = await resolveKubeConfig({ kubeconfigPath: server.kubeconfigPath, env: {} });
    if (!config) throw new Error('test kubeconfig did not resolve');
    kube = createKubeClient(config, { timeoutMs: 2000 });
    clients = { kube };
  });
  afterEach(() => server.close());

  const seedWorkflow = (name: string, extra: Record<string, unknown> = {}) =>
    server.seed({
      apiVersion: API,
      kind: 'Workflow',
      metadata: { name, namespace: 'ci' },
      spec: { entrypoint: 'main' },
      ...extra,
    });

  it('submits a Workflow once, even when the same event is delivered twice', async () => {
    // Prepare
    const trigger = { template: { name: 'build', argoWorkflow: submitSpec() } };

    // Act
    const first = await runTrigger(trigger, events, context, clients);
    const second = await runTrigger(trigger, events, context, clients);

    // Assess
    const stored = server.objects('Workflow');
    expect(stored).toHaveLength(1);
    expect(stored[0]?.metadata.name).toBe(idempotentName('build-', 'ci', 'build', ['e1']));
    expect(stored[0]?.spec).toEqual({
      entrypoint: 'main',
      arguments: { parameters: [{ name: 'ref', value: 'refs/heads/main' }] },
    });
    expect(first.summary).toMatch(/^created argoproj.io\/v1alpha1 Workflow ci\/build-/);
    expect(second.alreadyDone).toBe(true);
  });

  it('submits from a WorkflowTemplate with a workflowTemplateRef and the template label', async () => {
    // Prepare
    server.seed({
      apiVersion: API,
      kind: 'WorkflowTemplate',
      metadata: { name: 'ci-build', namespace: 'ci' },
      spec: { entrypoint: 'main' },
    });
    const spec: ArgoWorkflowTriggerSpec = {
      operation: 'submit-from',
      source: {
        resource: {
          apiVersion: API,
          kind: 'WorkflowTemplate',
          metadata: { name: 'ci-build', namespace: 'ci' },
        },
      },
    };

    // Act
    await argoWorkflowTrigger.execute(argoWorkflowTrigger.render(spec, events, context), clients);

    // Assess
    const [created] = server.objects('Workflow');
    expect(created?.metadata.name).toBe(idempotentName('ci-build-', 'ci', 'build', ['e1']));
    expect(created?.metadata.labels).toMatchObject({
      [ARGO_WORKFLOW_LABELS.workflowTemplate]: 'ci-build',
      [K8S_LABELS.sensor]: 'ci',
      [K8S_LABELS.trigger]: 'build',
    });
    expect(created?.spec).toEqual({ workflowTemplateRef: { name: 'ci-build' } });
  });

  it('submits from a CronWorkflow its workflowSpec and workflowMetadata, owned by the cron', async () => {
    // Prepare
    const [cron] = server.seed({
      apiVersion: API,
      kind: 'CronWorkflow',
      metadata: { name: 'nightly', namespace: 'ci' },
      spec: {
        schedule: '0 2 * * *',
        workflowSpec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine' } }] },
        workflowMetadata: { labels: { team: 'platform' }, annotations: { note: 'from cron' } },
      },
    });
    const spec: ArgoWorkflowTriggerSpec = {
      operation: 'submit-from',
      source: {
        resource: { apiVersion: API, kind: 'CronWorkflow', metadata: { name: 'nightly', namespace: 'ci' } },
      },
    };

    // Act
    await argoWorkflowTrigger.execute(argoWorkflowTrigger.render(spec, events, context), clients);

    // Assess
    const [created] = server.objects('Workflow');
    expect(created?.spec).toEqual({
      entrypoint: 'main',
      templates: [{ name: 'main', container: { image: 'alpine' } }],
    });
    expect(created?.metadata.labels).toMatchObject({
      team: 'platform',
      [ARGO_WORKFLOW_LABELS.cronWorkflow]: 'nightly',
    });
    expect(created?.metadata.annotations).toMatchObject({ note: 'from cron', [K8S_LABELS.eventIds]: 'e1' });
    expect(created?.metadata.ownerReferences).toEqual([
      {
        apiVersion: API,
        kind: 'CronWorkflow',
        name: 'nightly',
        uid: cron?.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('suspends with a merge patch of spec.suspend', async () => {
    // Prepare
    seedWorkflow('build-7');

    // Act
    const outcome = await argoWorkflowTrigger.execute(
      argoWorkflowTrigger.render(opSpec('suspend'), events, context),
      clients,
    );

    // Assess
    const patch = server.requests.find((r) => r.method === 'PATCH');
    expect(patch?.headers['content-type']).toBe('application/merge-patch+json');
    expect(patch?.body).toEqual({ spec: { suspend: true } });
    expect(server.objects('Workflow')[0]?.spec).toEqual({ entrypoint: 'main', suspend: true });
    expect(outcome.summary).toBe('suspended Workflow ci/build-7');
  });

  it('refuses to suspend a completed Workflow', async () => {
    // Prepare
    server.seed({
      apiVersion: API,
      kind: 'Workflow',
      metadata: { name: 'build-7', namespace: 'ci', labels: { [ARGO_WORKFLOW_LABELS.completed]: 'true' } },
    });

    // Act
    const error = await argoWorkflowTrigger
      .execute(argoWorkflowTrigger.render(opSpec('suspend'), events, context), clients)
      .catch((err: unknown) => err);

    // Assess
    expect((error as Error).message).toBe('cannot suspend completed workflows (Workflow ci/build-7)');
    expect(isRetryable(error)).toBe(false);
  });

  it('resumes: clears spec.suspend and completes the running suspend node', async () => {
    // Prepare
    seedWorkflow('build-7', {
      spec: { entrypoint: 'main', suspend: true },
      status: {
        phase: 'Running',
        nodes: {
          'build-7-1': { type: 'Suspend', phase: 'Running' },
          'build-7-2': { type: 'Pod', phase: 'Running' },
        },
      },
    });

    // Act
    const outcome = await argoWorkflowTrigger.execute(
      argoWorkflowTrigger.render(opSpec('resume'), events, context),
      clients,
    );

    // Assess
    const [stored] = server.objects('Workflow');
    expect(stored?.spec).toEqual({ entrypoint: 'main' });
    const nodes = (stored?.status as { nodes: Record<string, { phase: string }> } | undefined)?.nodes ?? {};
    expect(nodes['build-7-1']?.phase).toBe('Succeeded');
    expect(nodes['build-7-2']?.phase).toBe('Running');
    expect(outcome.summary).toBe('resumed Workflow ci/build-7');
  });

  it.each([
    ['terminate', 'Terminate', 'terminated'],
    ['stop', 'Stop', 'stopped'],
  ] as const)('%s patches spec.shutdown to %s', async (operation, shutdown, past) => {
    // Prepare
    seedWorkflow('build-7');

    // Act
    const outcome = await argoWorkflowTrigger.execute(
      argoWorkflowTrigger.render(opSpec(operation), events, context),
      clients,
    );

    // Assess
    expect(server.objects('Workflow')[0]?.spec).toEqual({ entrypoint: 'main', shutdown });
    expect(outcome.summary).toBe(`${past} Workflow ci/build-7`);
  });

  it('fails as not retryable when the Workflow does not exist', async () => {
    // Act
    const error = await argoWorkflowTrigger
      .execute(argoWorkflowTrigger.render(opSpec('terminate'), events, context), clients)
      .catch((err: unknown) => err);

    // Assess
    expect(isRetryable(error)).toBe(false);
    expect((error as { status?: number }).status).toBe(404);
  });

  it('retries a submit the apiserver answers with 500, then succeeds', async () => {
    // Prepare
    server.inject({ method: 'POST', path: /\/workflows$/, status: 500, times: 1 });
    const trigger = {
      template: { name: 'build', argoWorkflow: submitSpec() },
      retryStrategy: { steps: 2, duration: '1ms', jitter: 0 },
    };

    // Act
    const outcome = await runTrigger(trigger, events, context, clients);

    // Assess
    expect(outcome.summary).toMatch(/^created /);
    expect(server.objects('Workflow')).toHaveLength(1);
  });
});

describe('argoWorkflow through the Argo Server', () => {
  let argo: HttpSink;
  beforeAll(async () => {
    argo = await startHttpSink();
  });
  afterAll(() => argo.close());
  beforeEach(() => {
    argo.requests.length = 0;
    argo.answer({ status: 200, body: '{"metadata":{"name":"build-7-x2k9p","namespace":"ci"}}' });
  });

  it.each([
    ['resubmit', ['--memoized'], { name: 'build-7', namespace: 'ci', memoized: true }],
    ['retry', ['--restart-successful'], { name: 'build-7', namespace: 'ci', restartSuccessful: true }],
    ['resume', [], { name: 'build-7', namespace: 'ci' }],
  ] as const)(
    '%s calls PUT /api/v1/workflows/{ns}/{name}/%s with the bearer token',
    async (operation, args, body) => {
      // Prepare
      const request = argoWorkflowTrigger.render(opSpec(operation, [...args]), events, context);

      // Act
      await argoWorkflowTrigger.execute(request, { argoServer: { url: `${argo.url}/`, token: 'tok-1' } });

      // Assess
      const sent = argo.requests[0];
      expect(sent?.method).toBe('PUT');
      expect(sent?.url).toBe(`/api/v1/workflows/ci/build-7/${operation}`);
      expect(sent?.headers.authorization).toBe('Bearer tok-1');
      expect(JSON.parse(sent?.body ?? '')).toEqual(body);
    },
  );

  it('reports the Workflow a resubmit created', async () => {
    // Act
    const outcome = await argoWorkflowTrigger.execute(
      argoWorkflowTrigger.render(opSpec('resubmit'), events, context),
      {
        argoServer: { url: argo.url, token: 'Bearer tok-1' },
      },
    );

    // Assess
    expect(outcome.summary).toBe(
      'resubmitted Workflow ci/build-7 through the Argo Server as ci/build-7-x2k9p',
    );
    expect(argo.requests[0]?.headers.authorization).toBe('Bearer tok-1');
  });

  it.each([
    [503, true],
    [404, false],
  ])('maps an Argo Server %i to retryable: %s, with its message', async (status, retryable) => {
    // Prepare
    argo.answer({ status, body: '{"code":5,"message":"workflows.argoproj.io \\"build-7\\" not found"}' });

    // Act
    const error = await argoWorkflowTrigger
      .execute(argoWorkflowTrigger.render(opSpec('retry'), events, context), {
        argoServer: { url: argo.url, token: 't' },
      })
      .catch((err: unknown) => err);

    // Assess
    expect(error).toBeInstanceOf(TriggerError);
    expect(isRetryable(error)).toBe(retryable);
    expect((error as Error).message).toBe(
      `Argo Server retry of Workflow ci/build-7 at ${argo.url}/ answered ${status}: workflows.argoproj.io "build-7" not found`,
    );
  });

  it.each(['resubmit', 'retry'] as const)(
    'fails %s without retrying when no Argo Server is configured',
    async (operation) => {
      // Act
      const error = await argoWorkflowTrigger
        .execute(argoWorkflowTrigger.render(opSpec(operation), events, context), {})
        .catch((err: unknown) => err);

      // Assess
      expect(isRetryable(error)).toBe(false);
      expect((error as Error).message).toBe(
        `argoWorkflow ${operation} of Workflow ci/build-7 needs the Argo Server API (it rebuilds the Workflow's nodes); configure argoServer {url, token}`,
      );
    },
  );
});

describe('argoWorkflow without a cluster', () => {
  it('prints what it would do in dry-run', async () => {
    // Prepare
    const logs: string[] = [];

    // Act
    const outcome = await argoWorkflowTrigger.execute(
      argoWorkflowTrigger.render(opSpec('suspend'), events, context),
      {
        log: (line) => logs.push(line),
      },
    );

    // Assess
    expect(outcome.summary).toBe('would suspend Workflow ci/build-7');
    expect(logs).toEqual(['[dry-run] would suspend Workflow ci/build-7']);
  });
});
