import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SensorEvent } from '../../lib/events/envelope.ts';
import { get } from '../../lib/expr/gjson.ts';
import { dataText, getData } from '../../lib/sensors/event-data.ts';

const eventWith = (data: unknown): SensorEvent => ({
  context: {
    id: 'e1',
    source: 's',
    specversion: '1.0',
    type: 'webhook',
    datacontenttype: 'application/json',
    subject: 'e',
    time: '2024-01-01T00:00:00Z',
  },
  data,
});

const keys = fc.oneof(
  fc.constantFrom('a', 'b', 'length', '__proto__', 'X-Github-Event', '01', '00', '-1'),
  fc.nat(3).map(String),
);

describe('reading paths from event data', () => {
  it('answer simple paths on parsed data exactly as gjson on the JSON text', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.dictionary(keys, fc.jsonValue()), fc.array(fc.jsonValue())),
        fc.array(keys, { minLength: 1, maxLength: 4 }),
        (data, path) => {
          // Prepare
          const event = eventWith(data);
          const dotted = path.join('.');

          // Act
          const fast = getData(event, dotted);
          const text = get(dataText(event), dotted);

          // Assess
          expect([fast.exists, fast.type, fast.raw, fast.string(), fast.bool()]).toEqual([
            text.exists,
            text.type,
            text.raw,
            text.string(),
            text.bool(),
          ]);
          expect(Object.is(fast.float(), text.float())).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('use gjson on the text for queries, wildcards and raw data', () => {
    // Prepare
    const event = eventWith({ items: [{ id: 1 }, { id: 2 }] });
    const raw: SensorEvent = { ...eventWith(undefined), raw: '{"n": 1.50}' };

    // Act
    const query = getData(event, 'items.#.id');
    const wildcard = getData(event, 'it*.1.id');
    const asWritten = getData(raw, 'n');

    // Assess
    expect(query.raw).toBe('[1,2]');
    expect(wildcard.raw).toBe('2');
    expect(asWritten.raw).toBe('1.50');
  });
});
