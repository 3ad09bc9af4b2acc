import { describe, expect, it } from 'vitest';
import { TriggerError } from '../../lib/errors.ts';
import type { SensorEvent } from '../../lib/events/envelope.ts';
import type { TriggerParameter } from '../../lib/manifests/types.ts';
import {
  applyParameters,
  applyParametersToJson,
  constructPayload,
  resolveParameter,
} from '../../lib/sensors/parameters.ts';

const push: SensorEvent = {
  context: {
    id: 'a1b2',
    source: 'github-webhook',
    specversion: '1.0',
    type: 'github',
    datacontenttype: 'application/json',
    subject: 'github-push',
    time: '2024-05-01T10:00:00Z',
  },
  data: {
    headers: { 'X-Github-Event': ['push'] },
    body: {
      ref: 'refs/heads/main',
      after: '9f3c2b1a0d',
      size: 1234567,
      forced: false,
      deleted: null,
      repository: { full_name: 'myorg/backend-api', topics: ['ci', 'go'] },
    },
  },
};
const events = { push };
const src = (fields: Record<string, unknown>) => ({ dependencyName: 'push', ...fields });

describe('resolving a parameter source', () => {
  it.each([
    ['a dataKey string', { dataKey: 'body.ref' }, 'refs/heads/main', 'String'],
    ['a dataKey number', { dataKey: 'body.size' }, '1234567', 'Number'],
    ['a dataKey false', { dataKey: 'body.forced' }, 'false', 'False'],
    ['a dataKey null as its raw text', { dataKey: 'body.deleted' }, 'null', 'Null'],
    ['a dataKey object as raw JSON', { dataKey: 'body.repository.topics' }, '["ci","go"]', 'JSON'],
    ['a gjson query', { dataKey: 'body.repository.topics.#' }, '2', 'Number'],
    ['a header array element', { dataKey: 'headers.X-Github-Event.0' }, 'push', 'String'],
    ['a contextKey', { contextKey: 'subject' }, 'github-push', 'String'],
    [
      'a contextTemplate',
      { contextTemplate: '{{ .Input.source }}/{{ .Input.subject }}' },
      'github-webhook/github-push',
      'String',
    ],
    [
      'a dataTemplate with sprig',
      { dataTemplate: '{{ .Input.body.after | substr 0 7 }}' },
      '9f3c2b1',
      'String',
    ],
    [
      'a dataTemplate printing a float64',
      { dataTemplate: '{{ .Input.body.size }}' },
      '1.234567e+06',
      'String',
    ],
    ['a literal value', { value: 'fixed' }, 'fixed', 'String'],
  ])('read %s', (_what, fields, text, type) => {
    // Act
    const resolved = resolveParameter(src(fields), events);

    // Assess
    expect(resolved).toEqual({ text, type });
  });

  it('default to the whole event with its data in base64, typed as a string', () => {
    // Act
    const resolved = resolveParameter(src({}), events);

    // Assess
    const whole = JSON.parse(resolved?.text ?? '') as { context: unknown; data: string };
    expect(resolved?.type).toBe('String');
    expect(whole.context).toEqual(push.context);
    expect(JSON.parse(Buffer.from(whole.data, 'base64').toString('utf8'))).toEqual(push.data);
  });

  it('prefer data selectors and never fall back to context ones', () => {
    // Act
    const dataWins = resolveParameter(src({ dataKey: 'body.ref', contextKey: 'subject' }), events);
    const noFallback = () => resolveParameter(src({ dataKey: 'body.nope', contextKey: 'subject' }), events);

    // Assess
    expect(dataWins?.text).toBe('refs/heads/main');
    expect(noFallback).toThrow(
      "unable to resolve 'push' parameter value. err: key body.nope does not exist to in the event payload",
    );
  });

  it('fall back from a template to the key, then to the value', () => {
    // Act
    const toKey = resolveParameter(src({ dataTemplate: '{{ .Input.nope }}', dataKey: 'body.after' }), events);
    const toValue = resolveParameter(
      src({ dataTemplate: '{{ .Input.nope }}', dataKey: 'body.nope', value: 'default' }),
      events,
    );

    // Assess
    expect(toKey).toEqual({ text: '9f3c2b1a0d', type: 'String' });
    expect(toValue).toEqual({ text: 'default', type: 'String' });
  });

  it('keep a template output that merely contains <no value>', () => {
    // Act
    const resolved = resolveParameter(src({ dataTemplate: 'x-{{ .Input.nope }}' }), events);

    // Assess
    expect(resolved?.text).toBe('x-<no value>');
  });

  it('use the value, or skip, when the dependency did not fire', () => {
    // Act
    const withDefault = resolveParameter({ dependencyName: 'other', dataKey: 'a', value: 'd' }, events);
    const skipped = resolveParameter({ dependencyName: 'other', dataKey: 'a' }, events);

    // Assess
    expect(withDefault).toEqual({ text: 'd', type: 'String' });
    expect(skipped).toBeUndefined();
  });

  it('fail with a non-retryable TriggerError when nothing resolves', () => {
    // Act
    let caught: unknown;
    try {
      resolveParameter(src({ dataKey: 'body.nope' }), events);
    } catch (err) {
      caught = err;
    }

    // Assess
    expect(caught).toBeInstanceOf(TriggerError);
    expect((caught as TriggerError).retryable).toBe(false);
  });
});

