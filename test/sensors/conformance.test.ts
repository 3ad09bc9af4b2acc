/**
 * Runs the upstream-asserted vectors of ../shared/conformance/argo-vectors.yaml (sections A–H, K, L) through
 * the sensor modules. Every vector of those sections either passes as written, is listed in
 * `documentedDifferences` with the behaviour Outrigger has instead (asserted), or is listed in
 * `belongsElsewhere` with the module whose tests cover it. A vector in none of these makes the suite fail.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { EventContext, SensorEvent } from '../../lib/events/envelope.ts';
import { get } from '../../lib/expr/gjson.ts';
import type {
  EventDependency,
  EventDependencyFilter,
  Sensor,
  TriggerParameter,
  TriggerParameterSource,
} from '../../lib/manifests/types.ts';
import { compileCondition } from '../../lib/sensors/conditions.ts';
import type { CompiledSensor, Firing } from '../../lib/sensors/engine.ts';
import { advanceConditions, compileSensor } from '../../lib/sensors/engine.ts';
import type { FilterResult } from '../../lib/sensors/filters/index.ts';
import { evaluateFiltersAsync } from '../../lib/sensors/filters/index.ts';
import {
  applyParameters,
  applyParametersToJson,
  constructPayload,
  resolveParameter,
} from '../../lib/sensors/parameters.ts';
import { MemoryStateStore } from '../../lib/sensors/state.ts';
import { applyTransform } from '../../lib/sensors/transform/index.ts';
import { sharedPath } from '../support/shared.ts';

type Vector = Record<string, unknown> & { id: string; section: string };

const vectorsFile = sharedPath('conformance/argo-vectors.yaml');
const allVectors = parse(readFileSync(vectorsFile, 'utf8')) as Vector[];

/** Sections this suite owns; I, J, M, N belong to the sources' and event-source filter suites. */
const SECTIONS = ['A', 'A2', 'B', 'C', 'D', 'E', 'F', 'G', 'G2', 'H', 'K', 'L'] as const;
const sectionOf = (vector: Vector) => vector.section.split('.')[0] ?? '';
const vectors = allVectors.filter((v) => (SECTIONS as readonly string[]).includes(sectionOf(v)));
const byId = new Map(allVectors.map((v) => [v.id, v]));

const nowDay = new Date().toISOString().slice(0, 10);

/** The context upstream's filter and parameter tests build (filter_test.go, params_test.go). */
function defaultContext(): EventContext {
  return {
    id: '1',
    source: 'webhook-gateway',
    specversion: '1.0',
    type: 'webhook',
    datacontenttype: 'application/json',
    subject: 'example-1',
    time: `${nowDay}T16:36:34Z`,
  };
}

interface EventDefaults {
  raw?: string;
  data?: unknown;
  context?: Partial<EventContext>;
}

/** The event a vector describes: `event: null`, `context`, `data` or `data_raw`, over upstream's defaults. */
function eventOf(vector: Vector, defaults: EventDefaults = {}): SensorEvent | null {
  if ('event' in vector && vector.event === null) return null;
  let context: EventContext | null = { ...defaultContext(), ...defaults.context };
  if ('context' in vector) {
    const given = vector.context as Partial<EventContext> | null;
    context = given === null ? null : { ...context, ...withNowDay(given) };
  }
  const event = { context } as SensorEvent;
  if (typeof vector.data_raw === 'string') event.raw = vector.data_raw;
  else if ('data' in vector) event.data = vector.data;
  else if (defaults.raw !== undefined) event.raw = defaults.raw;
  else if (defaults.data !== undefined) event.data = defaults.data;
  return event;
}

function withNowDay(context: Partial<EventContext>): Partial<EventContext> {
  return context.time === undefined
    ? context
    : { ...context, time: context.time.replace('<now-day>', nowDay) };
}

const dependencyWith = (filters: unknown, operator?: unknown): EventDependency =>
  ({
    name: 'dep',
    eventSourceName: 'es',
    eventName: 'e',
    filters: filters as EventDependencyFilter,
    ...(operator ? { filtersLogicalOperator: operator } : {}),
  }) as EventDependency;

