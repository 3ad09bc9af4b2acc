/** A test apiserver together with the kubeconfig it writes, resolved, and a client of ours over it. */
import { KubeApiError } from '../../lib/errors.ts';
import { createKubeClient, type KubeClient } from '../../lib/kube/client.ts';
import { type ResolvedKubeConfig, resolveKubeConfig } from '../../lib/kube/config.ts';
import { type ApiServer, type ApiServerOptions, startApiServer } from './apiserver.ts';

/** What a test talks to: the server (close it after the test), its resolved config and a client. */
export interface ApiServerClient {
  server: ApiServer;
  config: ResolvedKubeConfig;
  kube: KubeClient;
}

/** Starts a test apiserver and connects a client whose calls give up after `timeoutMs`. */
export async function startApiServerClient(
  timeoutMs: number,
  options: ApiServerOptions = {},
): Promise<ApiServerClient> {
  const server = await startApiServer(options);
  const config = await resolveKubeConfig({ kubeconfigPath: server.kubeconfigPath, env: {} });
  if (!config) throw new Error('test kubeconfig did not resolve');
  return { server, config, kube: createKubeClient(config, { timeoutMs }) };
}

/** The KubeApiError `promise` rejects with; any other outcome fails the test. */
export async function kubeFailure(promise: Promise<unknown>): Promise<KubeApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof KubeApiError)) throw new Error(`expected a KubeApiError, got ${String(err)}`);
  return err;
}
