/**
 * The HTTP half of the bad-input corpus (test/fixtures/bad/http.yaml): every request is refused with the
 * exact status, error code and message shape, nothing crashes, and nothing reaches a real MemoryBus.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../lib/bus/memory/index.ts';
import { loadManifestText } from '../../lib/manifests/index.ts';
import { createStaticSecretResolver } from '../../lib/secrets/local.ts';
import { createIngest } from '../../lib/sources/ingest.ts';
import { corpusDir, corpusSecrets, httpCases } from './corpus.ts';

const manifestFile = path.join(corpusDir, 'http-eventsource.yaml');
const set = loadManifestText(readFileSync(manifestFile, 'utf8'), manifestFile);
const bus = new MemoryBus();
const logged: Record<string, unknown>[] = [];
const ingest = createIngest(set, {
  bus,
  secrets: createStaticSecretResolver(corpusSecrets),
  log: (entry) => logged.push(entry),
});
const cases = httpCases();

describe('the HTTP bad-input corpus', () => {
  afterEach(() => {
    expect(bus.log).toHaveLength(0);
  });

  it('holds at least 180 distinct requests', () => {
    expect(cases.length).toBeGreaterThanOrEqual(180);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.name, c] as const))('refuses %s', async (_name, c) => {
    // Act
    const response = await ingest.handle(c.request);

    // Assess
    const body = JSON.parse(response.body) as { error: string; message: string };
    expect({ status: response.statusCode, error: body.error }).toEqual({
      status: c.expect.status,
      error: c.expect.error,
    });
    expect(body.message).toMatch(new RegExp(c.expect.message, 'u'));
    expect(Object.keys(body).sort()).toEqual(['error', 'message']);
    if (response.statusCode === 405) expect(response.headers.allow).toMatch(/^(POST|PUT)$/);
  });

  it('logged no internal error for any of them', () => {
    expect(logged.filter((entry) => entry.error === 'InternalError')).toEqual([]);
  });
});
