import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SensorEvent } from '../../lib/events/envelope.ts';
import { decodeEnvelope, encodeEvent, newEvent, toSensorEvent } from '../../lib/events/envelope.ts';
import { keepRawJson } from '../../lib/events/raw-json.ts';
import { get } from '../../lib/expr/gjson.ts';
import { dataText, elementsJson, getData, memberJson } from '../../lib/sensors/event-data.ts';
import { trickyKeys, writtenJson } from '../support/written-json.ts';

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
// Keys unique: of a repeated key JSON.parse keeps the last and gjson finds the first (event-data.ts).
const jsonText = writtenJson({ uniqueKeys: true });

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

  it('read the data of a decoded message as written there: integers past 2^53, key order, number forms', () => {
    // Prepare: a body as a provider sent it, on the bus as Argo carries it.
    const written = '{"id":12345678901234567890,"m":{"2":"b","1":"a"},"x":1.50,"big":1e400,"z":-0}';
    const envelope = envelopeAround(written);
    const event = toSensorEvent(decodeEnvelope(envelope).event, envelope);

    // Act
    const read = ['id', 'm', 'x', 'big', 'z'].map((path) => getData(event, path).string());

    // Assess
    expect(read).toEqual(['12345678901234567890', '{"2":"b","1":"a"}', '1.5', '+Inf', '-0']);
    expect(dataText(event)).toBe(written);
  });

  it('read the data as written wherever the message puts it, spaced, first, before extensions or twice', () => {
    // Prepare
    const head = '{"specversion":"1.0","id":"e1","source":"s","subject":"e","type":"webhook"';
    const spaced = `${head},\n  "data" : { "id" : 12345678901234567890 }\n}\n`;
    const dataFirst =
      '{"data":{"id":12345678901234567890},"specversion":"1.0","id":"e1","source":"s","subject":"e","type":"webhook"}';
    const extensionAfter = `${head},"data":{"id":12345678901234567890},"traceparent":"x"}`;
    // Of two `data` members Go's decoder keeps the last, as JSON.parse does.
    const twice = `${head},"data":{"id":1},"data":{"id":12345678901234567890}}`;
    const read = (text: string) => {
      const event = toSensorEvent(decodeEnvelope(text).event, text);
      return [getData(event, 'id').string(), dataText(event)];
    };

    // Act / Assess
    expect(read(spaced)).toEqual(['12345678901234567890', '{ "id" : 12345678901234567890 }']);
    expect(read(dataFirst)).toEqual(['12345678901234567890', '{"id":12345678901234567890}']);
    expect(read(extensionAfter)).toEqual(['12345678901234567890', '{"id":12345678901234567890}']);
    expect(read(twice)).toEqual(['12345678901234567890', '{"id":12345678901234567890}']);
  });

  it('read the data an in-process bus hands over as the source received it, escaped as Go writes it', () => {
    // Prepare: the embedded bus passes the object; the source kept the body's bytes beside it.
    const body = '{"id":12345678901234567890, "html":"<b>"}';
    const data = keepRawJson({ header: {}, body: JSON.parse(body) as unknown }, 'body', Buffer.from(body));
    const event = toSensorEvent(newEvent({ source: 's', subject: 'e', type: 'webhook', data }));

    // Act
    const id = getData(event, 'body.id').string();
    const whole = getData(event, 'body').raw;

    // Assess
    expect([id, whole]).toEqual([
      '12345678901234567890',
      '{"id":12345678901234567890,"html":"\\u003cb\\u003e"}',
    ]);
    expect(dataText(event)).toBe(
      envelopeDataOf(encodeEvent(newEvent({ source: 's', subject: 'e', type: 'webhook', data }))),
    );
  });

  it('answer every simple path of a decoded message as gjson on the data as written', () => {
    fc.assert(
      fc.property(jsonText, fc.array(trickyKeys, { minLength: 1, maxLength: 4 }), (written, path) => {
        // Prepare
        const envelope = envelopeAround(written);
        const event = toSensorEvent(decodeEnvelope(envelope).event, envelope);
        const dotted = path.join('.');

        // Act
        const read = getData(event, dotted);
        const wanted = get(written, dotted);

        // Assess: what filters and parameters use (a string or number's raw text is not one of them).
        expect([read.exists, read.type, read.string(), read.bool()]).toEqual([
          wanted.exists,
          wanted.type,
          wanted.string(),
          wanted.bool(),
        ]);
        expect(Object.is(read.float(), wanted.float())).toBe(true);
        if (read.type !== 'String' && read.type !== 'Number') expect(read.raw).toBe(wanted.raw);
      }),
      { numRuns: 3000 },
    );
  });
});