interface FilterExpectation {
  pass?: boolean;
  error?: boolean | string;
  error_contains?: string;
}

/** Checks a filter verdict against `expect`: `error` true/false/'none' or the exact upstream text. */
function assertFilter(result: FilterResult, expected: FilterExpectation): void {
  if (expected.pass !== undefined) expect(result.pass).toBe(expected.pass);
  if (expected.error === true) expect(result.error).toEqual(expect.any(String));
  else if (expected.error === false || expected.error === 'none') expect(result.error).toBeUndefined();
  else if (typeof expected.error === 'string') expect(result.error).toBe(expected.error);
  if (expected.error_contains !== undefined) expect(result.error).toContain(expected.error_contains);
}

// ---------------------------------------------------------------- upstream test fixtures the file names

/** filter_test.go's events: `{"k": "v"}` for the simple cases, the a/b/c document for the advanced ones. */
function filterTestDefaults(id: string): EventDefaults {
  const n = Number(id.slice(3));
  if (n <= 4) return { raw: '{"k": "v"}' };
  return { raw: '{ "a": "x", "b": 10, "c": { "d": "hello world", "e": false } }' };
}

/** filter_time_test.go's six event times on the current UTC day. */
const TIME_POINTS = ['00:00:00', '04:05:06', '08:09:10', '12:13:14', '16:17:18', '20:21:22'];

/** params_test.go TestResolveParamValue's event (data bytes as upstream writes them). */
function resolveParamEvent(): SensorEvent {
  return {
    context: { ...defaultContext(), specversion: '', time: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
    data: undefined,
    raw: '{"name": {"first": "fake", "last": "user"}, "reviews": 8, "rating": 4.5, "isActive" : true, "isVerified" : false, "countries": ["ca", "us", "mx"]}',
  };
}

/** params_test.go TestApplyParams's event. */
function applyParamsEvent(): SensorEvent {
  return {
    context: defaultContext(),
    data: undefined,
    raw: '{"name": {"first": "fake", "last": "user"}, "age": 100, "countries": ["ca", "us", "mx"] }',
  };
}

const dataEvent = (data: unknown, context: Partial<EventContext> = {}): SensorEvent => ({
  context: { ...defaultContext(), ...context },
  data,
});

/** Asserts each `path: value` of `expected` against a JSON document read with gjson. */
function assertPaths(json: string, expected: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(expected)) {
    const result = get(json, key);
    expect(result.exists, `${key} exists`).toBe(true);
    expect(result.value(), key).toEqual(value);
  }
}

function sensorOf(dependencies: EventDependency[], triggers: Record<string, string>): Sensor {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Sensor',
    metadata: { name: 'conformance' },
    spec: {
      dependencies,
      triggers: Object.entries(triggers).map(([name, conditions]) => ({
        template: { name, log: {}, ...(conditions ? { conditions } : {}) },
      })),
    },
  };
}

/** What the engine does after a firing succeeded: the saved events it consumed are removed. */
async function clearFiring(compiled: CompiledSensor, firing: Firing, store: MemoryStateStore): Promise<void> {
  if (firing.revision === undefined) return;
  const state = await store.load(compiled.name, firing.trigger.name);
  const remaining = Object.fromEntries(
    Object.entries(state.events).filter(
      ([name, saved]) => firing.events[name]?.context.id !== saved.context.id,
    ),
  );
  await store.compareAndSet(compiled.name, firing.trigger.name, remaining, state.revision);
}

/** Sends one event through filters and conditions; returns the triggers it fired. */
async function send(
  compiled: CompiledSensor,
  event: SensorEvent,
  store: MemoryStateStore,
): Promise<string[]> {
  const dependencies = compiled.sensor.spec.dependencies.filter(
    (d) => d.eventSourceName === event.context.source && d.eventName === event.context.subject,
  );
  const passed: string[] = [];
  for (const dependency of dependencies) {
    if ((await evaluateFiltersAsync(dependency, event)).pass) passed.push(dependency.name);
  }
  const firings = passed.length > 0 ? await advanceConditions(compiled, event, passed, store) : [];
  for (const firing of firings) await clearFiring(compiled, firing, store);
  return firings.map((f) => f.trigger.name);
}

