/**
 * Trigger clients from the environment, the same for the local runner and the sensor function:
 * `OUTRIGGER_ARGO_SERVER_URL` + `OUTRIGGER_ARGO_SERVER_TOKEN` (resubmit/retry through the Argo Server),
 * `OUTRIGGER_SLACK_API_URL` (a Slack-compatible API), `OUTRIGGER_ALLOW_LINK_LOCAL=true` (http triggers and
 * url sources may reach 169.254.0.0/16, e.g. an on-host metadata proxy you trust).
 */
import type { ManifestIssue } from '../errors.ts';
import type { ManifestSet, Sensor, Trigger } from '../manifests/types.ts';
import type { SecretResolver } from '../secrets/resolver.ts';
import type { TriggerClients } from './types.ts';

/** Adds the environment's optional clients to `base`. */
export function triggerClientsFromEnv(
  base: TriggerClients,
  secrets: SecretResolver,
  env: Readonly<Record<string, string | undefined>> = process.env,
): TriggerClients {
  const clients: TriggerClients = { ...base, secrets };
  const argoUrl = env.OUTRIGGER_ARGO_SERVER_URL;
  const argoToken = env.OUTRIGGER_ARGO_SERVER_TOKEN;
  if (argoUrl && argoToken) clients.argoServer = { url: argoUrl, token: argoToken };
  if (env.OUTRIGGER_SLACK_API_URL) clients.slackApiUrl = env.OUTRIGGER_SLACK_API_URL;
  if (env.OUTRIGGER_ALLOW_LINK_LOCAL === 'true') clients.allowLinkLocal = true;
  return clients;
}

const SERVER_OPERATIONS = new Set(['resubmit', 'retry']);

/**
 * What the configured clients cannot serve, found before any event arrives: `resubmit` and `retry` need the
 * Argo Server (the Kubernetes API cannot rebuild a Workflow's nodes).
 */
export function missingTriggerClients(set: ManifestSet, clients: TriggerClients): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  for (const sensor of set.sensors) {
    const origin = set.origins[`Sensor/${sensor.metadata.name}`];
    sensor.spec.triggers.forEach((trigger, i) => {
      const chain: [Trigger, string][] = [[trigger, `spec.triggers[${i}]`]];
      if (trigger.dlqTrigger) chain.push([trigger.dlqTrigger, `spec.triggers[${i}].dlqTrigger`]);
      for (const [t, path] of chain) {
        const operation = t.template.argoWorkflow?.operation;
        if (!operation || !SERVER_OPERATIONS.has(operation) || clients.argoServer) continue;
        issues.push({
          file: origin?.file ?? `Sensor/${sensor.metadata.name}`,
          line: origin?.line ?? 1,
          column: 1,
          path: `${path}.template.argoWorkflow.operation`,
          message: `${operation} needs the Argo Server: set OUTRIGGER_ARGO_SERVER_URL and OUTRIGGER_ARGO_SERVER_TOKEN`,
          severity: 'error',
        });
      }
    });
  }
  return issues;
}

/**
 * Whether a sensor's triggers reach the Kubernetes API: k8s and argoWorkflow triggers, and http headers
 * read from a ConfigMap. Other sensors never resolve cluster access (no EKS call on their cold start).
 */
export function needsCluster(sensor: Sensor): boolean {
  const templates = sensor.spec.triggers.flatMap((t) => [
    t.template,
    ...(t.dlqTrigger ? [t.dlqTrigger.template] : []),
  ]);
  return templates.some((template) => {
    if (template.k8s || template.argoWorkflow) return true;
    const headers = (
      template.http as { secureHeaders?: { valueFrom?: { configMapKeyRef?: unknown } }[] } | undefined
    )?.secureHeaders;
    return headers?.some((header) => header.valueFrom?.configMapKeyRef !== undefined) ?? false;
  });
}
