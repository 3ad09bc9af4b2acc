import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryBus } from '../../../lib/bus/memory/index.ts';
import { createPublisher } from '../../../lib/sources/aws-events.ts';
import {
  calendarBindings,
  fireCalendarEvent,
  startCalendarTimers,
} from '../../../lib/sources/calendar/index.ts';
import { eventSource, FailingBus, manifestSet } from '../helpers.ts';

const set = manifestSet(
  eventSource('cal', {
    calendar: {
      'every-minute': { schedule: '* * * * *', metadata: { team: 'infra' } },
      'no-mondays': { schedule: '0 12 * * *', exclusionDates: ['EXDATE:20240506T000000Z'] },
      filtered: {
        interval: '1m',
        filter: { expression: 'metadata.keep == "yes"' },
        metadata: { keep: 'no' },
      },
    },
  }),
);

function binding(name: string) {
  return calendarBindings(set).find((b) => b.target.eventName === name)!;
}

describe('fireCalendarEvent', () => {
  it('publishes a tick once: the same scheduled time gives the same id and the bus drops the repeat', async () => {
    // Prepare
    const bus = new MemoryBus();
    const publish = createPublisher({ bus });
    const scheduled = Date.parse('2024-05-01T10:00:00Z');

    // Act
    const first = await fireCalendarEvent(binding('every-minute'), scheduled, publish);
    const again = await fireCalendarEvent(binding('every-minute'), scheduled, publish);

    // Assess
    expect(first).toEqual(again);
    expect(bus.log).toHaveLength(1);
    expect(bus.log[0]).toMatchObject({
      id: first.kind === 'published' ? first.id : 'missing',
      source: 'cal',
      subject: 'every-minute',
      type: 'calendar',
      data: { eventTime: '2024-05-01 10:00:00 +0000 UTC', metadata: { team: 'infra' } },
    });
  });

  it('publishes nothing on an excluded day', async () => {
    // Prepare
    const bus = new MemoryBus();

    // Act
    const outcome = await fireCalendarEvent(
      binding('no-mondays'),
      Date.parse('2024-05-06T12:00:00Z'),
      createPublisher({ bus }),
    );

    // Assess
    expect(outcome).toEqual({ kind: 'excluded', scheduledTime: '2024-05-06T12:00:00.000Z' });
    expect(bus.log).toHaveLength(0);
  });

  it('drops a tick its filter.expression refuses', async () => {
    // Prepare
    const bus = new MemoryBus();

    // Act
    const outcome = await fireCalendarEvent(binding('filtered'), Date.now(), createPublisher({ bus }));

    // Assess
    expect(outcome.kind).toBe('filtered');
    expect(bus.log).toHaveLength(0);
  });

  it('rejects when the bus cannot take the tick', async () => {
    // Prepare
    const bus = new FailingBus();

    // Act
    const act = fireCalendarEvent(binding('every-minute'), Date.now(), createPublisher({ bus }));

    // Assess
    await expect(act).rejects.toMatchObject({ code: 'BusUnavailable' });
  });
});

describe('startCalendarTimers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ticks each schedule in-process until stopped', async () => {
    // Prepare
    vi.useFakeTimers({ now: Date.parse('2024-05-06T11:58:30Z') });
    const bus = new MemoryBus();
    const timers = startCalendarTimers(set, bus);

    // Act
    await vi.advanceTimersByTimeAsync(3 * 60_000);
    timers.stop();
    await vi.advanceTimersByTimeAsync(10 * 60_000);

    // Assess
    const bySubject = (subject: string) =>
      bus.log.filter((e) => e.subject === subject).map((e) => (e.data as { eventTime: string }).eventTime);
    expect(bySubject('every-minute')).toEqual([
      '2024-05-06 11:59:00 +0000 UTC',
      '2024-05-06 12:00:00 +0000 UTC',
      '2024-05-06 12:01:00 +0000 UTC',
    ]);
    expect(bySubject('no-mondays')).toEqual([]);
    expect(bySubject('filtered')).toEqual([]);
  });

  it('keeps ticking after the bus refused one', async () => {
    // Prepare
    vi.useFakeTimers({ now: Date.parse('2024-05-01T10:00:30Z') });
    const entries: Record<string, unknown>[] = [];
    const bus = new FailingBus();
    const timers = startCalendarTimers(
      manifestSet(eventSource('cal', { calendar: { tick: { schedule: '* * * * *' } } })),
      bus,
      { log: (entry) => entries.push(entry) },
    );

    // Act
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    timers.stop();

    // Assess
    expect(bus.attempts).toBe(2);
    expect(entries.filter((e) => e.msg === 'calendar tick not published')).toHaveLength(2);
  });
});