let eventCounter = 0;
const eventFor = (source: string, subject: string, data: unknown = {}): SensorEvent => ({
  context: { ...defaultContext(), id: `ev-${++eventCounter}`, source, subject },
  data,
});

/** Truth table of a conditions expression over every subset of the dependencies. */
function truthTable(conditions: string, dependencies: readonly string[]): boolean[] {
  const condition = compileCondition(conditions, dependencies);
  const rows: boolean[] = [];
  for (let mask = 0; mask < 2 ** dependencies.length; mask++) {
    rows.push(condition.evaluate(new Set(dependencies.filter((_, i) => mask & (2 ** i)))));
  }
  return rows;
}

// ---------------------------------------------------------------- runners per section

type Runner = (vector: Vector) => Promise<void> | void;

const runFilterVector: Runner = async (vector) => {
  const defaults = sectionOf(vector) === 'F' ? filterTestDefaults(vector.id) : {};
  const spec = vector.spec as Record<string, unknown>;
  const dependency =
    sectionOf(vector) === 'F'
      ? dependencyWith(spec.filters, spec.filtersLogicalOperator)
      : dependencyWith(spec);
  const result = await evaluateFiltersAsync(dependency, eventOf(vector, defaults));
  assertFilter(result, vector.expect as FilterExpectation);
};

const runTimeVector: Runner = async (vector) => {
  const expected = vector.expect as Record<string, unknown>;
  const dependency = dependencyWith(vector.spec);
  if (!('t0' in expected)) return runFilterVector(vector);
  for (const [index, clock] of TIME_POINTS.entries()) {
    const event = dataEvent({ k: 'v' }, { time: `${nowDay}T${clock}Z` });
    const result = await evaluateFiltersAsync(dependency, event);
    expect(result, `t${index} (${clock})`).toEqual({ pass: expected[`t${index}`] });
  }
};

const runDuplicateDepsFilter: Runner = async (vector) => {
  const spec = vector.spec as Record<string, unknown>;
  const dependencies = ['dep1', 'dep2'].map((name) => ({
    ...dependencyWith(spec[name]),
    name,
    eventSourceName: 'e2e-calendar-metadata',
    eventName: 'example',
  }));
  const compiled = compileSensor(sensorOf(dependencies, { trigger: '' }));
  const event = eventFor('e2e-calendar-metadata', 'example', vector.data);
  const fired = await send(compiled, event, new MemoryStateStore());
  expect(fired.length > 0).toBe((vector.expect as { trigger_fires: boolean }).trigger_fires);
};

const runResolveVector: Runner = (vector) => {
  const src = (vector.spec as { src: TriggerParameterSource }).src;
  const event = resolveParamEvent();
  const resolved = resolveParameter(src, { [src.dependencyName]: event });
  const expected = vector.expect as { value: string; type?: string };
  if (vector.id === 'PR-03') {
    // Go marshals the whole v1alpha1.Event: context in struct order, data ([]byte) as base64.
    const context = event.context;
    const whole = {
      context: {
        id: context.id,
        source: context.source,
        specversion: context.specversion,
        type: context.type,
        datacontenttype: context.datacontenttype,
        subject: context.subject,
        time: context.time,
      },
      data: Buffer.from(event.raw ?? '').toString('base64'),
    };
    expect(resolved?.text).toBe(JSON.stringify(whole));
    return;
  }
  expect(resolved?.text).toBe(expected.value);
  if (expected.type !== undefined) expect(resolved?.type).toBe(expected.type);
};

