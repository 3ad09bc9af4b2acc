import { describe, expect, it } from 'vitest';
import { openBus } from '../../lib/bus/index.ts';
import { MemoryBus } from '../../lib/bus/memory/index.ts';
import type { BusRecord } from '../../lib/bus/port.ts';
import { newEvent } from '../../lib/events/envelope.ts';
import type { ManifestSet } from '../../lib/manifests/types.ts';

const noManifests: ManifestSet = { eventSources: [], sensors: [], eventBuses: [], origins: {}, warnings: [] };

describe('openBus', () => {
  it('opens the embedded bus without an EventBus: delivers, deduplicates, and keeps no payloads', async () => {
    const bus = await openBus(noManifests);
    expect(bus).toBeInstanceOf(MemoryBus);
    const seen: BusRecord[] = [];
    await bus.consume({ name: 's', subjects: ['default.src.evt'] }, async (records) => {
      seen.push(...records);
      return records.map(() => ({ kind: 'ack' as const }));
    });
    const event = newEvent({ source: 'src', subject: 'evt', type: 'webhook', data: { n: 1 }, id: 'once' });
    await bus.publish(event);
    await bus.publish({ ...event });
    await (bus as MemoryBus).idle();
    expect(seen.map((r) => r.event.id)).toEqual(['once']);
    // The runner never replays from memory: holding payloads would only cost garbage collection.
    expect((bus as MemoryBus).log).toEqual([]);
    await bus.close();
  });
});
