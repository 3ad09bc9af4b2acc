import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isRetryable, TriggerError } from '../../lib/errors.ts';
import { createKubeClient, type KubeClient } from '../../lib/kube/client.ts';
import { resolveKubeConfig } from '../../lib/kube/config.ts';
import type { Trigger, TriggerTemplate } from '../../lib/manifests/types.ts';
import { checkStatus, statusNotAllowedMessage } from '../../lib/triggers/policy.ts';
import { RateLimiter, resetRateLimiters } from '../../lib/triggers/rate-limit.ts';
import { runTrigger } from '../../lib/triggers/run.ts';
import type { FiredEvents } from '../../lib/triggers/types.ts';
import { type ApiServer, startApiServer } from '../support/apiserver.ts';
import { event, type HttpSink, renderContext, startHttpSink } from './fixtures.ts';

const events: FiredEvents = { push: event('e1', { body: { repo: 'backend' } }) };
const context = renderContext();

/** A clock whose sleeps only advance time, and which records them. */
function fakeClock(start = 1_000_000) {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    advance(ms: number) {
      now += ms;
    },
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

let sink: HttpSink;
beforeAll(async () => {
  sink = await startHttpSink();
});
afterAll(() => sink.close());
beforeEach(() => {
  sink.requests.length = 0;
  sink.answer({ status: 200 });
  resetRateLimiters();
});

const httpTemplate = (name: string, path = '/main'): TriggerTemplate => ({
  name,
  http: { url: `${sink.url}${path}`, method: 'POST' },
});
const logTemplate = (name: string): TriggerTemplate => ({ name, log: {} });

describe('retryStrategy', () => {
  it('makes one attempt without a retryStrategy', async () => {
    // Prepare
    sink.answer({ status: 503 });

    // Act
    const error = await runTrigger({ template: httpTemplate('main') }, events, context, {}).catch(
      (err: unknown) => err,
    );

    // Assess
    expect(isRetryable(error)).toBe(true);
    expect(sink.requests).toHaveLength(1);
  });

  it('makes `steps` attempts, waiting duration × factor^(n-1) between them', async () => {
    // Prepare
    sink.answer({ status: 503 });
    const clock = fakeClock();
    const trigger: Trigger = {
      template: httpTemplate('main'),
      retryStrategy: { steps: 4, duration: '100ms', factor: 2, jitter: 0 },
    };

    // Act
    await runTrigger(trigger, events, context, {}, { sleep: clock.sleep }).catch(() => {});

    // Assess
    expect(sink.requests).toHaveLength(4);
    expect(clock.sleeps).toEqual([100, 200, 400]);
  });

  it('adds jitter within [0, jitter × wait)', async () => {
    // Prepare
    sink.answer({ status: 503 });
    const clock = fakeClock();
    const trigger: Trigger = {
      template: httpTemplate('main'),
      retryStrategy: { steps: 6, duration: 1_000_000_000, factor: 1, jitter: 0.5 },
    };

    // Act
    await runTrigger(trigger, events, context, {}, { sleep: clock.sleep }).catch(() => {});

    // Assess
    expect(clock.sleeps).toHaveLength(5);
    for (const wait of clock.sleeps) {
      expect(wait).toBeGreaterThanOrEqual(1000);
      expect(wait).toBeLessThan(1500);
    }
  });

  it('stops at once on a non-retryable failure', async () => {
    // Prepare
    const clock = fakeClock();
    const trigger: Trigger = {
      template: { name: 'main', http: { url: 'http://169.254.169.254/' } },
      retryStrategy: { steps: 5 },
    };

    // Act
    const error = await runTrigger(trigger, events, context, {}, { sleep: clock.sleep }).catch(
      (err: unknown) => err,
    );

    // Assess
    expect(isRetryable(error)).toBe(false);
    expect(clock.sleeps).toEqual([]);
  });

  it('hands a retry that would overrun the time budget back to the bus, without the dlqTrigger', async () => {
    // Prepare
    sink.answer({ status: 503 });
    const logs: string[] = [];
    const clock = fakeClock();
    const trigger: Trigger = {
      template: httpTemplate('main'),
      retryStrategy: { steps: 5, duration: '2s', jitter: 0 },
      dlqTrigger: { template: logTemplate('dlq') },
    };

    // Act
    const error = await runTrigger(
      trigger,
      events,
      context,
      { log: (line) => logs.push(line) },
      { sleep: clock.sleep, remainingMs: () => 2500 },
    ).catch((err: unknown) => err);

    // Assess
    expect(sink.requests).toHaveLength(1);
    expect(isRetryable(error)).toBe(true);
    expect(logs).toEqual([]);
  });
});

describe('dlqTrigger', () => {
  it('runs with the same events after the last attempt fails, and the firing counts as dead-lettered', async () => {
    // Prepare
    sink.answer({ status: 500 });
    const logs: string[] = [];
    const trigger: Trigger = {
      template: httpTemplate('main'),
      retryStrategy: { steps: 2, duration: '1ms', jitter: 0 },
      dlqTrigger: { template: logTemplate('dlq') },
    };

    // Act
    const outcome = await runTrigger(trigger, events, context, { log: (line) => logs.push(line) });

    // Assess
    expect(sink.requests).toHaveLength(2);
    expect(outcome.deadLettered).toBe(true);
    expect(outcome.summary).toMatch(
      /^failed \(http response status 500: .*\); dlqTrigger "dlq": logged 1 event\(s\)$/,
    );
    expect(logs).toHaveLength(1);
    expect(JSON.parse(logs[0] ?? '{}')).toMatchObject({ trigger: 'dlq', events: { push: events.push } });
  });

  it('runs after a non-retryable failure too', async () => {
    // Prepare
    sink.answer({ status: 200 });
    const logs: string[] = [];
    const trigger: Trigger = {
      template: httpTemplate('main'),
      policy: { status: { allow: [201] } },
      dlqTrigger: { template: logTemplate('dlq') },
    };

    // Act
    const outcome = await runTrigger(trigger, events, context, { log: (line) => logs.push(line) });

    // Assess
    expect(outcome.deadLettered).toBe(true);
    expect(outcome.summary).toContain(statusNotAllowedMessage(200));
  });

  it('makes the record retryable when the dlqTrigger fails as well, after its own retries', async () => {
    // Prepare
    sink.answer((req) => ({ status: req.url === '/dlq' ? 502 : 500 }));
    const trigger: Trigger = {
      template: httpTemplate('main'),
      dlqTrigger: {
        template: httpTemplate('dlq', '/dlq'),
        retryStrategy: { steps: 2, duration: '1ms', jitter: 0 },
        // A dlqTrigger nested in a dlqTrigger is never run (upstream uses only the top level).
        dlqTrigger: { template: logTemplate('never') },
      },
    };
    const logs: string[] = [];

    // Act
    const error = await runTrigger(trigger, events, context, { log: (line) => logs.push(line) }).catch(
      (err: unknown) => err,
    );

    // Assess
    expect(error).toBeInstanceOf(TriggerError);
    expect(isRetryable(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^trigger "notify" failed \(http response status 500: .*\) and its dlqTrigger "dlq" failed too: http response status 502/,
    );
    expect(sink.requests.map((r) => r.url)).toEqual(['/main', '/dlq', '/dlq']);
    expect(logs).toEqual([]);
  });

  it('is not used when the trigger succeeds', async () => {
    // Prepare
    const logs: string[] = [];

    // Act
    const outcome = await runTrigger(
      { template: httpTemplate('main'), dlqTrigger: { template: logTemplate('dlq') } },
      events,
      context,
      { log: (line) => logs.push(line) },
    );

    // Assess
    expect(outcome.deadLettered).toBeUndefined();
    expect(logs).toEqual([]);
  });
});

describe('rateLimit', () => {
  it('spaces takes 1/rate apart (leaky bucket)', async () => {
    // Prepare
    const clock = fakeClock();
    const limiter = new RateLimiter(2, 1000, clock);

    // Act
    const waits = [await limiter.take(), await limiter.take(), await limiter.take()];

    // Assess
    expect(waits).toEqual([0, 500, 500]);
  });

  it('lets a trigger idle for long burst 10 slots beyond the current one (slack 10), then waits', async () => {
    // Prepare
    const clock = fakeClock();
    const limiter = new RateLimiter(2, 1000, clock);
    await limiter.take();
    clock.advance(60_000);

    // Act
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) waits.push(await limiter.take());

    // Assess
    expect(waits).toEqual([...Array(11).fill(0), 500]);
  });

  it('blocks each firing of a trigger until its slot, per sensor and trigger name', async () => {
    // Prepare
    const clock = fakeClock();
    const trigger: Trigger = {
      template: logTemplate('limited'),
      rateLimit: { unit: 'Minute', requestsPerUnit: 2 },
    };
    const clients = { log: () => {} };

    // Act
    for (let i = 0; i < 3; i++) await runTrigger(trigger, events, context, clients, { clock });
    await runTrigger(trigger, events, { ...context, triggerName: 'other' }, clients, { clock });

    // Assess
    expect(clock.sleeps).toEqual([30_000, 30_000]);
  });
});

describe('policy.status', () => {
  it.each([
    [200, [200, 300], undefined],
    [300, [200, 300], undefined],
    [200, [300], statusNotAllowedMessage(200)],
  ] as const)('status %i with allow %j fails with %s (vectors RL-01, RL-02)', (status, allow, message) => {
    // Act
    const act = () => checkStatus(status, { status: { allow: [...allow] } });

    // Assess
    if (message === undefined) expect(act).not.toThrow();
    else expect(act).toThrow(message);
  });
});

describe('policy.k8s against the test apiserver', () => {
  let server: ApiServer;
  let kube: KubeClient;

  beforeEach(async () => {
    server = await startApiServer();
    const config = await resolveKubeConfig({ kubeconfigPath: server.kubeconfigPath, env: {} });
    if (!config) throw new Error('test kubeconfig did not resolve');
    kube = createKubeClient(config, { timeoutMs: 2000 });
  });
  afterEach(() => server.close());

  const workflowTrigger = (policy: Trigger['policy']): Trigger => ({
    template: {
      name: 'build',
      k8s: {
        operation: 'create',
        source: {
          resource: {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'Workflow',
            metadata: { generateName: 'build-', namespace: 'ci' },
            spec: { entrypoint: 'main' },
          },
        },
      },
    },
    ...(policy ? { policy } : {}),
  });

  it('polls the created object until it carries the labels', async () => {
    // Prepare
    const clock = fakeClock();
    let polls = 0;
    const sleep = async (ms: number) => {
      await clock.sleep(ms);
      polls++;
      if (polls === 2) {
        const [workflow] = server.objects('Workflow');
        await kube.patch(
          {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'Workflow',
            metadata: { name: workflow?.metadata.name ?? '', namespace: 'ci' },
          },
          'merge',
          { metadata: { labels: { 'workflows.argoproj.io/completed': 'true' } } },
        );
      }
    };
    const trigger = workflowTrigger({
      k8s: {
        labels: { 'workflows.argoproj.io/completed': 'true' },
        backoff: { steps: 5, duration: '1s', jitter: 0 },
      },
    });

    // Act
    const outcome = await runTrigger(trigger, events, context, { kube }, { sleep });

    // Assess
    expect(outcome.summary).toMatch(/^created argoproj.io\/v1alpha1 Workflow ci\/build-/);
    const gets = server.requests.filter((r) => r.method === 'GET' && /\/workflows\/build-/.test(r.path));
    expect(gets).toHaveLength(3);
    expect(clock.sleeps).toEqual([1000, 1000]);
  });

  it('fails with upstream message when the labels never come and errorOnBackoffTimeout is set', async () => {
    // Prepare
    const clock = fakeClock();
    const trigger = workflowTrigger({
      k8s: {
        labels: { done: 'true' },
        backoff: { steps: 3, duration: '1s', jitter: 0 },
        errorOnBackoffTimeout: true,
      },
    });

    // Act
    const error = await runTrigger(trigger, events, context, { kube }, { sleep: clock.sleep }).catch(
      (err: unknown) => err,
    );

    // Assess
    expect((error as Error).message).toBe(
      'failed to determine status of the triggered resource. setting trigger state as failed',
    );
    expect(clock.sleeps).toEqual([1000, 1000]);
  });

  it('counts a timeout as success without errorOnBackoffTimeout, using the default backoff of 5 checks', async () => {
    // Prepare
    const clock = fakeClock();
    const trigger = workflowTrigger({ k8s: { labels: { done: 'true' } } });

    // Act
    const outcome = await runTrigger(trigger, events, context, { kube }, { sleep: clock.sleep });

    // Assess
    expect(outcome.summary).toMatch(/^created /);
    expect(clock.sleeps).toHaveLength(4);
  });

  it('fails the attempt when the GET fails', async () => {
    // Prepare
    server.inject({ method: 'GET', path: /\/workflows\/build-/, status: 403 });
    const trigger = workflowTrigger({ k8s: { labels: { done: 'true' } } });

    // Act
    const error = await runTrigger(trigger, events, context, { kube }, { sleep: async () => {} }).catch(
      (err: unknown) => err,
    );

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(isRetryable(error)).toBe(false);
  });
});
