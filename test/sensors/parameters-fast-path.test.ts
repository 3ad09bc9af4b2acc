import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SensorEvent } from '../../lib/events/envelope.ts';
import type { TriggerParameter } from '../../lib/manifests/types.ts';
import { applyParameters, applyParametersToJson } from '../../lib/sensors/parameters.ts';

// Keys that exercise every branch of the fast path and its fallbacks: plain keys, array indexes (canonical
// and not), integer-like object keys, sjson's `-1` append and `:` forcing, escapes, queries, `__proto__`.
const keyNames = ['a', 'b', 'x-y', '0', '1', '2', '01', '-1', ':1', '__proto__', 'a\\.b', '#', '*', ''];
const key = fc.constantFrom(...keyNames);
const path = fc.array(key, { minLength: 1, maxLength: 4 }).map((keys) => keys.join('.'));
// Strings with what Go's encoder writes differently from JSON.stringify (HTML characters, U+2028, lone
// surrogates) and plain text.
const text = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('<b>&', '\u2028', '\ud800', 'x\udc00y', '😀', 'main', '"q"\\', '\u0007'),
);
const scalar = fc.oneof(
  text,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(2 ** 60, 1e21, -0, 1.5),
  fc.boolean(),
  fc.constant(null),
);
const { doc } = fc.letrec((tie) => ({
  doc: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('doc'), { maxLength: 3 }),
    fc.dictionary(key, tie('doc'), { maxKeys: 4 }),
  ),
}));
// Raw texts a useRawData value may carry: canonical JSON and JSON sjson would keep byte for byte.
const rawText = fc.oneof(
  doc.map((value) => JSON.stringify(value) ?? 'null'),
  fc.constantFrom('{"a":1,"a":2}', '[1, 2]', '12345678901234567890', '1.50', '-0', '1e2', 'not json', ''),
);

const event = (data: unknown): SensorEvent => ({
  context: {
    id: 'id',
    source: 'src',
    specversion: '1.0',
    type: 'webhook',
    datacontenttype: 'application/json',
    subject: 'sub',
    time: '2024-05-01T10:00:00Z',
  },
  data,
});

const source = fc.oneof(
  path.map((dataKey) => ({ dependencyName: 'dep', dataKey })),
  fc.record({ dependencyName: fc.constant('dep'), dataKey: path, value: text }),
  text.map((value) => ({ dependencyName: 'missing', value })),
  rawText.map((value) => ({ dependencyName: 'missing', value })),
);
const parameter: fc.Arbitrary<TriggerParameter> = fc
  .record({
    src: source,
    dest: path,
    operation: fc.constantFrom(undefined, '', 'overwrite', 'append', 'prepend'),
    useRawData: fc.boolean(),
  })
  .map(({ src, dest, operation, useRawData }) => ({
    src: { ...src, useRawData },
    dest,
    ...(operation === undefined ? {} : { operation }),
  }));

/** The reference: every write through sjson on the JSON text, as upstream. */
function viaSjson(target: unknown, parameters: TriggerParameter[], data: unknown): string {
  return JSON.stringify(
    JSON.parse(applyParametersToJson(JSON.stringify(target ?? {}), parameters, { dep: event(data) })),
  );
}

function outcome(run: () => string): { value: string } | { error: string } {
  try {
    return { value: run() };
  } catch (err) {
    return { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

describe('applying parameters to a parsed copy', () => {
  it('gives the same document, key order included, as writing every parameter with sjson', () => {
    // Prepare
    const cases = fc.tuple(doc, fc.array(parameter, { maxLength: 5 }), doc);

    // Act / Assess
    fc.assert(
      fc.property(cases, ([target, parameters, data]) => {
        const fast = outcome(() => JSON.stringify(applyParameters(target, parameters, { dep: event(data) })));
        const reference = outcome(() => viaSjson(target, parameters, data));
        expect(fast).toEqual(reference);
      }),
      { numRuns: 3000 },
    );
  });

  it('writes plain dotted paths into existing members without losing later sjson-only writes', () => {
    // Prepare
    const job = { spec: { containers: [{ env: [{ name: 'A', value: '' }] }] }, metadata: { name: 'n-' } };
    const parameters: TriggerParameter[] = [
      { src: { dependencyName: 'dep', dataKey: 'ref' }, dest: 'spec.containers.0.env.0.value' },
      { src: { dependencyName: 'dep', dataKey: 'sha' }, dest: 'metadata.name', operation: 'append' },
      { src: { dependencyName: 'dep', dataKey: 'ref' }, dest: 'spec.containers.0.env.-1.value' },
      { src: { dependencyName: 'dep', dataKey: 'sha' }, dest: 'metadata.labels.sha' },
    ];
    const data = { ref: 'refs/heads/main', sha: 'abc' };

    // Act
    const out = applyParameters(job, parameters, { dep: event(data) });

    // Assess
    expect(JSON.stringify(out)).toBe(viaSjson(job, parameters, data));
    expect(out.spec.containers[0]!.env).toEqual([
      { name: 'A', value: 'refs/heads/main' },
      { value: 'refs/heads/main' },
    ]);
    expect(out.metadata).toEqual({ name: 'n-abc', labels: { sha: 'abc' } });
    expect(job.spec.containers[0]!.env[0]!.value).toBe('');
  });

  it('copies the target as a JSON round trip would, whatever it holds', () => {
    // Prepare
    const values = fc.anything({
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withSparseArray: true,
      withTypedArray: true,
      withObjectString: true,
      key: fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('__proto__', 'toJSON', '0', '10', '9')),
    });

    // Act / Assess
    fc.assert(
      fc.property(values, (target) => {
        const copy = outcome(() => JSON.stringify(applyParameters(target, [], {})));
        const reference = outcome(() => JSON.stringify(JSON.parse(JSON.stringify(target ?? {}))));
        expect(copy).toEqual(reference);
      }),
      { numRuns: 2000 },
    );
  });

  it('copies a toJSON value, a function, a bigint and deep nesting as JSON does', () => {
    // Prepare
    let deep: unknown = 'leaf';
    for (let i = 0; i < 500; i++) deep = { d: [deep] };
    const targets: unknown[] = [
      { when: new Date(0), f: () => 1, s: Symbol('s'), u: undefined, n: Number.NaN, z: -0, a: [undefined] },
      { custom: { toJSON: () => ({ replaced: true }) } },
      deep,
    ];

    // Act
    const copies = targets.map((target) => applyParameters(target, [], {}));

    // Assess
    copies.forEach((copy, i) => {
      expect(JSON.stringify(copy)).toBe(JSON.stringify(JSON.parse(JSON.stringify(targets[i]))));
    });
    expect(() => applyParameters({ big: 1n }, [], {})).toThrow(TypeError);
  });
});