function envelopeAround(data: string): string {
  return `{"specversion":"1.0","id":"e1","source":"s","type":"webhook","subject":"e","datacontenttype":"application/json","time":"2024-01-01T00:00:00Z","data":${data}}`;
}

function envelopeDataOf(envelope: string): string {
  return envelope.slice(envelope.indexOf('"data":') + 7, -1);
}

describe('memberJson', () => {
  it.each([
    ['{"a":1,"data":{"x":[1,"}"]}}', '{"x":[1,"}"]}'],
    ['{ "data" : 12345678901234567890 , "b" : 2 }', '12345678901234567890'],
    ['{"data":"a\\"}\\\\","z":1}', '"a\\"}\\\\"'],
    ['{"data":1.50}', '1.50'],
    ['{"data":-0}', '-0'],
    ['{"data":true,"c":null}', 'true'],
    ['{"data":{"n":1},"ext":"x","data":[ 1, 2 ]}', '[ 1, 2 ]'],
    ['{"d\\u0061ta":{"k":1}}', '{"k":1}'],
    ['{"x":{"data":1}}', undefined],
    ['{"dat":1,"datas":2}', undefined],
    ['{}', undefined],
    ['[{"data":1}]', undefined],
    ['"data"', undefined],
    ['  {\n"data"\n:\n[]\n}\n', '[]'],
  ])('reads %s', (text, expected) => {
    expect(memberJson(text, 'data')).toBe(expected);
  });

  it('finds the value JSON.parse keeps, as written in the text', () => {
    fc.assert(
      fc.property(writtenJson(), fc.constantFrom('a', 'b', '0', '01', '__proto__', 'data'), (text, key) => {
        // Prepare
        const parsed = JSON.parse(text) as unknown;
        const has =
          typeof parsed === 'object' &&
          parsed !== null &&
          !Array.isArray(parsed) &&
          Object.hasOwn(parsed, key);

        // Act
        const member = memberJson(text, key);

        // Assess
        if (has) {
          expect(text).toContain(member);
          expect(JSON.parse(member ?? '')).toEqual((parsed as Record<string, unknown>)[key]);
        } else {
          expect(member).toBeUndefined();
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('elementsJson', () => {
  it.each([
    ['[]', []],
    [' [ 1 , "a]" ,{"b":[2]} , null ] ', ['1', '"a]"', '{"b":[2]}', 'null']],
    ['[12345678901234567890,1.50]', ['12345678901234567890', '1.50']],
    ['{"a":1}', undefined],
  ])('splits %s', (text, expected) => {
    expect(elementsJson(text)).toEqual(expected);
  });

  it('gives each element as written, parsing to what JSON.parse gives', () => {
    fc.assert(
      fc.property(
        fc.array(writtenJson(), { maxLength: 5 }),
        fc.constantFrom('', ' ', '\n'),
        (items, space) => {
          // Prepare
          const text = `[${space}${items.join(`${space},${space}`)}${space}]`;

          // Act
          const elements = elementsJson(text);

          // Assess
          expect(elements).toEqual(items);
          expect(elements?.map((e) => JSON.parse(e) as unknown)).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