const runNullKeyVector: Runner = (vector) => {
  const event = dataEvent(vector.data);
  const keys = vector.spec as { key: string }[];
  const expected = vector.expect as { value: string; type: string | null }[];
  for (const [i, { key }] of keys.entries()) {
    const resolved = resolveParameter({ dependencyName: 'dep', dataKey: key }, { dep: event });
    // gjson's Null type is written `type: null` in the vectors file.
    expect(resolved).toEqual({ text: expected[i]?.value, type: expected[i]?.type ?? 'Null' });
  }
};

const runApplyVector: Runner = (vector) => {
  const event = 'data' in vector ? dataEvent(vector.data) : applyParamsEvent();
  const parameters = vector.spec as TriggerParameter[];
  const events = Object.fromEntries(parameters.map((p) => [p.src.dependencyName, event]));
  const out = applyParametersToJson(JSON.stringify(vector.object), parameters, events);
  assertPaths(out, vector.expect as Record<string, unknown>);
};

function payloadInputs(vector: Vector): { events: Record<string, SensorEvent>; spec: TriggerParameter[] } {
  // PL-02 says "same as PL-01 but the first two dataKeys are unknown": built from PL-01 as it says.
  const source = vector.events === 'same as PL-01' ? (byId.get('PL-01') as Vector) : vector;
  const events = Object.fromEntries(
    Object.entries(source.events as Record<string, unknown>).map(([name, data]) => [name, dataEvent(data)]),
  );
  const spec = structuredClone(source.spec as TriggerParameter[]);
  if (source !== vector) {
    for (const parameter of spec.slice(0, 2)) parameter.src.dataKey = 'unknown';
  }
  return { events, spec };
}

const runPayloadVector: Runner = (vector) => {
  const { events, spec } = payloadInputs(vector);
  const body = constructPayload(spec, events) ?? '';
  assertPaths(body, vector.expect as Record<string, unknown>);
};

const runWholeBodyPayload: Runner = (vector) => {
  // The `validation: ok` half is the manifest loader's (test/manifests); this is the body half.
  const events = Object.fromEntries(
    Object.entries(vector.events as Record<string, unknown>).map(([name, data]) => [name, dataEvent(data)]),
  );
  const http = (vector.spec as { http: { payload: TriggerParameter[] } }).http;
  const body = constructPayload(http.payload, events) ?? '';
  for (const part of (vector.expect as { body_contains: string[] }).body_contains)
    expect(body).toContain(part);
  expect(JSON.parse(body)).toHaveProperty('context');
};

const runTriggerSpecParameters: Runner = (vector) => {
  const events = Object.fromEntries(
    Object.entries(vector.events as Record<string, unknown>).map(([name, data]) => [name, dataEvent(data)]),
  );
  const parameters = (vector.spec as { parameters: TriggerParameter[] }).parameters;
  const trigger = (vector.trigger as Record<string, Record<string, unknown>> | undefined) ?? {};
  const spec = Object.values(trigger)[0] ?? {};
  const out = applyParameters(spec, parameters, events);
  expect(out).toMatchObject(vector.expect as Record<string, unknown>);
};

const runExpressionVector: Runner = (vector) => {
  const dependencies = vector.dependencies as string[];
  const condition = compileCondition(vector.conditions as string, dependencies);
  const expected = vector.expect as { expression?: string; resolved?: string; error?: string };
  const reference = expected.resolved ?? expected.expression ?? '';
  expect(truthTable(vector.conditions as string, dependencies)).toEqual(truthTable(reference, dependencies));
  // Every name in the upstream expression resolves to a declared dependency (`dep-1a` to `dep_1a`).
  for (const name of reference.split(/\|\||&&|[()]/).filter(Boolean)) {
    expect(condition.dependencies).toContain(name);
  }
};

