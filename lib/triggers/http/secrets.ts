/**
 * Secret and ConfigMap references of trigger specs, resolved at execute time (never in render, so a
 * rendered request can be logged without leaking a value).
 */
import { TriggerError } from '../../errors.ts';
import type { SecretKeySelector } from '../../manifests/types.ts';
import type { TriggerClients } from '../types.ts';

/** The value of a secret reference; `what` names the field in errors (never the value). */
export async function secretValue(
  clients: TriggerClients,
  selector: SecretKeySelector,
  what: string,
): Promise<string> {
  if (!clients.secrets) {
    throw new TriggerError(
      `${what} needs secret ${selector.name}/${selector.key}, but no secret store is configured`,
      {
        retryable: false,
      },
    );
  }
  // SecretNotFoundError keeps its own `retryable` (a store that could not be reached is retried).
  return clients.secrets.get(selector);
}

/** The value of a ConfigMap key, read through the Kubernetes API (upstream reads a mounted volume). */
export async function configMapValue(
  clients: TriggerClients,
  selector: SecretKeySelector,
  namespace: string | undefined,
  what: string,
): Promise<string> {
  if (!clients.kube) {
    throw new TriggerError(
      `${what} reads ConfigMap ${selector.name}, but no Kubernetes cluster is configured`,
      { retryable: false },
    );
  }
  const configMap = await clients.kube.get('v1', 'ConfigMap', namespace, selector.name);
  const data = (configMap as { data?: Record<string, string> }).data ?? {};
  const value = data[selector.key];
  if (value === undefined) {
    throw new TriggerError(`${what}: ConfigMap ${selector.name} has no key ${selector.key}`, {
      retryable: false,
    });
  }
  return value;
}
