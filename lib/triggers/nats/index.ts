/**
 * The `nats` trigger: publish the payload on a subject (argoproj/argo-events: pkg/sensors/triggers/nats;
 * semantics §6.6). Outrigger runs outside the cluster and publishes through `nats.ws`, so `url` must be a
 * websocket URL (`ws://` or `wss://`); a `nats://` URL is refused with that explanation.
 *
 * As upstream, `url` and `subject` come from the template (trigger-level parameters apply to them) and
 * resource-level `nats.parameters` have no effect (semantics §5.1).
 */

import type { NatsModule } from '../../bus/nats-client.ts';
import { loadNats, NO_ASYNC_TRACES } from '../../bus/nats-client.ts';
import { TriggerError } from '../../errors.ts';
import type { SecretKeySelector, TriggerParameter } from '../../manifests/types.ts';
import type { TriggerTls } from '../http/index.ts';
import { redactUrl } from '../http/request.ts';
import { secretValue } from '../http/secrets.ts';
import { constructPayload } from '../payload.ts';
import type { FiredEvents, RenderContext, TriggerClients, TriggerOutcome, TriggerType } from '../types.ts';

/** `template.nats` (Argo's NATSTrigger). */
export interface NatsTriggerSpec {
  url: string;
  subject: string;
  payload?: TriggerParameter[];
  parameters?: TriggerParameter[];
  tls?: TriggerTls;
  auth?: {
    basic?: { username?: SecretKeySelector; password?: SecretKeySelector };
    token?: SecretKeySelector;
    nkey?: SecretKeySelector;
    credential?: SecretKeySelector;
  };
}

/** What render produces. */
export interface NatsRequest {
  url: string;
  subject: string;
  payload: string;
  auth: NatsTriggerSpec['auth'];
}

/** Resolved connection credentials (secret values; never logged). */
export interface NatsCredentials {
  user?: string;
  pass?: string;
  token?: string;
  nkeySeed?: string;
  creds?: string;
}

/** The port to NATS (tests may pass a fake; the default keeps one `nats.ws` connection per server). */
export interface NatsPublisher {
  publish(url: string, credentials: NatsCredentials, subject: string, payload: Uint8Array): Promise<void>;
}

/** Builds the payload; refuses URLs and TLS settings `nats.ws` cannot honour (pure). */
export function renderNats(spec: NatsTriggerSpec, events: FiredEvents, context: RenderContext): NatsRequest {
  const where = `nats trigger "${context.triggerName}"`;
  let scheme: string;
  try {
    scheme = new URL(spec.url).protocol;
  } catch {
    throw new TriggerError(`${where}: url ${JSON.stringify(spec.url)} is not a URL`, { retryable: false });
  }
  if (scheme !== 'ws:' && scheme !== 'wss:') {
    throw new TriggerError(
      `${where}: url must be a NATS websocket URL (ws:// or wss://); Outrigger publishes through nats.ws from outside the cluster, so enable the server's websocket listener`,
      { retryable: false },
    );
  }
  const tls = spec.tls;
  if (tls && (tls.caCertSecret || tls.clientCertSecret || tls.clientKeySecret || tls.insecureSkipVerify)) {
    throw new TriggerError(
      `${where}: custom TLS settings are not supported over websockets; use a wss:// URL with a publicly trusted certificate`,
      { retryable: false },
    );
  }
  if (!spec.subject) throw new TriggerError(`${where}: subject is empty`, { retryable: false });
  return {
    url: spec.url,
    subject: spec.subject,
    payload: constructPayload(spec.payload, events) ?? '',
    auth: spec.auth,
  };
}

async function credentialsFor(request: NatsRequest, clients: TriggerClients): Promise<NatsCredentials> {
  const auth = request.auth;
  if (!auth) return {};
  const out: NatsCredentials = {};
  if (auth.basic?.username)
    out.user = await secretValue(clients, auth.basic.username, 'nats auth.basic.username');
  if (auth.basic?.password)
    out.pass = await secretValue(clients, auth.basic.password, 'nats auth.basic.password');
  if (auth.token) out.token = await secretValue(clients, auth.token, 'nats auth.token');
  if (auth.nkey) out.nkeySeed = await secretValue(clients, auth.nkey, 'nats auth.nkey');
  if (auth.credential) out.creds = await secretValue(clients, auth.credential, 'nats auth.credential');
  return out;
}

