/**
 * The public vectors of sections G2 (payload construction) and L (reliability, policy) of
 * ../shared/conformance/argo-vectors.yaml, run through the trigger modules: payloads through
 * lib/triggers/payload.ts, resource parameters through the http and awsLambda renderers, status policies
 * through the runner against a loopback HTTP server. Validation-only vectors belong to the manifest loader.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isRetryable } from '../../lib/errors.ts';
import type { SensorEvent } from '../../lib/events/envelope.ts';
import { get } from '../../lib/expr/gjson.ts';
import type { Trigger, TriggerParameter } from '../../lib/manifests/types.ts';
import { type AwsLambdaTriggerSpec, awsLambdaTrigger } from '../../lib/triggers/aws-lambda/index.ts';
import { type HttpTriggerSpec, httpTrigger } from '../../lib/triggers/http/index.ts';
import { constructPayload } from '../../lib/triggers/payload.ts';
import { runTrigger } from '../../lib/triggers/run.ts';
import type { FiredEvents } from '../../lib/triggers/types.ts';
import { sharedPath } from '../support/shared.ts';
import { event, type HttpSink, renderContext, startHttpSink } from './fixtures.ts';

type Vector = Record<string, unknown> & { id: string; section: string };

const all = parse(readFileSync(sharedPath('conformance/argo-vectors.yaml'), 'utf8')) as Vector[];
const byId = new Map(all.map((v) => [v.id, v]));
const sectionOf = (v: Vector) => v.section.split('.')[0] ?? '';
const vectors = all.filter((v) => sectionOf(v) === 'G2' || sectionOf(v) === 'L');
const context = renderContext();

function firedEvents(data: unknown): FiredEvents {
  const out: Record<string, SensorEvent> = {};
  for (const [name, value] of Object.entries(data as Record<string, unknown>)) out[name] = event('1', value);
  return out;
}

/** PL-02 is "PL-01 with the first two dataKeys unknown": built from PL-01 as it says. */
function payloadInputs(vector: Vector): { events: FiredEvents; spec: TriggerParameter[] } {
  const source = vector.events === 'same as PL-01' ? (byId.get('PL-01') as Vector) : vector;
  const spec = structuredClone(source.spec as TriggerParameter[]);
  if (source !== vector) for (const parameter of spec.slice(0, 2)) parameter.src.dataKey = 'unknown';
  return { events: firedEvents(source.events), spec };
}

function expectPaths(json: string, expected: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(expected)) {
    const result = get(json, key);
    expect(result.exists, key).toBe(true);
    expect(JSON.parse(result.raw), key).toEqual(value);
  }
}

let sink: HttpSink;
beforeAll(async () => {
  sink = await startHttpSink();
});
afterAll(() => sink.close());

type Runner = (vector: Vector) => void | Promise<void>;

const runners: Record<string, Runner> = {
  'PL-01': (vector) => {
    const { events, spec } = payloadInputs(vector);
    expectPaths(constructPayload(spec, events) ?? '', vector.expect as Record<string, unknown>);
  },
  'PL-02': (vector) => runners['PL-01']?.(vector),
  'PL-03': (vector) => runners['PL-01']?.(vector),
  'PL-04': (vector) => {
    const http = (vector.spec as { http: HttpTriggerSpec }).http;
    const request = httpTrigger.render(http, firedEvents(vector.events), context);
    for (const part of (vector.expect as { body_contains: string[] }).body_contains)
      expect(request.body).toContain(part);
  },
  'PL-06': (vector) => {
    const http = {
      ...(vector.trigger as { http: HttpTriggerSpec }).http,
      parameters: (vector.spec as { parameters: TriggerParameter[] }).parameters,
    };
    const request = httpTrigger.render(http, firedEvents(vector.events), context);
    expect(request).toMatchObject(vector.expect as Record<string, unknown>);
  },
  'PL-07': (vector) => {
    const spec: AwsLambdaTriggerSpec = {
      functionName: 'placeholder',
      region: 'placeholder',
      parameters: (vector.spec as { parameters: TriggerParameter[] }).parameters,
    };
    const request = awsLambdaTrigger.render(spec, firedEvents(vector.events), context);
    expect(request).toMatchObject(vector.expect as Record<string, unknown>);
  },
  'RL-01': async (vector) => {
    sink.answer({ status: vector.response_status as number });
    const trigger: Trigger = {
      template: { name: 'notify', http: { url: `${sink.url}/` } },
      policy: (vector.spec as { policy: Trigger['policy'] }).policy,
    } as Trigger;
    const expected = vector.expect as { attempt_ok: boolean; error?: string };
    const result = await runTrigger(trigger, {}, context, {}).then(
      () => undefined,
      (err: unknown) => err,
    );
    if (expected.attempt_ok) expect(result).toBeUndefined();
    else {
      expect((result as Error).message).toBe(expected.error);
      expect(isRetryable(result)).toBe(false);
    }
  },
  'RL-02': (vector) => runners['RL-01']?.(vector),
};

/** Vectors the manifest loader asserts (test/manifests): validation messages, not trigger behaviour. */
const belongsElsewhere: Record<string, string> = {
  'PL-05': 'an empty k8s parameter dest is refused at load time',
  'RL-08': 'dlqTrigger needs atLeastOnce on the trigger (validation)',
  'RL-09': 'dlqTrigger needs its own atLeastOnce (validation)',
  'RL-10': 'duplicate trigger names (validation)',
  'RL-11': 'conditionsReset cron is checked at load time',
};

describe('Argo Events vectors of sections G2 and L through the triggers', () => {
  it('accounts for every vector of the two sections', () => {
    // Act
    const unaccounted = vectors.filter((v) => !runners[v.id] && !belongsElsewhere[v.id]).map((v) => v.id);

    // Assess
    expect(vectors.length).toBeGreaterThanOrEqual(10);
    expect(unaccounted).toEqual([]);
  });

  for (const vector of vectors.filter((v) => runners[v.id])) {
    it(`${vector.id}: ${String(vector.from)}`, async () => {
      // Act and assess
      await runners[vector.id]?.(vector);
    });
  }
});
