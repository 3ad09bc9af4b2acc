/**
 * A server under test, in its own process so the load generator does not share its core:
 *   floor    — bare node:http that verifies the HMAC and parses the JSON (the physical floor of ingest)
 *   ceiling  — bare node:http that only answers
 *   runner   — Outrigger's local runner on the manifests in argv[3], workDir argv[4]
 * Talks to the parent over IPC: sends `{ url }` when listening, answers `{ cmd: 'rss' }` with `{ rss }`
 * (peak resident set, bytes) and exits on `{ cmd: 'stop' }`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLocal } from '../../../lib/local/runner.ts';
import { BENCH_SECRET } from './fixtures.ts';

type Message = { cmd: 'rss' } | { cmd: 'stop' };

const mode = process.argv[2];

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function verifyAndParse(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const given = req.headers['x-hub-signature-256'];
  const expected = Buffer.from(`sha256=${createHmac('sha256', BENCH_SECRET).update(body).digest('hex')}`);
  if (
    typeof given !== 'string' ||
    given.length !== expected.length ||
    !timingSafeEqual(Buffer.from(given), expected)
  ) {
    answer(res, 401, '{"error":"AuthError"}');
    return;
  }
  try {
    JSON.parse(body.toString('utf8'));
  } catch {
    answer(res, 400, '{"error":"PayloadError"}');
    return;
  }
  answer(res, 200, '{"ok":true}');
}

function bare(verify: boolean): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (verify) verifyAndParse(req, res, Buffer.concat(chunks));
      else answer(res, 200, '{"ok":true}');
    });
  });
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
