/**
 * Loads `nats.ws` once per process, installing the `ws` WebSocket first where the runtime has none
 * (Node 20; Lambda's Node 22 has a global one, so bundles leave `ws` out). Imported lazily by every user of
 * NATS so a function that never talks to NATS never loads the client.
 */
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