const runConditionSequence: Runner = async (vector) => {
  const dependencies = Object.entries(vector.dependencies as Record<string, string>).map(([name, at]) => {
    const [source, subject] = at.split('/');
    return { name, eventSourceName: source ?? '', eventName: subject ?? '' };
  });
  const compiled = compileSensor(sensorOf(dependencies, vector.triggers as Record<string, string>));
  const store = new MemoryStateStore();
  const counts: Record<string, number> = {};
  for (const step of vector.sequence as { send: string; expect: Record<string, number> }[]) {
    const dependency = dependencies.find((d) => d.eventName === step.send);
    for (const name of await send(compiled, eventFor(dependency?.eventSourceName ?? '', step.send), store)) {
      counts[name] = (counts[name] ?? 0) + 1;
    }
    for (const [trigger, count] of Object.entries(step.expect))
      expect(counts[trigger] ?? 0, trigger).toBe(count);
  }
};

const runDurableState: Runner = async (vector) => {
  // Saved events live in the state store, not in the sensor process: recompiling the sensor keeps them.
  const dependencies = Object.entries(vector.dependencies as Record<string, string>).map(
    ([name, subject]) => ({
      name,
      eventSourceName: 'es',
      eventName: subject,
    }),
  );
  const sensor = sensorOf(dependencies, { trigger: vector.conditions as string });
  const store = new MemoryStateStore();
  const before = await send(compileSensor(sensor), eventFor('es', 'example1'), store);
  const after = await send(compileSensor(structuredClone(sensor)), eventFor('es', 'example2'), store);
  expect(before.length + after.length).toBe((vector.expect as { trigger_fires: number }).trigger_fires);
};

const runSameEventTwoDependencies: Runner = async (vector) => {
  const dependencies = Object.entries(vector.dependencies as Record<string, string>).map(([name, at]) => {
    const [source, subject] = at.split('/');
    return { name, eventSourceName: source ?? '', eventName: subject ?? '' };
  });
  const compiled = compileSensor(sensorOf(dependencies, { trigger: vector.conditions as string }));
  const first = dependencies[0];
  const fired = await send(
    compiled,
    eventFor(first?.eventSourceName ?? '', first?.eventName ?? '', { eventTime: 'now' }),
    new MemoryStateStore(),
  );
  expect(fired).toEqual(['trigger']);
};

const runTransformVector: Runner = async (vector) => {
  const dependency = {
    ...dependencyWith(undefined),
    transform: (vector.spec as { transform: object }).transform,
  };
  const result = await applyTransform(dependency, dataEvent(vector.data));
  const expected = vector.expect as { data?: unknown; error?: boolean; data_env?: unknown };
  if (expected.error) {
    expect(result.error).toEqual(expect.any(String));
    return;
  }
  expect(result.error).toBeUndefined();
  if ('data' in expected) expect(result.event?.data).toEqual(expected.data);
  if ('data_env' in expected) expect(result.event?.data).toHaveProperty('env', expected.data_env);
};

const runners: Record<string, Runner> = {
  A: runFilterVector,
  A2: runDuplicateDepsFilter,
  B: runFilterVector,
  C: runFilterVector,
  D: runTimeVector,
  E: runFilterVector,
  F: runFilterVector,
  K: runTransformVector,
};

/** Vectors whose shape needs their own runner. */
const runnerById: Record<string, Runner> = {
  ...Object.fromEntries(
    ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13', '14', '15'].map((n) => [
      `PR-${n}`,
      runResolveVector,
    ]),
  ),
  'PR-16': runNullKeyVector,
  ...Object.fromEntries(
    ['20', '21', '22', '23', '24', '25', '26', '27', '28'].map((n) => [`PR-${n}`, runApplyVector]),
  ),
  'PL-01': runPayloadVector,
  'PL-02': runPayloadVector,
  'PL-03': runPayloadVector,
  'PL-04': runWholeBodyPayload,
  'PL-06': runTriggerSpecParameters,
  'PL-07': runTriggerSpecParameters,
  'CO-01': runExpressionVector,
  'CO-03': runExpressionVector,
  'CO-04': runConditionSequence,
  'CO-05': runDurableState,
  'CO-06': runSameEventTwoDependencies,
};

