/**
 * Loads `nats.ws` once per process, installing the `ws` WebSocket first where the runtime has none
 * (Node 20; Lambda's Node 22 has a global one, so bundles leave `ws` out). Imported lazily by every user of
 * NATS so a function that never talks to NATS never loads the client.
 */
import type { ConnectionOptions, NatsConnection } from 'nats.ws';
import type { JetStreamAuth } from './jetstream/index.ts';

export type NatsModule = typeof import('nats.ws');

let natsModule: Promise<NatsModule> | undefined;

/** The `nats.ws` module, ready to connect. */
export function loadNats(): Promise<NatsModule> {
  natsModule ??= (async () => {
    const scope = globalThis as { WebSocket?: unknown };
    if (scope.WebSocket === undefined) scope.WebSocket = (await import('ws')).WebSocket;
    return import('nats.ws');
  })();
  return natsModule;
}

/** Reconnect settings for a connection kept for the process's life: a restarted server needs no new process. */
export const RECONNECT_FOREVER = {
  maxReconnectAttempts: -1,
  reconnectTimeWait: 250,
  ignoreClusterUpdates: true,
} as const satisfies ConnectionOptions;

/** Connects to `url` with the EventBus `accessSecret` credentials and the other connection `options`. */
export async function connectNats(
  url: string,
  auth: JetStreamAuth | undefined,
  options: Omit<ConnectionOptions, 'servers' | 'token' | 'user' | 'pass' | 'authenticator'> = {},
): Promise<NatsConnection> {
  const nats = await loadNats();
  return nats.connect({
    servers: url,
    ...options,
    ...(auth && 'token' in auth ? { token: auth.token } : {}),
    ...(auth && 'user' in auth ? { user: auth.user, pass: auth.pass } : {}),
    ...(auth && 'creds' in auth
      ? { authenticator: nats.credsAuthenticator(new TextEncoder().encode(auth.creds)) }
      : {}),
  });
}
