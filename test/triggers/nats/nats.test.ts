import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { isRetryable, TriggerError } from '../../../lib/errors.ts';
import { closeNatsConnections, type NatsTriggerSpec, natsTrigger } from '../../../lib/triggers/nats/index.ts';
import type { FiredEvents } from '../../../lib/triggers/types.ts';
import { type NatsServer, requireNatsServer, startNatsServer } from '../../support/nats-server.ts';
import { event, memorySecrets, renderContext } from '../fixtures.ts';

const events: FiredEvents = { push: event('e1', { body: { repo: 'backend', size: 3 } }) };
const context = renderContext();

const spec = (url: string, overrides: Partial<NatsTriggerSpec> = {}): NatsTriggerSpec => ({
  url,
  subject: 'ci.builds',
  payload: [
    { src: { dependencyName: 'push', dataKey: 'body.repo' }, dest: 'repo' },
    { src: { dependencyName: 'push', dataKey: 'body.size', useRawData: true }, dest: 'size' },
  ],
  ...overrides,
});

describe('nats trigger render', () => {
  it('builds the payload and keeps url and subject', () => {
    // Act
    const request = natsTrigger.render(spec('ws://127.0.0.1:4223'), events, context);

    // Assess
    expect(request).toEqual({
      url: 'ws://127.0.0.1:4223',
      subject: 'ci.builds',
      payload: '{"repo":"backend","size":3}',
      auth: undefined,
    });
  });

  it('ignores resource-level parameters, as upstream reads subject from the template', () => {
    // Act
    const request = natsTrigger.render(
      spec('ws://127.0.0.1:4223', {
        parameters: [{ src: { dependencyName: 'push', dataKey: 'body.repo' }, dest: 'subject' }],
      }),
      events,
      context,
    );

    // Assess
    expect(request.subject).toBe('ci.builds');
  });

  it('refuses a nats:// URL and says to use the websocket listener', () => {
    // Act
    const act = () => natsTrigger.render(spec('nats://nats.argo-events:4222'), events, context);

    // Assess
    expect(act).toThrow(TriggerError);
    expect(act).toThrow(/url must be a NATS websocket URL \(ws:\/\/ or wss:\/\/\)/);
  });

  it('refuses custom TLS settings that nats.ws cannot apply', () => {
    // Act
    const act = () =>
      natsTrigger.render(
        spec('wss://nats.example.com', { tls: { insecureSkipVerify: true } }),
        events,
        context,
      );

    // Assess
    expect(act).toThrow(/custom TLS settings are not supported over websockets/);
  });
});

describe.runIf(requireNatsServer())('nats trigger against nats-server', () => {
  let server: NatsServer;
  let subscriber: Awaited<ReturnType<typeof import('nats.ws')['connect']>>;
  const user = { user: 'sensor', pass: 'p4ss' };

  beforeAll(async () => {
    server = await startNatsServer({ user });
    const scope = globalThis as { WebSocket?: unknown };
    scope.WebSocket ??= WebSocket;
    const nats = await import('nats.ws');
    subscriber = await nats.connect({ servers: server.url, ...user });
  });
  afterAll(async () => {
    await closeNatsConnections();
    await subscriber?.close();
    await server?.stop();
  });

  it('publishes the payload on the subject with credentials from the secret store', async () => {
    // Prepare
    const subscription = subscriber.subscribe('ci.builds', { max: 1 });
    await subscriber.flush();
    const request = natsTrigger.render(
      spec(server.url, {
        auth: { basic: { username: { name: 'nats', key: 'user' }, password: { name: 'nats', key: 'pass' } } },
      }),
      events,
      context,
    );
    const secrets = memorySecrets({ 'nats/user': user.user, 'nats/pass': user.pass });

    // Act
    const outcome = await natsTrigger.execute(request, { secrets });

    // Assess
    const received: string[] = [];
    for await (const message of subscription) received.push(new TextDecoder().decode(message.data));
    expect(received).toEqual(['{"repo":"backend","size":3}']);
    expect(outcome.summary).toBe(`published 27 bytes to ci.builds on ${server.url}/`);
  });

  it('reuses one connection for later firings', async () => {
    // Prepare
    const subscription = subscriber.subscribe('ci.builds', { max: 2 });
    await subscriber.flush();
    const request = natsTrigger.render(
      spec(server.url, {
        auth: { basic: { username: { name: 'nats', key: 'user' }, password: { name: 'nats', key: 'pass' } } },
      }),
      events,
      context,
    );
    const secrets = memorySecrets({ 'nats/user': user.user, 'nats/pass': user.pass });
    const before = await (await fetch(`${server.monitorUrl}/varz`)).json();

    // Act
    await natsTrigger.execute(request, { secrets });
    await natsTrigger.execute(request, { secrets });

    // Assess
    let count = 0;
    for await (const _ of subscription) count++;
    const after = await (await fetch(`${server.monitorUrl}/varz`)).json();
    expect(count).toBe(2);
    expect((after as { total_connections: number }).total_connections).toBe(
      (before as { total_connections: number }).total_connections,
    );
  });

  it('fails without retrying when the server refuses the credentials', async () => {
    // Prepare
    const request = natsTrigger.render(
      spec(server.url, { auth: { token: { name: 'nats', key: 'token' } } }),
      events,
      context,
    );

    // Act
    const error = await natsTrigger
      .execute(request, { secrets: memorySecrets({ 'nats/token': 'wrong' }) })
      .catch((err: unknown) => err);

    // Assess
    expect(error).toBeInstanceOf(TriggerError);
    expect(isRetryable(error)).toBe(false);
    expect((error as Error).message).toMatch(/^publish to ci\.builds on ws:\/\/127\.0\.0\.1:\d+\/ failed: /);
  });

  it('fails as retryable when no server listens', async () => {
    // Prepare
    const request = natsTrigger.render(spec('ws://127.0.0.1:9'), events, context);

    // Act
    const error = await natsTrigger.execute(request, {}).catch((err: unknown) => err);

    // Assess
    expect(isRetryable(error)).toBe(true);
  });
});
