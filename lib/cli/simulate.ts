/**
 * Runs a sensor over events with no bus and no cluster (the `outrigger test` contract of issue 4, also
 * `replay --dry-run`): dependency filters (transforms first), conditions with in-memory state, one firing
 * per event and trigger, parameters and each trigger type's pure render. Nothing is executed.
 */
import { parse as parseYaml } from 'yaml';
import type { SensorEvent } from '../events/envelope.ts';
import { get } from '../expr/gjson.ts';
import { compileRegex } from '../expr/regex.ts';
import type { EventDependency, Sensor, TriggerParameter, TriggerTemplate } from '../manifests/types.ts';
import { errorMessage } from '../observability/log.ts';
import type { Firing } from '../sensors/engine.ts';
import { advanceConditions, compileSensor, firingKey } from '../sensors/engine.ts';
import { dataText } from '../sensors/event-data.ts';
import { evaluateContextFilter } from '../sensors/filters/context.ts';
import { evaluateDataFilter } from '../sensors/filters/data.ts';
import { evaluateExprFilters } from '../sensors/filters/exprs.ts';
import { evaluateDependency } from '../sensors/filters/index.ts';
import { evaluateTimeFilter } from '../sensors/filters/time.ts';
import { applyParameters, constructPayload } from '../sensors/parameters.ts';
import { MemoryStateStore } from '../sensors/state.ts';
import { triggerTypeOf, triggerTypes } from '../triggers/index.ts';
import type { FiredEvents, RenderContext } from '../triggers/types.ts';

/** What a firing would do: the object for k8s/argoWorkflow, the request body for payload triggers. */
export interface Render {
  kind: string;
  resource: Record<string, unknown> | null;
  payload: unknown;
}

/** The JSON object `outrigger test --json` prints (issue 4, "a contract other tools rely on"). */
export interface TestReport {
  sensor: string;
  events: { id: string; dependencies: { name: string; passed: boolean; error: string | null }[] }[];
  triggers: { name: string; fired: number; errors: string[]; renders: Render[] }[];
}

/** Words for a human: per event, per dependency, per filter; and what fired. */
export interface Narrative {
  event: SensorEvent;
  /** Dependencies that listen to the event's (source, subject), with their filter lines. */
  dependencies: { name: string; verdict: string; lines: string[] }[];
  fired: { trigger: string; render: Render | undefined; error: string | undefined }[];
}

export interface Simulation {
  report: TestReport;
  narrative: Narrative[];
  /** Triggers still waiting for dependencies, with those missing (stateful conditions only). */
  waiting: { trigger: string; conditions: string; missing: string[] }[];
}

/** Event types whose firings are the request body, built from `payload` (upstream ConstructPayload). */
const PAYLOAD_TRIGGERS = new Set(['http', 'awsLambda', 'nats', 'slack', 'eventBridge', 'kafka', 'pulsar']);

