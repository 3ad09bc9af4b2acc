/**
 * The bus as a source function opens it: the EventBus manifest's bus (SQS when there is none: the embedded
 * bus is local only), forced by `OUTRIGGER_BUS` when set, followed on pull buses by drain requests to the
 * subscribed sensor functions.
 */
import type { ManifestSet } from '../manifests/types.ts';
import type { SecretResolver } from '../secrets/resolver.ts';
import { drainTargetsFromEnv, lambdaDrainInvoker, withDrainNotifications } from './drain-notify.ts';
import { busKindFromEnv, openBus } from './index.ts';
import type { Bus } from './port.ts';

export interface SourceBusOptions {
  secrets: SecretResolver;
  log: (entry: Record<string, unknown>) => void;
  env?: Readonly<Record<string, string | undefined>>;
}

/** Opens a source function's bus from the deployed manifests and environment. */
export async function openSourceBus(set: ManifestSet, options: SourceBusOptions): Promise<Bus> {
  const env = options.env ?? process.env;
  // As Argo's controller does for its bus, the first source to connect creates a missing JetStream stream
  // (Argo's layout and defaults, `streamConfig` over them); SQS queues come from the deployment itself.
  const bus = await openBus(set, {
    secrets: options.secrets,
    defaultKind: 'sqs',
    createIfMissing: true,
    ...busKindFromEnv(env),
  });
  return withDrainNotifications(bus, drainTargetsFromEnv(env), lambdaDrainInvoker(), {
    onError: (fn, err) =>
      options.log({ level: 'warn', msg: 'drain request failed', function: fn, error: String(err) }),
  });
}
