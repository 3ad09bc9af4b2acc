import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { get } from '../../lib/expr/gjson.ts';
import { sharedPath } from '../support/shared.ts';

interface Vector {
  id: string;
  data?: unknown;
  spec?: unknown;
}

const vectors = parseYaml(readFileSync(sharedPath('conformance/argo-vectors.yaml'), 'utf8')) as Vector[];

/** Every `path` string under a spec (data filters sit at several depths). */
function pathsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) pathsIn(item, out);
  } else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'path' && typeof v === 'string') out.push(v);
      else pathsIn(v, out);
    }
  }
  return out;
}

function walk(value: unknown, keys: string[]): unknown {
  let cur = value;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, k)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

const SIMPLE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

const filterPaths = vectors.flatMap((v) =>
  v.data !== undefined && v.data !== null && typeof v.data === 'object'
    ? pathsIn(v.spec).map((path) => [v.id, path, v.data] as const)
    : [],
);

describe('gjson on the Argo Events conformance vectors', () => {
  it('finds data filter paths in the corpus', () => {
    expect(filterPaths.length).toBeGreaterThan(20);
  });

  it.each(filterPaths.filter(([, path]) => SIMPLE.test(path)))(
    '%s: path %s reads what the event data holds',
    (_id, path, data) => {
      // Prepare
      const json = JSON.stringify(data);
      const want = walk(data, path.split('.'));
      // Act
      const res = get(json, path);
      // Assess
      expect(res.exists).toBe(want !== undefined);
      if (want !== undefined) expect(res.value()).toEqual(want);
    },
  );

  it('DF-21: a multipath with a query yields the raw text the regex searches', () => {
    // Prepare
    const data = JSON.stringify({ k: 'v', k1: { a: [{ k2: 'v2' }] } });
    // Act
    const res = get(data, '[k,k1.a.#(k2=="v2").k2]');
    // Assess
    expect(res.string()).toBe('["v","v2"]');
  });

  it('DF-22: an empty member of a multipath is skipped', () => {
    // Prepare
    const data = JSON.stringify({ k: 'v', k1: { a: [{ k2: 'v2' }, { k2: 'v3' }] } });
    // Act
    const res = get(data, '[k,k1.a.#(k2=="v2").k2,,k1.a.#(k2=="v3").k2]');
    // Assess
    expect(res.string()).toBe('["v","v2","v3"]');
  });

  it('DF-05: the empty path finds nothing', () => {
    // Act & Assess
    expect(get('{"k":"v"}', '').exists).toBe(false);
  });

  it('GitHub header values are arrays whose raw text a filter regex sees (section 3.3)', () => {
    // Prepare
    const data = JSON.stringify({
      headers: { 'X-Github-Event': ['pull_request'] },
      body: { action: 'opened' },
    });
    // Act
    const header = get(data, 'headers.X-Github-Event');
    // Assess
    expect(header.string()).toBe('["pull_request"]');
    expect(get(data, 'body.action').string()).toBe('opened');
  });

  it('PR-13..PR-16: parameter keys give gjson types with their text form', () => {
    // Prepare
    const data =
      '{"name": {"first": "fake", "last": "user"}, "countries": ["ca", "us", "mx"], "nullable_key": null}';
    // Act
    const first = get(data, 'name.first');
    const name = get(data, 'name');
    const countries = get(data, 'countries');
    const nullable = get(data, 'nullable_key');
    // Assess
    expect([first.type, first.string()]).toEqual(['String', 'fake']);
    expect([name.type, name.raw]).toEqual(['JSON', '{"first": "fake", "last": "user"}']);
    expect([countries.type, countries.raw]).toEqual(['JSON', '["ca", "us", "mx"]']);
    expect([nullable.type, nullable.raw]).toEqual(['Null', 'null']);
  });
});
