/**
 * Ingest over HTTP: the local runner (memory bus and JetStream) under autocannon, against a bare node:http
 * server that verifies the HMAC and parses the JSON (the floor) and one that only answers (the ceiling).
 * Every server runs in its own process; the runs are interleaved round by round.
 */
import { join } from 'node:path';
import { startTarget, type Target } from '../support/child.ts';
import type { Suite } from '../support/context.ts';
import { benchManifests, pushBody } from '../support/fixtures.ts';
import { pushLoad } from '../support/load.ts';
import type { BenchRow } from '../support/report.ts';
import { interleave, median, medianRatio } from '../support/stats.ts';

export const ingestHttp: Suite = async (ctx) => {
  const natsWsUrl = await ctx.nats();
  const rounds = ctx.quick ? 2 : 4;
  const seconds = ctx.quick ? 1 : 2.5;
  // A push to a feature branch: the build sensor runs and filters it out, so no trigger I/O competes.
  const body = pushBody('refs/heads/feature/bench');
  const memoryDir = await benchManifests(join(ctx.tmp, 'ingest-memory'));
  const targets: Record<string, Target> = {};
  const peaks: Record<string, number> = {};
  try {
    targets.floor = await startTarget(['floor']);
    targets.ceiling = await startTarget(['ceiling']);
    targets.memory = await startTarget(['runner', memoryDir, join(ctx.tmp, 'ingest-memory-work')]);
    if (natsWsUrl) {
      const dir = await benchManifests(join(ctx.tmp, 'ingest-jetstream'), { jetstreamUrl: natsWsUrl });
      targets.jetstream = await startTarget(['runner', dir, join(ctx.tmp, 'ingest-jetstream-work')]);
      targets.rawNats = await startTarget(['raw-nats', natsWsUrl]);
    }
    // Warm up every server (JIT, connections) before measuring.
    for (const target of Object.values(targets)) await pushLoad(target.url, body, { seconds: 0.5 });

    const failures: Record<string, number> = {};
    const measure = (name: string) => async () => {
      const result = await pushLoad(targets[name]!.url, body, { seconds });
      failures[name] = (failures[name] ?? 0) + result.failures;
      ctx.progress(`  ${name}: ${result.rps.toFixed(0)} req/s (p99 ${result.p99Ms} ms)`);
      return result.rps;
    };
    const samples = await interleave(
      rounds,
      Object.fromEntries(Object.keys(targets).map((name) => [name, measure(name)])),
    );
    for (const [name, target] of Object.entries(targets)) peaks[name] = await target.peakRss();

    const floor = median(samples.floor!);
    const ceiling = median(samples.ceiling!);
    const rows: BenchRow[] = [
      {
        suite: 'ingest-http',
        name: 'bare node:http, HMAC + JSON.parse (floor)',
        value: floor,
        unit: 'req/s',
        floor: { name: 'answer-only ceiling', value: ceiling },
        ratio: medianRatio(samples.floor!, samples.ceiling!),
      },
    ];
    if (samples.rawNats) {
      // The same work written straight against nats.ws: what the JetStream adapter's own code costs or saves.
      rows.push({
        suite: 'ingest-http',
        name: 'raw nats.ws client: bare node:http, HMAC + JSON.parse, js.publish (PubAck awaited), js.fetch + parse + ack in process',
        value: median(samples.rawNats),
        unit: 'req/s',
        floor: { name: 'HMAC+parse', value: floor },
        ratio: medianRatio(samples.rawNats, samples.floor!),
      });
    }
    const subjects: [string, string, number][] = [
      ['memory', 'local runner, memory bus', 0.7],
      ['jetstream', 'local runner, JetStream (nats.ws, loopback)', 0.5],
    ];
    for (const [key, label, goal] of subjects) {
      const values = samples[key];
      if (!values) continue;
      const ratio = medianRatio(values, samples.floor!);
      const rawNats = key === 'jetstream' ? samples.rawNats : undefined;
      const notes = [
        ...(failures[key] ? [`${failures[key]} failed requests`] : []),
        ...(rawNats ? [`${(medianRatio(values, rawNats) * 100).toFixed(0)}% of the raw nats.ws client`] : []),
      ];
      rows.push({
        suite: 'ingest-http',
        name: label,
        value: median(values),
        unit: 'req/s',
        floor: { name: 'HMAC+parse', value: floor },
        ratio,
        goal: { text: `≥ ${goal * 100}% of floor`, met: ratio >= goal },
        ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
      });
      rows.push({
        suite: 'ingest-http',
        name: `peak RSS, ${label}, under load`,
        value: peaks[key]! / 2 ** 20,
        unit: 'MB',
        floor: { name: 'bare HMAC+parse server', value: peaks.floor! / 2 ** 20 },
        ratio: peaks[key]! / peaks.floor!,
      });
    }
    if (!natsWsUrl) rows.push(skipped('JetStream ingest'));
    return rows;
  } finally {
    await Promise.all(Object.values(targets).map((t) => t.stop()));
  }
};

function skipped(what: string): BenchRow {
  return { suite: 'ingest-http', name: what, value: Number.NaN, unit: '', note: 'skipped: no nats-server' };
}