const show = (text: string, max = 120) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** One line per configured filter saying what it saw and decided (the verdict itself is the engine's). */
export function explainFilters(dependency: EventDependency, event: SensorEvent): string[] {
  const filters = dependency.filters;
  if (!filters) return ['no filters: every event passes'];
  const lines: string[] = [];
  const json = dataText(event);
  const operator = filters.dataLogicalOperator ?? 'and';
  filters.data?.forEach((filter, i) => {
    const actual = get(json, filter.path);
    const seen = actual.exists ? show(actual.raw) : 'missing';
    const verdict = evaluateDataFilter(filter, json, operator);
    const wanted = `${filter.type}${filter.comparator ? ` ${filter.comparator}` : ''} ${JSON.stringify(filter.value)}`;
    let why = '';
    if (verdict.kind === 'pass' && filter.type === 'string' && (filter.comparator ?? '') !== '!=') {
      const text = actual.string();
      const hit = filter.value.find((v) => {
        try {
          return compileRegex(v).test(text);
        } catch {
          return false;
        }
      });
      if (hit !== undefined) {
        why =
          hit.startsWith('^') && hit.endsWith('$')
            ? ` (matches ${hit})`
            : ` (regex ${hit} found in it, unanchored)`;
      }
    }
    const outcome =
      verdict.kind === 'pass'
        ? `passed${why}`
        : verdict.kind === 'fail'
          ? 'failed: no value matched'
          : `error: ${verdict.message}`;
    lines.push(`data[${i}] ${filter.path} is ${seen}; wanted ${wanted}: ${outcome}`);
  });
  filters.exprs?.forEach((expr, i) => {
    const fields = expr.fields.map((f) => {
      const value = get(json, f.path);
      return `${f.name}=${value.exists ? show(value.raw, 60) : 'missing'}`;
    });
    const result = evaluateExprFilters([expr], json, 'and');
    const outcome = result.error
      ? `error: ${result.error}`
      : result.pass
        ? 'passed (true)'
        : 'failed (false)';
    lines.push(`exprs[${i}] ${expr.expr} with ${fields.join(', ') || 'no fields'}: ${outcome}`);
  });
  if (filters.context) {
    const result = evaluateContextFilter(filters.context, event.context);
    const wanted = Object.entries(filters.context)
      .filter(([, v]) => v)
      .map(([k, v]) => `${k}=${v} (event: ${event.context[k as keyof typeof event.context] ?? 'none'})`);
    lines.push(`context ${wanted.join(', ')}: ${result.pass ? 'passed' : 'failed'}`);
  }
  if (filters.time) {
    const result = evaluateTimeFilter(filters.time, event.context.time);
    const range = `${filters.time.start}–${filters.time.stop} ${filters.time.timezone ?? 'UTC'}`;
    lines.push(
      `time ${range} at ${event.context.time}: ${result.error ? `error: ${result.error}` : result.pass ? 'passed' : 'failed'}`,
    );
  }
  if (filters.script) lines.push('script: evaluated (Lua); see the dependency verdict');
  if (lines.length > 1 || dependency.filtersLogicalOperator === 'or') {
    lines.push(
      `combined with filtersLogicalOperator ${dependency.filtersLogicalOperator ?? 'and'}${filters.data && filters.data.length > 1 ? `, dataLogicalOperator ${operator}` : ''}`,
    );
  }
  return lines;
}

/** The object a k8s/argoWorkflow trigger starts from. */
function sourceResource(spec: { source?: { resource?: unknown; inline?: string } }): unknown {
  return spec.source?.resource ?? spec.source?.inline;
}

function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function parsePayload(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Renders one firing with the trigger type's pure render (or the payload/resource rules for types not built yet). */
export function renderFiring(
  template: TriggerTemplate,
  parameters: readonly TriggerParameter[] | undefined,
  events: FiredEvents,
  context: RenderContext,
): Render {
  // Trigger-level parameters write into the template itself, as runTrigger does.
  const applied = applyParameters<TriggerTemplate>(template, parameters, events);
  const { key, spec } = triggerTypeOf(applied);
  if (PAYLOAD_TRIGGERS.has(key)) {
    const payload = (spec as { payload?: TriggerParameter[] }).payload;
    return { kind: key, resource: null, payload: parsePayload(constructPayload(payload, events)) };
  }
  const type = triggerTypes[key];
  if (type) {
    const request = type.render(spec as never, events, context) as Record<string, unknown>;
    const object = asObject(request.object) ?? asObject(request.resource);
    return object
      ? { kind: key, resource: object, payload: null }
      : { kind: key, resource: null, payload: request };
  }
  if (key === 'argoWorkflow') {
    const typed = spec as {
      source?: { resource?: unknown; inline?: string };
      parameters?: TriggerParameter[];
    };
    let resource = sourceResource(typed);
    // Inline YAML is parsed the way the k8s trigger does; an error surfaces as a trigger error.
    if (typeof resource === 'string') resource = parseYaml(resource);
    return {
      kind: key,
      resource: asObject(applyParameters(resource, typed.parameters, events)),
      payload: null,
    };
  }
  throw new Error(`trigger type "${key}" cannot be rendered yet`);
}

/** Seconds-precision time of the latest fired event: the firing's deterministic "now". */
function firingTime(events: FiredEvents): Date {
  const times = Object.values(events)
    .map((e) => Date.parse(e.context.time))
    .filter((t) => !Number.isNaN(t));
  return new Date(times.length ? Math.max(...times) : 0);
}

/** Runs `sensor` over `events` in order and reports what each dependency decided and each trigger would do. */
export async function simulateSensor(sensor: Sensor, events: readonly SensorEvent[]): Promise<Simulation> {
  const compiled = compileSensor(sensor);
  const store = new MemoryStateStore();
  const report: TestReport = {
    sensor: compiled.name,
    events: [],
    triggers: compiled.triggers.map((t) => ({ name: t.name, fired: 0, errors: [], renders: [] })),
  };
  const narrative: Narrative[] = [];

  for (const event of events) {
    const routed = compiled.routes.get(`${event.context.source}.${event.context.subject}`) ?? [];
    const entry: TestReport['events'][number] = { id: event.context.id, dependencies: [] };
    const story: Narrative = { event, dependencies: [], fired: [] };
    const transformed = new Map<string, SensorEvent>();
    for (const dependency of routed) {
      const judgement = await evaluateDependency(dependency, event);
      transformed.set(dependency.name, judgement.event);
      entry.dependencies.push({
        name: dependency.name,
        passed: judgement.pass,
        error: judgement.error ?? null,
      });
      const verdict = judgement.error
        ? `${judgement.pass ? 'passed' : 'dropped'} with error: ${judgement.error}`
        : judgement.pass
          ? 'passed'
          : 'filtered out';
      story.dependencies.push({
        name: dependency.name,
        verdict,
        lines: explainFilters(dependency, judgement.event),
      });
    }
    report.events.push(entry);
    narrative.push(story);

    const passedNames = entry.dependencies.filter((d) => d.passed).map((d) => d.name);
    if (passedNames.length === 0) continue;
    const firings = await advanceConditions(compiled, event, passedNames, store);
    for (const raw of firings) {
      const firing: Firing = {
        ...raw,
        events: Object.fromEntries(
          Object.entries(raw.events).map(([name, e]) => [
            name,
            e.context.id === event.context.id ? (transformed.get(name) ?? e) : e,
          ]),
        ),
      };
      const key = firingKey(compiled, firing);
      if (await store.isDone(key)) continue;
      await store.markDone(key, Number.MAX_SAFE_INTEGER);
      await clearConsumed(store, compiled.name, firing);
      const target = report.triggers.find((t) => t.name === firing.trigger.name)!;
      target.fired++;
      const context: RenderContext = {
        sensorName: compiled.name,
        sensorNamespace: compiled.namespace,
        triggerName: firing.trigger.name,
        eventIds: [...new Set(Object.values(firing.events).map((e) => e.context.id))].sort(),
        now: firingTime(firing.events),
      };
      try {
        const render = renderFiring(
          firing.trigger.trigger.template,
          firing.trigger.trigger.parameters,
          firing.events,
          context,
        );
        target.renders.push(render);
        story.fired.push({ trigger: firing.trigger.name, render, error: undefined });
      } catch (err) {
        target.errors.push(errorMessage(err));
        story.fired.push({ trigger: firing.trigger.name, render: undefined, error: errorMessage(err) });
      }
    }
  }

  const waiting: Simulation['waiting'] = [];
  for (const trigger of compiled.triggers) {
    if (!trigger.condition.needsState) continue;
    const state = await store.load(compiled.name, trigger.name);
    const saved = Object.keys(state.events);
    if (saved.length === 0) continue;
    waiting.push({
      trigger: trigger.name,
      conditions: trigger.trigger.template.conditions ?? trigger.condition.dependencies.join(' && '),
      missing: trigger.condition.dependencies.filter((d) => !saved.includes(d)),
    });
  }
  return { report, narrative, waiting };
}

/** Drops the saved events a firing consumed (the engine's clearConsumed, which is not exported). */
async function clearConsumed(store: MemoryStateStore, sensor: string, firing: Firing): Promise<void> {
  if (firing.revision === undefined) return;
  const state = await store.load(sensor, firing.trigger.name);
  const remaining = Object.fromEntries(
    Object.entries(state.events).filter(
      ([name, saved]) => firing.events[name]?.context.id !== saved.context.id,
    ),
  );
  await store.compareAndSet(sensor, firing.trigger.name, remaining, state.revision);
}
