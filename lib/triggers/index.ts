/**
 * The trigger registry (data, not if-chains) and the one function that finds which type a template names.
 */
import { TriggerError } from '../errors.ts';
import type { TriggerTemplate } from '../manifests/types.ts';
import { argoWorkflowTrigger } from './argo-workflow/index.ts';
import { awsLambdaTrigger } from './aws-lambda/index.ts';
import { eventBridgeTrigger } from './event-bridge/index.ts';
import { httpTrigger } from './http/index.ts';
import { k8sTrigger } from './k8s/index.ts';
import { logTrigger } from './log/index.ts';
import { natsTrigger } from './nats/index.ts';
import { slackTrigger } from './slack/index.ts';
import type { TriggerType } from './types.ts';

/** Implemented trigger types by their template key. */
export const triggerTypes: Readonly<Record<string, TriggerType<never, unknown>>> = {
  k8s: k8sTrigger as TriggerType<never, unknown>,
  log: logTrigger as TriggerType<never, unknown>,
  argoWorkflow: argoWorkflowTrigger as TriggerType<never, unknown>,
  http: httpTrigger as TriggerType<never, unknown>,
  awsLambda: awsLambdaTrigger as TriggerType<never, unknown>,
  slack: slackTrigger as TriggerType<never, unknown>,
  nats: natsTrigger as TriggerType<never, unknown>,
  eventBridge: eventBridgeTrigger as TriggerType<never, unknown>,
};

/** Template keys that are not trigger types. */
const TEMPLATE_FIELDS = new Set(['name', 'conditions', 'conditionsReset']);

/** The single trigger type key set on a template (Argo's one-of), with its spec. */
export function triggerTypeOf(template: TriggerTemplate): { key: string; spec: unknown } {
  const keys = Object.keys(template).filter(
    (key) => !TEMPLATE_FIELDS.has(key) && (template as unknown as Record<string, unknown>)[key] != null,
  );
  if (keys.length !== 1) {
    throw new TriggerError(
      `trigger "${template.name}" must set exactly one trigger type, found ${keys.length ? keys.join(', ') : 'none'}`,
      { retryable: false },
    );
  }
  const key = keys[0]!;
  return { key, spec: (template as unknown as Record<string, unknown>)[key] };
}

/** Looks up an implemented trigger type or explains that it is not available. */
export function triggerTypeFor(key: string): TriggerType<never, unknown> {
  const type = triggerTypes[key];
  if (!type) {
    throw new TriggerError(
      `trigger type "${key}" is not implemented yet (implemented: ${Object.keys(triggerTypes).join(', ')})`,
      { retryable: false },
    );
  }
  return type;
}