type NatsConnection = Awaited<ReturnType<NatsModule['connect']>>;

const connections = new Map<string, Promise<NatsConnection>>();

function connectionKey(url: string, credentials: NatsCredentials): string {
  // Only a digest-free marker of which credential is used: the map key is never printed, but keep it lean.
  return JSON.stringify([
    url,
    credentials.user,
    credentials.pass,
    credentials.token,
    credentials.nkeySeed,
    credentials.creds,
  ]);
}

async function connect(url: string, credentials: NatsCredentials): Promise<NatsConnection> {
  const nats = await loadNats();
  const encoder = new TextEncoder();
  return nats.connect({
    servers: url,
    timeout: 5_000,
    ...NO_ASYNC_TRACES,
    ...(credentials.user !== undefined ? { user: credentials.user } : {}),
    ...(credentials.pass !== undefined ? { pass: credentials.pass } : {}),
    ...(credentials.token !== undefined ? { token: credentials.token } : {}),
    ...(credentials.nkeySeed !== undefined
      ? { authenticator: nats.nkeyAuthenticator(encoder.encode(credentials.nkeySeed)) }
      : credentials.creds !== undefined
        ? { authenticator: nats.credsAuthenticator(encoder.encode(credentials.creds)) }
        : {}),
  });
}

/** The default publisher: one connection per server and credentials, kept for the container's life. */
export const natsWsPublisher: NatsPublisher = {
  async publish(url, credentials, subject, payload) {
    const key = connectionKey(url, credentials);
    let pending = connections.get(key);
    if (!pending) {
      pending = connect(url, credentials);
      connections.set(key, pending);
      // A failed or later closed connection is dropped so the next firing connects again.
      pending.then(
        (nc) => nc.closed().then(() => connections.delete(key)),
        () => connections.delete(key),
      );
    }
    const nc = await pending;
    nc.publish(subject, payload);
    // flush() round-trips a PING, so a publish the server rejected (permissions) surfaces here.
    await nc.flush();
  },
};

/** Closes every cached connection (tests, shutdown). */
export async function closeNatsConnections(): Promise<void> {
  const pending = [...connections.values()];
  connections.clear();
  await Promise.all(pending.map((p) => p.then((nc) => nc.close()).catch(() => {})));
}

/** Publishes the payload; connection failures are retryable, bad credentials are not. */
export async function executeNats(request: NatsRequest, clients: TriggerClients): Promise<TriggerOutcome> {
  const credentials = await credentialsFor(request, clients);
  const publisher = clients.nats ?? natsWsPublisher;
  const where = `publish to ${request.subject} on ${redactUrl(request.url)}`;
  try {
    await publisher.publish(
      request.url,
      credentials,
      request.subject,
      new TextEncoder().encode(request.payload),
    );
  } catch (err) {
    if (err instanceof TriggerError) throw err;
    const code = (err as { code?: string }).code;
    const message = err instanceof Error ? err.message : String(err);
    // nats.js codes: AUTHORIZATION_VIOLATION and PERMISSIONS_VIOLATION will not heal by retrying.
    const final = code === 'AUTHORIZATION_VIOLATION' || code === 'PERMISSIONS_VIOLATION';
    throw new TriggerError(`${where} failed: ${message}`, { cause: err, retryable: !final });
  }
  return {
    summary: `published ${Buffer.byteLength(request.payload)} bytes to ${request.subject} on ${redactUrl(request.url)}`,
  };
}

/** The nats trigger type. */
export const natsTrigger: TriggerType<NatsTriggerSpec, NatsRequest> = {
  type: 'nats',
  render: renderNats,
  execute: executeNats,
};
