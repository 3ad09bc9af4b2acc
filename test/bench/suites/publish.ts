/**
 * JetStream publish throughput: Outrigger's JetStreamBus.publish (CloudEvent encoding, Nats-Msg-Id, waiting
 * for the PubAck) against raw nats.ws `js.publish` of the same bytes with the same header, one at a time,
 * interleaved, on a real nats-server over the loopback websocket (issue 5: ≥ 80% of raw).
 */
import { JetStreamBus } from '../../../lib/bus/jetstream/index.ts';
import { loadNats } from '../../../lib/bus/nats-client.ts';
import { encodeEvent, newEvent } from '../../../lib/events/envelope.ts';
import type { Suite } from '../support/context.ts';
import type { BenchRow } from '../support/report.ts';
import { interleave, median, medianRatio, throughput } from '../support/stats.ts';

export const publish: Suite = async (ctx) => {
  const url = await ctx.nats();
  if (!url) return [];
  const rounds = ctx.quick ? 3 : 7;
  const ms = ctx.quick ? 300 : 600;
  const bus = await JetStreamBus.connect({ url, createIfMissing: true });
  const nats = await loadNats();
  const raw = await nats.connect({ servers: url });
  const js = raw.jetstream();
  const data = {
    header: { 'X-Github-Event': ['push'] },
    body: { ref: 'refs/heads/main', after: 'a'.repeat(40) },
  };
  let n = 0;
  const outrigger = () =>
    throughput(() => bus.publish(newEvent({ source: 'es', subject: 'push', type: 'webhook', data })), ms);
  const floor = () =>
    throughput(() => {
      const event = newEvent({ source: 'es', subject: 'push', type: 'webhook', data, id: `raw-${n++}` });
      const headers = nats.headers();
      headers.set('Nats-Msg-Id', event.id);
      return js.publish('default.es.push', new TextEncoder().encode(encodeEvent(event)), { headers });
    }, ms);
  try {
    const samples = await interleave(rounds, { raw: floor, bus: outrigger });
    const ratio = medianRatio(samples.bus!, samples.raw!);
    const row: BenchRow = {
      suite: 'publish',
      name: 'JetStreamBus.publish, one at a time, PubAck awaited',
      value: median(samples.bus!),
      unit: 'events/s',
      floor: { name: 'raw nats.ws js.publish of the same bytes', value: median(samples.raw!) },
      ratio,
      goal: { text: '≥ 80% of raw', met: ratio >= 0.8 },
    };
    return [row];
  } finally {
    await raw.close();
    await bus.close();
  }
};
