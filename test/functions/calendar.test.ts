import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../lib/bus/memory/index.ts';
import { PayloadError } from '../../lib/errors.ts';
import { calendarLambda } from '../../lib/sources/calendar/index.ts';
import { eventSource, FailingBus, manifestSet } from '../sources/helpers.ts';

const set = manifestSet(
  eventSource('nightly', {
    calendar: { build: { schedule: '0 2 * * *', timezone: 'Europe/Paris', metadata: { job: 'build' } } },
  }),
);

function handlerWith(bus: MemoryBus | FailingBus, now = Date.now) {
  return calendarLambda({ loadSet: async () => set, openBus: async () => bus, now });
}

describe('calendar function', () => {
  it('publishes the tick Scheduler names, and a retried invocation adds nothing', async () => {
    // Prepare
    const bus = new MemoryBus();
    const handler = handlerWith(bus);
    const input = { eventSourceName: 'nightly', eventName: 'build', scheduledTime: '2024-05-01T00:00:00Z' };

    // Act
    const first = await handler(input);
    const retry = await handler(input);

    // Assess
    expect(first).toMatchObject({ kind: 'published', scheduledTime: '2024-05-01T00:00:00.000Z' });
    expect(retry).toEqual(first);
    expect(bus.log).toHaveLength(1);
    expect(bus.log[0]!.data).toEqual({
      eventTime: '2024-05-01 00:00:00 +0000 UTC',
      metadata: { job: 'build' },
    });
  });

  it('accepts `eventSource` for the name and finds the tick itself without a scheduled time', async () => {
    // Prepare: 02:00 in Paris is 00:00 UTC in May; the invocation comes 40 s late
    const bus = new MemoryBus();
    const handler = handlerWith(bus, () => Date.parse('2024-05-01T00:00:40Z'));

    // Act
    const outcome = await handler({ eventSource: 'nightly', eventName: 'build' });

    // Assess
    expect(outcome.scheduledTime).toBe('2024-05-01T00:00:00.000Z');
    expect(bus.log).toHaveLength(1);
  });

  it('throws when the bus is unavailable so Scheduler retries', async () => {
    // Prepare
    const handler = handlerWith(new FailingBus());

    // Act
    const act = handler({
      eventSourceName: 'nightly',
      eventName: 'build',
      scheduledTime: '2024-05-01T00:00:00Z',
    });

    // Assess
    await expect(act).rejects.toMatchObject({ code: 'BusUnavailable', retryable: true });
  });

  it.each([
    [{ eventName: 'build' }, 'needs `eventSourceName` and `eventName`'],
    [{ eventSourceName: 'nightly', eventName: 'deploy' }, 'no calendar event nightly/deploy'],
    [{ eventSourceName: 'nightly', eventName: 'build', scheduledTime: 'yesterday' }, 'not an ISO 8601 time'],
  ])('refuses the input %j', async (input, reason) => {
    // Prepare
    const bus = new MemoryBus();

    // Act
    const act = handlerWith(bus)(input);

    // Assess
    await expect(act).rejects.toThrow(PayloadError);
    await expect(act).rejects.toThrow(reason);
    expect(bus.log).toHaveLength(0);
  });
});
