/**
 * Trigger policies (semantics §7.2): `policy.status` on the status an http or awsLambda trigger reports,
 * and `policy.k8s` label polling on the object a k8s or argoWorkflow trigger created
 * (argoproj/argo-events: pkg/sensors/policy/status.go, resource-labels.go).
 */
import { TriggerError } from '../errors.ts';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import type { Backoff, TriggerPolicy } from '../manifests/types.ts';
import type { TriggerOutcome } from './types.ts';

/** Upstream's message for a status outside `policy.status.allow` (asserted by http_test.go). */
export function statusNotAllowedMessage(status: number): string {
  return `policy application resulted in failure. http response status ${status} is not allowed`;
}

const transient = (status: number) => status === 429 || status >= 500;

/**
 * Checks a response status. With `policy.status.allow`, a status outside the list fails with upstream's
 * message. Without it, 5xx and 429 fail (a deliberate difference, DESIGN §3: upstream counts any answer as
 * success). Failures on 5xx/429 are retryable either way; any other disallowed status is not.
 */
export function checkStatus(status: number, policy: TriggerPolicy | undefined): void {
  const allow = policy?.status?.allow;
  if (allow !== undefined && allow.length > 0) {
    if (allow.includes(status)) return;
    throw new TriggerError(statusNotAllowedMessage(status), { retryable: transient(status) });
  }
  if (transient(status)) {
    throw new TriggerError(
      `http response status ${status}: the target failed or throttled (list it in policy.status.allow to accept it)`,
      { retryable: true },
    );
  }
}

/** Upstream's default backoff for label polling: 5 checks, 1 s apart, factor 1, jitter 1. */
export const DEFAULT_LABEL_BACKOFF: Backoff = { steps: 5, duration: '1s', factor: 1, jitter: 1 };

function asKubeObject(value: unknown): KubeObject | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const object = value as Partial<KubeObject>;
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') return undefined;
  if (typeof object.metadata?.name !== 'string') return undefined;
  return object as KubeObject;
}

function labelsMatch(object: KubeObject, wanted: Readonly<Record<string, string>>): boolean {
  const labels = object.metadata.labels ?? {};
  return Object.entries(wanted).every(([key, value]) => labels[key] === value);
}

/** What `awaitLabels` needs from the runner: the backoff plan and a sleep it can fake. */
export interface LabelPolling {
  plan: (backoff: Backoff) => { attempts: number; delayMs: (n: number) => number };
  sleep: (ms: number) => Promise<void>;
}

/**
 * `policy.k8s`: polls the object the trigger produced until it carries every listed label. A failed GET
 * fails the attempt; running out of checks fails only with `errorOnBackoffTimeout` (upstream's message).
 * Outcomes without a Kubernetes object (dry-run, other trigger types) are left alone.
 */
export async function awaitLabels(
  outcome: TriggerOutcome,
  policy: TriggerPolicy | undefined,
  kube: KubeClient | undefined,
  polling: LabelPolling,
): Promise<void> {
  const wanted = policy?.k8s?.labels;
  if (!wanted || !kube) return;
  const object = asKubeObject(outcome.result);
  if (!object) return;
  const { attempts, delayMs } = polling.plan(policy.k8s?.backoff ?? DEFAULT_LABEL_BACKOFF);
  const { apiVersion, kind, metadata } = object;
  for (let check = 1; check <= attempts; check++) {
    const live = await kube.get(apiVersion, kind, metadata.namespace, metadata.name ?? '');
    if (labelsMatch(live, wanted)) return;
    if (check < attempts) await polling.sleep(delayMs(check));
  }
  if (policy.k8s?.errorOnBackoffTimeout) {
    throw new TriggerError(
      'failed to determine status of the triggered resource. setting trigger state as failed',
      { retryable: false },
    );
  }
}
