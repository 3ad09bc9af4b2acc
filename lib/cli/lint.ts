/**
 * Footgun lints for `outrigger validate` (issue 8, semantics §10): manifests that load but probably do not
 * do what their author meant. Every finding is a warning positioned like a load error.
 */
import { parse as parseYaml } from 'yaml';
import type { ManifestIssue } from '../errors.ts';
import { canonicalHeaderKey } from '../events/headers.ts';
import type {
  EventDependency,
  EventSource,
  ManifestSet,
  Sensor,
  Trigger,
  TriggerParameter,
} from '../manifests/types.ts';
import type { FieldPath, ManifestLocator } from './positions.ts';
import { formatPath } from './positions.ts';

/** Source types whose event data names the headers `headers` (plural); `webhook` names them `header`. */
const HEADER_ROOT: Readonly<Record<string, 'header' | 'headers'>> = {
  webhook: 'header',
  github: 'headers',
  gitlab: 'headers',
  bitbucket: 'headers',
  bitbucketserver: 'headers',
};

/** Letters, digits and `/._-` only: a value that reads like an exact string, not a pattern. */
const PLAIN = /^[A-Za-z0-9/._-]+$/;
/** Plain text with `*` used as a glob (`refs/heads/release/*`). */
const GLOBBY = /^[A-Za-z0-9/_-][A-Za-z0-9/._*-]*$/;

/** gjson path components: split on `.` not escaped by `\`. */
export function pathSegments(path: string): string[] {
  return path.split(/(?<!\\)\./);
}

const regexEscape = (text: string) => text.replace(/[.]/g, '\\.');

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length]!;
}

/** The closest of `options` to `word` when it is a likely typo (edit distance ≤ 2). */
function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let distance = 3;
  for (const option of options) {
    const d = levenshtein(word.toLowerCase(), option.toLowerCase());
    if (d < distance) {
      best = option;
      distance = d;
    }
  }
  return best;
}

/** Collects warnings with positions found through the locator. */
class Findings {
  readonly issues: ManifestIssue[] = [];

  constructor(
    private readonly set: ManifestSet,
    private readonly locator: ManifestLocator,
  ) {}

  warn(kind: string, name: string, path: FieldPath, message: string): void {
    const file = this.set.origins[`${kind}/${name}`]?.file ?? '<manifests>';
    const { line, column } = this.locator.locate(file, kind, name, path);
    this.issues.push({ file, line, column, path: formatPath(path), message, severity: 'warning' });
  }
}

/** The unanchored-regex footgun of a string data filter value (Argo issue 1515). */
export function unanchoredValueMessage(value: string, comparator = ''): string | undefined {
  if (value.startsWith('^') || value.endsWith('$')) return undefined;
  if (PLAIN.test(value)) {
    const effect = comparator === '!=' ? 'also rejects' : 'also matches';
    return `\`${value}\` is a regular expression matched anywhere in the value: it ${effect} \`${value}-old\`; write \`^${regexEscape(value)}$\` for an exact match`;
  }
  if (GLOBBY.test(value) && value.includes('*') && !value.includes('.*')) {
    const suggestion = `^${regexEscape(value).replaceAll('*', '.*')}$`;
    return `\`${value}\` is a regular expression, not a glob: \`*\` repeats the character before it and the match is unanchored; write \`${suggestion}\``;
  }
  return undefined;
}

function lintDataFilters(sensor: Sensor, index: number, dependency: EventDependency, out: Findings): void {
  const name = sensor.metadata.name;
  dependency.filters?.data?.forEach((filter, f) => {
    if (filter.type !== 'string' || filter.template) return;
    const comparator = filter.comparator ?? '';
    if (comparator !== '' && comparator !== '=' && comparator !== '!=') return;
    filter.value.forEach((value, v) => {
      const message = unanchoredValueMessage(value, comparator);
      if (message) {
        out.warn('Sensor', name, ['spec', 'dependencies', index, 'filters', 'data', f, 'value', v], message);
      }
    });
  });
}

/** The source type serving `eventName` of an EventSource. */
function sourceTypeOf(eventSource: EventSource, eventName: string): string | undefined {
  for (const [type, events] of Object.entries(eventSource.spec)) {
    if (type === 'eventBusName' || typeof events !== 'object' || events === null) continue;
    if (Object.hasOwn(events, eventName)) return type;
  }
  return undefined;
}

