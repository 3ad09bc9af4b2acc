/**
 * The webhook handler in-process (issue 3): `ingest.handle` with the memory bus against a loop that only
 * verifies the HMAC and parses the JSON of the same request. Interleaved rounds, medians.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { openBus } from '../../../lib/bus/index.ts';
import { headerValue } from '../../../lib/events/headers.ts';
import { loadManifests } from '../../../lib/manifests/index.ts';
import { createLocalSecretResolver } from '../../../lib/secrets/local.ts';
import type { HttpRequest } from '../../../lib/sources/http.ts';
import { createIngest } from '../../../lib/sources/ingest.ts';
import type { Suite } from '../support/context.ts';
import { BENCH_SECRET, benchManifests, pushBody, pushHeaders, SECRET_ENV } from '../support/fixtures.ts';
import { interleave, median, medianRatio, throughput } from '../support/stats.ts';

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

export const ingestHandler: Suite = async (ctx) => {
  const rounds = ctx.quick ? 3 : 7;
  const ms = ctx.quick ? 200 : 400;
  const { handler, floor, rejected } = await prepareHandler(ctx.tmp);
  await handler(ms);
  await floor(ms);
  const samples = await interleave(rounds, { floor: () => floor(ms), handler: () => handler(ms) });
  if (rejected() > 0) throw new Error(`ingest.handle refused ${rejected()} valid requests`);
  const ratio = medianRatio(samples.handler!, samples.floor!);
  return [
    {
      suite: 'ingest-handler',
      name: 'ingest.handle in-process, memory bus',
      value: median(samples.handler!),
      unit: 'req/s',
      floor: { name: 'HMAC+parse loop', value: median(samples.floor!) },
      ratio,
      goal: { text: '≥ 70% of floor', met: ratio >= 0.7 },
    },
  ];
};