describe('writing parameters', () => {
  const param = (fields: Record<string, unknown>, dest: string, extra: Partial<TriggerParameter> = {}) =>
    ({ src: src(fields), dest, ...extra }) as TriggerParameter;

  it("fill the article's Job env values by index", () => {
    // Prepare
    const job = {
      spec: { template: { spec: { containers: [{ env: [{ name: 'COMMIT_SHA', value: '' }] }] } } },
    };

    // Act
    const out = applyParameters(
      job,
      [param({ dataKey: 'body.after' }, 'spec.template.spec.containers.0.env.0.value')],
      events,
    );

    // Assess
    expect(out.spec.template.spec.containers[0]?.env[0]).toEqual({ name: 'COMMIT_SHA', value: '9f3c2b1a0d' });
    expect(job.spec.template.spec.containers[0]?.env[0]?.value).toBe('');
  });

  it.each([
    ['append', 'build-', 'build-refs/heads/main'],
    ['prepend', '-build', 'refs/heads/main-build'],
    ['overwrite', 'build-', 'refs/heads/main'],
    ['', 'build-', 'refs/heads/main'],
  ] as const)('%s onto an existing string', (operation, existing, expected) => {
    // Act
    const out = applyParameters(
      { name: existing },
      [param({ dataKey: 'body.ref' }, 'name', { operation })],
      events,
    );

    // Assess
    expect(out).toEqual({ name: expected });
  });

  it('append onto a missing dest as an overwrite that keeps raw data', () => {
    // Act
    const out = applyParameters(
      {},
      [param({ dataKey: 'body.size', useRawData: true }, 'size', { operation: 'append' })],
      events,
    );

    // Assess
    expect(out).toEqual({ size: 1234567 });
  });

  it('append a number onto an existing value as text', () => {
    // Act
    const out = applyParameters(
      { label: 'size-' },
      [param({ dataKey: 'body.size', useRawData: true }, 'label', { operation: 'append' })],
      events,
    );

    // Assess
    expect(out).toEqual({ label: 'size-1234567' });
  });

  it.each([
    ['a number', 'body.size', 1234567, '1234567'],
    ['false', 'body.forced', false, 'false'],
    ['null', 'body.deleted', null, 'null'],
    ['an object', 'body.repository', { full_name: 'myorg/backend-api', topics: ['ci', 'go'] }, null],
    ['a string', 'body.ref', 'refs/heads/main', 'refs/heads/main'],
  ])('write %s raw with useRawData and as a string without', (_what, dataKey, raw, asString) => {
    // Act
    const rawOut = applyParameters({}, [param({ dataKey, useRawData: true }, 'v')], events);
    const stringOut = applyParameters<{ v?: unknown }>({}, [param({ dataKey }, 'v')], events);

    // Assess
    expect(rawOut).toEqual({ v: raw });
    expect(typeof stringOut.v).toBe('string');
    if (asString !== null) expect(stringOut.v).toBe(asString);
  });

  it('apply parameters in order, each seeing the previous writes', () => {
    // Prepare
    const parameters = [
      param({ value: 'ci-' }, 'metadata.name'),
      param({ dataKey: 'body.after' }, 'metadata.name', { operation: 'append' }),
    ];

    // Act
    const out = applyParametersToJson('{}', parameters, events);

    // Assess
    expect(JSON.parse(out)).toEqual({ metadata: { name: 'ci-9f3c2b1a0d' } });
  });

  it('create arrays padded with null for numeric keys', () => {
    // Act
    const out = applyParameters({}, [param({ dataKey: 'body.ref' }, 'args.2')], events);

    // Assess
    expect(out).toEqual({ args: [null, null, 'refs/heads/main'] });
  });

  it('refuse an unknown operation', () => {
    // Act
    const run = () =>
      applyParameters({}, [param({ dataKey: 'body.ref' }, 'x', { operation: 'merge' as 'append' })], events);

    // Assess
    expect(run).toThrow('unsupported trigger parameter operation: merge');
  });
});

describe('constructing a payload', () => {
  it('build a JSON body from the entries', () => {
    // Act
    const body = constructPayload(
      [
        { src: src({ dataKey: 'body.after' }), dest: 'sha' },
        { src: src({ dataKey: 'body.size', useRawData: true }), dest: 'size' },
        { src: src({ contextKey: 'id' }), dest: 'event.id' },
      ],
      events,
    );

    // Assess
    expect(JSON.parse(body ?? '')).toEqual({ sha: '9f3c2b1a0d', size: 1234567, event: { id: 'a1b2' } });
  });

  it('use an entry with an empty dest as the whole body', () => {
    // Act
    const body = constructPayload(
      [
        { src: src({ dataKey: 'body.repository' }), dest: '' },
        { src: src({ dataKey: 'body.ref' }), dest: 'ignored' },
      ],
      events,
    );

    // Assess
    expect(JSON.parse(body ?? '')).toEqual({ full_name: 'myorg/backend-api', topics: ['ci', 'go'] });
  });

  it('give no body without entries and skip entries whose dependency did not fire', () => {
    // Act
    const empty = constructPayload([], events);
    const skipped = constructPayload(
      [
        { src: { dependencyName: 'other', dataKey: 'x' }, dest: 'x' },
        { src: src({ dataKey: 'body.ref' }), dest: 'ref' },
      ],
      events,
    );

    // Assess
    expect(empty).toBeUndefined();
    expect(JSON.parse(skipped ?? '')).toEqual({ ref: 'refs/heads/main' });
  });
});
