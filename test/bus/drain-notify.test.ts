import { describe, expect, it } from 'vitest';
import { drainTargetsFromEnv, withDrainNotifications } from '../../lib/bus/drain-notify.ts';
import { MemoryBus } from '../../lib/bus/memory/index.ts';
import type { Bus } from '../../lib/bus/port.ts';
import { newEvent } from '../../lib/events/envelope.ts';

const event = (source: string, subject: string) => newEvent({ source, subject, type: 'webhook', data: {} });

describe('drain notifications after a publish', () => {
  it('asks only the sensors that consume the subject to drain, after the event is durable', async () => {
    const bus = new MemoryBus();
    const invoked: { name: string; durable: number }[] = [];
    const notified = withDrainNotifications(
      bus,
      [
        { functionName: 'sensor-a', subjects: ['default.es.push'] },
        { functionName: 'sensor-b', subjects: ['default.other.*'] },
      ],
      async (name) => {
        invoked.push({ name, durable: bus.log.length });
      },
    );

    await notified.publish(event('es', 'push'));

    expect(invoked).toEqual([{ name: 'sensor-a', durable: 1 }]);
  });

  it('still answers success when a notification fails, and reports it', async () => {
    const bus = new MemoryBus();
    const errors: string[] = [];
    const notified = withDrainNotifications(
      bus,
      [{ functionName: 'sensor-a', subjects: ['default.es.*'] }],
      async () => {
        throw new Error('throttled');
      },
      { onError: (name, err) => errors.push(`${name}: ${(err as Error).message}`) },
    );

    await notified.publish(event('es', 'push'));

    expect(bus.log).toHaveLength(1);
    expect(errors).toEqual(['sensor-a: throttled']);
  });

  it('says what the wrapped bus says of handing over objects', () => {
    const targets = [{ functionName: 'a', subjects: ['default.>'] }];
    const invoke = async () => {};
    // A bus that carries bytes, as JetStream and SQS do: it says nothing of objects.
    const bytesBus: Bus = {
      publish: async () => {},
      consume: () => Promise.reject(new Error('not consumed here')),
      close: async () => {},
    };

    const objects = withDrainNotifications(new MemoryBus(), targets, invoke);
    const bytes = withDrainNotifications(bytesBus, targets, invoke);

    expect([objects.handsOverObjects, bytes.handsOverObjects]).toEqual([true, undefined]);
  });

  it('does not notify when the publish failed', async () => {
    const bus = new MemoryBus();
    await bus.close();
    const invoked: string[] = [];
    const notified = withDrainNotifications(
      bus,
      [{ functionName: 'a', subjects: ['default.>'] }],
      async (n) => {
        invoked.push(n);
      },
    );

    await expect(notified.publish(event('es', 'push'))).rejects.toThrow(/closed/);
    expect(invoked).toEqual([]);
  });

  it('reads its targets from the environment the deployment sets', () => {
    expect(drainTargetsFromEnv({})).toEqual([]);
    expect(
      drainTargetsFromEnv({ OUTRIGGER_DRAIN_TARGETS: '[{"functionName":"f","subjects":["default.a.b"]}]' }),
    ).toEqual([{ functionName: 'f', subjects: ['default.a.b'] }]);
  });
});