/** Deliberate differences (README "Differences from Argo Events"): what Outrigger does instead, asserted. */
const documentedDifferences: Record<string, { outrigger: string; assert: Runner }> = {
  'PR-29': {
    outrigger:
      'The event envelope carries JSON only (datacontenttype application/json), so application/yaml data is ' +
      'not converted: a data selector fails with "unsupported event content type" and falls back to `value`.',
    assert: (vector) => {
      const event: SensorEvent = {
        context: { ...defaultContext(), ...(vector.context as Partial<EventContext>) },
        data: undefined,
        raw: vector.data_raw as string,
      };
      expect(() => resolveParameter({ dependencyName: 'dep', dataKey: 'age' }, { dep: event })).toThrow(
        "unable to resolve 'dep' parameter value. err: unsupported event content type: application/yaml",
      );
      expect(
        resolveParameter({ dependencyName: 'dep', dataKey: 'age', value: '20' }, { dep: event }),
      ).toEqual({
        text: '20',
        type: 'String',
      });
    },
  },
};

/** Vectors asserted by another module's suite, with the reason they are not run here. */
const belongsElsewhere: Record<string, string> = {
  'PL-05': 'manifest loader validation (test/manifests): an empty k8s parameter dest is refused at load time',
  'RL-01': 'http trigger policy.status.allow (test/triggers/http): needs an HTTP response',
  'RL-02': 'http trigger policy.status.allow (test/triggers/http): needs an HTTP response',
  'RL-08': 'manifest loader validation (test/manifests): dlqTrigger needs atLeastOnce on the trigger',
  'RL-09': 'manifest loader validation (test/manifests): dlqTrigger needs its own atLeastOnce',
  'RL-10': 'manifest loader validation (test/manifests): duplicate trigger names',
  'RL-11': 'manifest loader validation (test/manifests): conditionsReset cron is checked at load time',
};

function runnerFor(vector: Vector): Runner | undefined {
  return runnerById[vector.id] ?? runners[sectionOf(vector)];
}

describe('Argo Events conformance vectors', () => {
  it('reads the vectors file with comparators as strings', () => {
    // Prepare
    const comparators = allVectors.flatMap((v) =>
      ((v.spec as { data?: { comparator?: unknown }[] } | undefined)?.data ?? []).map((f) => f.comparator),
    );

    // Assess
    expect(vectors.length).toBeGreaterThan(100);
    expect(comparators).toContain('=');
    for (const comparator of comparators)
      if (comparator !== undefined) expect(typeof comparator).toBe('string');
  });

  it('accounts for every vector of sections A–H, K and L', () => {
    // Prepare
    const listed = new Set([...Object.keys(documentedDifferences), ...Object.keys(belongsElsewhere)]);

    // Act
    const unaccounted = vectors
      .filter((v) => !listed.has(v.id) && runnerFor(v) === undefined)
      .map((v) => v.id);
    const stale = [...listed].filter((id) => !byId.has(id));
    const twice = vectors.filter((v) => listed.has(v.id) && runnerById[v.id] !== undefined).map((v) => v.id);

    // Assess
    expect(unaccounted).toEqual([]);
    expect(stale).toEqual([]);
    expect(twice).toEqual([]);
  });

  const runnable = vectors.filter((v) => !(v.id in documentedDifferences) && !(v.id in belongsElsewhere));
  describe.each(SECTIONS.filter((s) => runnable.some((v) => sectionOf(v) === s)))('section %s', (section) => {
    it.each(runnable.filter((v) => sectionOf(v) === section).map((v) => [v.id, v] as const))(
      '%s behaves as upstream',
      async (_id, vector) => {
        const runner = runnerFor(vector);
        expect(runner).toBeDefined();
        await runner?.(vector);
      },
    );
  });

  describe('documented differences', () => {
    it.each(Object.entries(documentedDifferences).map(([id, d]) => [id, d] as const))(
      '%s behaves as Outrigger documents',
      async (id, difference) => {
        const vector = byId.get(id);
        expect(vector).toBeDefined();
        await difference.assert(vector as Vector);
      },
    );
  });
});
