import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSourceBus } from '../../lib/bus/source-bus.ts';
import { newEvent } from '../../lib/events/envelope.ts';
import type { ManifestSet } from '../../lib/manifests/types.ts';
import { createStaticSecretResolver } from '../../lib/secrets/local.ts';
import type { NatsServer } from '../support/nats-server.ts';
import { requireNatsServer, startNatsServer } from '../support/nats-server.ts';

describe.runIf(requireNatsServer())('a source function opening its bus', () => {
  let server: NatsServer;

  beforeAll(async () => {
    server = await startNatsServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('creates the missing JetStream stream as the Argo controller would, and publishes durably', async () => {
    const set: ManifestSet = {
      eventSources: [],
      sensors: [],
      eventBuses: [
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'EventBus',
          metadata: { name: 'default' },
          spec: { jetstreamExotic: { url: server.url } },
        },
      ],
      origins: {},
      warnings: [],
    };
    const logged: Record<string, unknown>[] = [];

    const bus = await openSourceBus(set, {
      secrets: createStaticSecretResolver({}),
      log: (entry) => logged.push(entry),
      env: {},
    });
    await bus.publish(newEvent({ source: 'es', subject: 'e', type: 'webhook', data: {}, id: 'first' }));
    await bus.close();

    const monitor = (await fetch(`${server.monitorUrl}/jsz?streams=true`).then((r) => r.json())) as {
      account_details?: { stream_detail?: { name: string; state?: { messages: number } }[] }[];
    };
    const stream = monitor.account_details?.[0]?.stream_detail?.find((s) => s.name === 'default');
    expect(stream?.state?.messages).toBe(1);
    expect(logged).toEqual([]);
  });
});
