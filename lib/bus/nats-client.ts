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
    if (scope.WebSocket === undefined) scope.WebSocket = unmaskedWhereSafe((await import('ws')).WebSocket);
    return import('nats.ws');
  })();
  return natsModule;
}

/**
 * True when client frames to `url` need masking. Masking keeps a page's script from steering bytes through
 * a plaintext intermediary that misreads them (RFC 6455 §10.3): over TLS (`wss:`) no intermediary reads
 * them, and on loopback there is none.
 */
export function maskingNeeded(url: string | URL): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'wss:') return false;
  return !(hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname));
}

/** An all-zero mask: `ws` then sends the payload as it is instead of XOR-ing a copy of it in JS. */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

/**
 * The `ws` WebSocket (Node 20) with masking left out where `maskingNeeded` says it protects nothing: `ws`
 * masks in JS without the native `bufferutil`, and masking each frame was 12% of a publish's CPU.
 */
function unmaskedWhereSafe(base: typeof import('ws').WebSocket): unknown {
  return class extends base {
    constructor(address: string | URL, protocols?: string | string[], options?: import('ws').ClientOptions) {
      super(address, protocols, maskingNeeded(address) ? options : { ...options, generateMask: zeroMask });
    }
  };
}

/** Reconnect settings for a connection kept for the process's life: a restarted server needs no new process. */
export const RECONNECT_FOREVER = {
  maxReconnectAttempts: -1,
  reconnectTimeWait: 250,
  ignoreClusterUpdates: true,
} as const satisfies ConnectionOptions;

/**
 * Without it nats.js builds an Error per request and per JetStream publish only to keep the caller's stack
 * for a later failure: 11% of the local runner's CPU over JetStream. Our errors say what failed anyway.
 */
export const NO_ASYNC_TRACES = { noAsyncTraces: true } as const satisfies ConnectionOptions;

/** Connects to `url` with the EventBus `accessSecret` credentials and the other connection `options`. */
export async function connectNats(
  url: string,
  auth: JetStreamAuth | undefined,
  options: Omit<ConnectionOptions, 'servers' | 'token' | 'user' | 'pass' | 'authenticator'> = {},
): Promise<NatsConnection> {
  const nats = await loadNats();
  return nats.connect({
    servers: url,
    ...NO_ASYNC_TRACES,
    ...options,
    ...(auth && 'token' in auth ? { token: auth.token } : {}),
    ...(auth && 'user' in auth ? { user: auth.user, pass: auth.pass } : {}),
    ...(auth && 'creds' in auth
      ? { authenticator: nats.credsAuthenticator(new TextEncoder().encode(auth.creds)) }
      : {}),
  });
}
