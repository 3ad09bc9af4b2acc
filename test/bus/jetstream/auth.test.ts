import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JetStreamBus } from '../../../lib/bus/jetstream/index.ts';
import { BusError } from '../../../lib/errors.ts';
import { type NatsServer, requireNatsServer, startNatsServer } from '../../support/nats-server.ts';
import { event } from './helpers.ts';

const TOKEN = 'correct-horse-battery-staple';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return typeof address === 'object' && address ? address.port : 1;
}

describe.runIf(requireNatsServer())('JetStreamBus credentials and reachability', () => {
  let server: NatsServer;

  beforeAll(async () => {
    server = await startNatsServer({ token: TOKEN });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('connects and publishes with the right token', async () => {
    // When
    const bus = await JetStreamBus.connect({
      url: server.url,
      auth: { token: TOKEN },
      createIfMissing: true,
    });
    await bus.publish(event());
    await bus.close();
    // Then no error was thrown
    expect(bus.url).toBe(server.url);
  });

  it('fails fast with a wrong token, naming the URL and never the token', async () => {
    // Given
    const wrong = 'wrong-token-value';
    const started = Date.now();
    // When
    const error = await JetStreamBus.connect({ url: server.url, auth: { token: wrong } }).catch(
      (err: unknown) => err,
    );
    // Then
    expect(error).toBeInstanceOf(BusError);
    expect(error).toMatchObject({ retryable: false, statusCode: 503 });
    const message = (error as Error).message;
    expect(message).toContain(`cannot connect to JetStream at ${server.url}`);
    expect(message).toContain('authorization violation');
    expect(message).not.toContain(wrong);
    expect(JSON.stringify(error)).not.toContain(wrong);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('keeps credentials written into the URL out of the message', async () => {
    // Given a URL with user info
    const withSecret = server.url.replace('ws://', 'ws://admin:hunter2-secret@');
    // When
    const error = await JetStreamBus.connect({ url: withSecret }).catch((err: unknown) => err);
    // Then
    expect(error).toBeInstanceOf(BusError);
    expect((error as Error).message).toContain(server.url);
    expect((error as Error).message).not.toContain('hunter2-secret');
  });

  it('connects with a user and password, and refuses a wrong password without showing it', async () => {
    // Given a server that wants a user and password
    const basic = await startNatsServer({ user: { user: 'outrigger', pass: 'pa55-word' } });
    try {
      // When
      const bus = await JetStreamBus.connect({
        url: basic.url,
        auth: { user: 'outrigger', pass: 'pa55-word' },
        createIfMissing: true,
      });
      await bus.publish(event());
      await bus.close();
      const error = await JetStreamBus.connect({
        url: basic.url,
        auth: { user: 'outrigger', pass: 'nope-nope' },
      }).catch((err: unknown) => err);
      // Then
      expect(error).toBeInstanceOf(BusError);
      expect((error as Error).message).toContain('authorization violation');
      expect((error as Error).message).not.toContain('nope-nope');
    } finally {
      await basic.stop();
    }
  });

  it('fails fast when nothing listens at the URL', async () => {
    // Given
    const url = `ws://127.0.0.1:${await closedPort()}`;
    const started = Date.now();
    // When
    const error = await JetStreamBus.connect({ url, connectTimeoutMs: 2_000 }).catch((err: unknown) => err);
    // Then
    expect(error).toBeInstanceOf(BusError);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toContain(`cannot connect to JetStream at ${url}`);
    expect(Date.now() - started).toBeLessThan(2_500);
  });
});
