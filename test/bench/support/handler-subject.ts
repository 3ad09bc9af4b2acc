/**
 * The subject of the in-process ingest benchmark (issue 3), in a module of its own so that the suite can
 * run it bundled, as deployed functions and `npm start` run their code (see suites/ingest-handler.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { openBus } from '../../../lib/bus/index.ts';
import { headerValue } from '../../../lib/events/headers.ts';
import { loadManifests } from '../../../lib/manifests/index.ts';
import { createLocalSecretResolver } from '../../../lib/secrets/local.ts';
import type { HttpRequest } from '../../../lib/sources/http.ts';
import { createIngest } from '../../../lib/sources/ingest.ts';
import { BENCH_SECRET, benchManifests, pushBody, pushHeaders, SECRET_ENV } from './fixtures.ts';
import { throughput } from './stats.ts';

/** The measured loops: `handler(ms)` and `floor(ms)` return operations per second. */
export async function prepareHandler(tmp: string) {
  const set = await loadManifests([await benchManifests(join(tmp, 'handler'))]);
  const secrets = createLocalSecretResolver({ env: { ...SECRET_ENV }, baseDir: join(tmp, 'no-secrets') });
  const body = pushBody('refs/heads/main');
  const headers = pushHeaders(body, 'template');
  const request = (i: number): HttpRequest => ({
    method: 'POST',
    path: '/push',
    rawQuery: '',
    headers: { ...headers, 'x-github-delivery': `handler-${i}` },
    body,
    port: 12000,
  });

  let rejected = 0;
  let round = 0;
  const handler = async (ms: number) => {
    // The memory bus as the local runner opens it; a fresh one per round so its duplicate window starts empty.
    const ingest = createIngest(set, { bus: await openBus(set, { kind: 'memory' }), secrets });
    const base = ++round * 10_000_000;
    return throughput(async (i) => {
      const response = await ingest.handle(request(base + i));
      if (response.statusCode !== 200) rejected++;
    }, ms);
  };
  const floor = async (ms: number) =>
    throughput((i) => {
      const req = request(i);
      const given = Buffer.from(headerValue(req.headers, 'X-Hub-Signature-256') ?? '');
      const expected = Buffer.from(
        `sha256=${createHmac('sha256', BENCH_SECRET).update(req.body).digest('hex')}`,
      );
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new Error('bad signature');
      return JSON.parse(req.body.toString('utf8'));
    }, ms);
  return { handler, floor, rejected: () => rejected };
}
