/**
 * Trigger clients from the environment, the same for the local runner and the sensor function:
 * `OUTRIGGER_ARGO_SERVER_URL` + `OUTRIGGER_ARGO_SERVER_TOKEN` (resubmit/retry through the Argo Server),
 * `OUTRIGGER_SLACK_API_URL` (a Slack-compatible API), `OUTRIGGER_ALLOW_LINK_LOCAL=true` (http triggers and
 * url sources may reach 169.254.0.0/16, e.g. an on-host metadata proxy you trust).
 */
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