/** What is wrong with a header path for a source type, or undefined when it is fine. */
export function headerPathMessage(path: string, sourceType: string): string | undefined {
  const root = HEADER_ROOT[sourceType];
  if (!root) return undefined;
  const [first, header, ...rest] = pathSegments(path);
  if (first !== 'header' && first !== 'headers') return undefined;
  const canonical =
    header !== undefined && /^[!#$%&'+\-^_`|~0-9A-Za-z]+$/.test(header) ? canonicalHeaderKey(header) : header;
  const fixed = [root, canonical, ...rest].filter((s) => s !== undefined).join('.');
  if (first !== root) {
    return `a ${sourceType} event names its headers \`${root}\`, not \`${first}\`: \`${path}\` never exists; write \`${fixed}\``;
  }
  if (header !== undefined && canonical !== header) {
    return `header names are stored in Go's canonical case (\`${canonical}\`): \`${path}\` never exists; write \`${fixed}\``;
  }
  return undefined;
}

function lintHeaderPaths(set: ManifestSet, sensor: Sensor, out: Findings): void {
  const name = sensor.metadata.name;
  const typeOf = new Map<string, string | undefined>();
  sensor.spec.dependencies.forEach((dependency, d) => {
    const eventSource = set.eventSources.find((es) => es.metadata.name === dependency.eventSourceName);
    // Without the EventSource the data shape is unknown: say nothing rather than guess.
    const type = eventSource ? sourceTypeOf(eventSource, dependency.eventName) : undefined;
    typeOf.set(dependency.name, type);
    if (!type) return;
    const check = (path: string, at: FieldPath) => {
      const message = headerPathMessage(path, type);
      if (message) out.warn('Sensor', name, at, message);
    };
    const base = ['spec', 'dependencies', d, 'filters'];
    dependency.filters?.data?.forEach((filter, f) => {
      check(filter.path, [...base, 'data', f, 'path']);
    });
    dependency.filters?.exprs?.forEach((expr, e) => {
      expr.fields.forEach((field, i) => {
        check(field.path, [...base, 'exprs', e, 'fields', i, 'path']);
      });
    });
  });
  const checkParameters = (parameters: readonly TriggerParameter[] | undefined, at: FieldPath) =>
    parameters?.forEach((parameter, p) => {
      const type = typeOf.get(parameter.src.dependencyName);
      const key = parameter.src.dataKey;
      if (!type || key === undefined) return;
      const message = headerPathMessage(key, type);
      if (message) out.warn('Sensor', name, [...at, p, 'src', 'dataKey'], message);
    });
  sensor.spec.triggers.forEach((trigger, t) => {
    checkParameters(trigger.parameters, ['spec', 'triggers', t, 'parameters']);
    for (const key of ['k8s', 'argoWorkflow'] as const) {
      checkParameters(trigger.template[key]?.parameters, [
        'spec',
        'triggers',
        t,
        'template',
        key,
        'parameters',
      ]);
    }
    for (const key of ['http', 'awsLambda', 'nats', 'slack'] as const) {
      const spec = trigger.template[key] as { payload?: TriggerParameter[] } | undefined;
      checkParameters(spec?.payload, ['spec', 'triggers', t, 'template', key, 'payload']);
    }
  });
}

/** The object a k8s/argoWorkflow trigger writes parameters into, when it is known before any event. */
function resourceOf(trigger: Trigger, key: 'k8s' | 'argoWorkflow'): Record<string, unknown> | undefined {
  const source = trigger.template[key]?.source;
  let value: unknown = source?.resource;
  if (value === undefined && source?.inline !== undefined) {
    try {
      value = parseYaml(source.inline);
    } catch {
      return undefined;
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function lintDestinations(sensor: Sensor, out: Findings): void {
  const name = sensor.metadata.name;
  sensor.spec.triggers.forEach((trigger, t) => {
    for (const key of ['k8s', 'argoWorkflow'] as const) {
      const resource = resourceOf(trigger, key);
      if (!resource) continue;
      const fields = Object.keys(resource);
      trigger.template[key]?.parameters?.forEach((parameter, p) => {
        const first = pathSegments(parameter.dest)[0] ?? '';
        if (first === '' || Object.hasOwn(resource, first)) return;
        const guess = closest(first, fields);
        const hint = guess
          ? `did you mean \`${[guess, ...pathSegments(parameter.dest).slice(1)].join('.')}\`?`
          : `it has ${fields.map((f) => `\`${f}\``).join(', ')}`;
        out.warn(
          'Sensor',
          name,
          ['spec', 'triggers', t, 'template', key, 'parameters', p, 'dest'],
          `\`${parameter.dest}\` names no field of the resource (\`${first}\` is not one of its top-level fields; ${hint}); the value would be written beside the object, not into it`,
        );
      });
    }
    // Trigger-level parameters write into the template: `k8s.source.resource…`, not `spec…` (Argo issue 1855).
    trigger.parameters?.forEach((parameter, p) => {
      const first = pathSegments(parameter.dest)[0] ?? '';
      const fields = Object.keys(trigger.template);
      if (first === '' || fields.includes(first)) return;
      const typeKey = fields.find((f) => f !== 'name' && f !== 'conditions' && f !== 'conditionsReset');
      const hint =
        typeKey === 'k8s' || typeKey === 'argoWorkflow'
          ? `; to set a field of the resource write \`${typeKey}.source.resource.${parameter.dest}\` or move the parameter under \`template.${typeKey}.parameters\``
          : '';
      out.warn(
        'Sensor',
        name,
        ['spec', 'triggers', t, 'parameters', p, 'dest'],
        `trigger-level \`dest\` is relative to the template, which has no field \`${first}\`${hint}`,
      );
    });
  });
}

/** Runs every lint over a loaded set; `locator` positions the findings in their files. */
export function lintManifests(set: ManifestSet, locator: ManifestLocator): ManifestIssue[] {
  const out = new Findings(set, locator);
  for (const sensor of set.sensors) {
    sensor.spec.dependencies.forEach((dependency, d) => {
      lintDataFilters(sensor, d, dependency, out);
    });
    lintHeaderPaths(set, sensor, out);
    lintDestinations(sensor, out);
  }
  return out.issues;
}
