/**
 * A server under test, in its own process so the load generator does not share its core:
 *   floor    — bare node:http that verifies the HMAC and parses the JSON (the physical floor of ingest)
 *   ceiling  — bare node:http that only answers
 *   raw-nats — the floor plus a JetStream publish of the body bytes with nats.ws's own js.publish (PubAck awaited)
 *              and, in the same process, its js.fetch pull consumer that parses and acks each message (same websocket shim): the
 *              runner's JetStream work written straight against the client (nats.ws URL in argv[3])
 *   runner   — Outrigger's local runner on the manifests in argv[3], workDir argv[4]
 * Talks to the parent over IPC: sends `{ url }` when listening, answers `{ cmd: 'rss' }` with `{ rss }`
 * (peak resident set, bytes) and exits on `{ cmd: 'stop' }`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadNats } from '../../../lib/bus/nats-client.ts';
import { startLocal } from '../../../lib/local/runner.ts';
import { BENCH_SECRET } from './fixtures.ts';

type Message = { cmd: 'rss' } | { cmd: 'stop' };

const mode = process.argv[2];

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The floor's work: the HMAC over the raw body (constant time) and a JSON.parse; false when either fails. */
function verifyAndParse(req: IncomingMessage, body: Buffer): boolean {
  const given = req.headers['x-hub-signature-256'];
  const expected = Buffer.from(`sha256=${createHmac('sha256', BENCH_SECRET).update(body).digest('hex')}`);
  if (
    typeof given !== 'string' ||
    given.length !== expected.length ||
    !timingSafeEqual(Buffer.from(given), expected)
  ) {
    return false;
  }
  try {
    JSON.parse(body.toString('utf8'));
  } catch {
    return false;
  }
  return true;
}

function bare(verify: boolean): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (verify && !verifyAndParse(req, Buffer.concat(chunks))) answer(res, 400, '{"error":"Refused"}');
      else answer(res, 200, '{"ok":true}');
    });
  });
}

async function rawNats(natsUrl: string): Promise<{ url: string; close: () => Promise<void> }> {
  const nats = await loadNats();
  const nc = await nats.connect({ servers: natsUrl, noAsyncTraces: true });
  const jsm = await nc.jetstreamManager();
  const stream = `benchfloor${process.pid}`;
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], duplicate_window: nats.nanos(300_000) });
  await jsm.consumers.add(stream, { durable_name: 'floor', ack_policy: nats.AckPolicy.Explicit });
  const js = nc.jetstream();
  let running = true;
  const consumed = (async () => {
    while (running) {
      for await (const message of js.fetch(stream, 'floor', { batch: 10, expires: 500 })) {
        JSON.parse(new TextDecoder().decode(message.data));
        message.ack();
      }
    }
  })();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (!verifyAndParse(req, body)) {
        answer(res, 400, '{"error":"Refused"}');
        return;
      }
      const msgID = String(req.headers['x-github-delivery']);
      js.publish(`${stream}.push`, body, { msgID }).then(
        () => answer(res, 200, '{"ok":true}'),
        () => answer(res, 503, '{"error":"BusError"}'),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/push`,
    close: async () => {
      running = false;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await consumed.catch(() => undefined);
      await jsm.streams.delete(stream).catch(() => undefined);
      await nc.close();
    },
  };
}

async function main(): Promise<{ url: string; close: () => Promise<void> }> {
  if (mode === 'floor' || mode === 'ceiling') {
    const server = bare(mode === 'floor');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/push`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }
  if (mode === 'raw-nats') return rawNats(process.argv[3]!);
  if (mode === 'runner') {
    const runner = await startLocal({
      paths: [process.argv[3]!],
      portMap: { 12000: 0 },
      workDir: process.argv[4]!,
      print: () => {},
    });
    return { url: `${runner.urls.get(12000)}/push`, close: () => runner.close() };
  }
  throw new Error(`unknown mode ${mode}`);
}

const target = await main();
process.on('message', (message: Message) => {
  if (message.cmd === 'rss') process.send?.({ rss: process.resourceUsage().maxRSS * 1024 });
  if (message.cmd === 'stop') {
    void target.close().finally(() => process.exit(0));
  }
});
process.send?.({ url: target.url });
