import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { readRequest, writeResponse } from '../../lib/local/http.ts';
import type { HttpRequest } from '../../lib/sources/http.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** POSTs `body` to `port`; resolves with the answer. */
function send(port: number, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/push' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    // A server that answers before reading everything may reset the socket under the rest of the body.
    req.on('error', reject);
    req.end(body);
  });
}

describe('the local runner HTTP glue', () => {
  let server: Server | undefined;

  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function serve(limit: number, seen: (HttpRequest | undefined)[]): Promise<number> {
    server = createServer((req, res) => {
      void readRequest(req, 12000, limit).then((read) => {
        seen.push(read);
        writeResponse(
          res,
          read
            ? { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":"✓"}' }
            : {
                statusCode: 413,
                headers: { 'content-type': 'application/json', connection: 'close' },
                body: '{"error":"PayloadTooLarge"}',
              },
        );
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  it('reads body bytes, path, query and repeated headers, a header named __proto__ included', async () => {
    // Prepare: an IncomingMessage is a readable stream with rawHeaders, url and method.
    const body = Buffer.from('{"ref":"refs/heads/main"}');
    const req = Object.assign(Readable.from([body.subarray(0, 5), body.subarray(5)]), {
      method: 'POST',
      url: '/push?a=1',
      rawHeaders: ['X-Trace', 'one', 'x-trace', 'two', 'X-Trace', 'three', '__proto__', 'kept'],
    }) as unknown as IncomingMessage;

    // Act
    const read = (await readRequest(req, 12000, 1024))!;

    // Assess
    expect(read.body.equals(body)).toBe(true);
    expect(read.method).toBe('POST');
    expect(read.path).toBe('/push');
    expect(read.rawQuery).toBe('a=1');
    expect(read.port).toBe(12000);
    expect(read.headers['X-Trace']).toEqual(['one', 'three']);
    expect(read.headers['x-trace']).toBe('two');
    expect(Object.getOwnPropertyDescriptor(read.headers, '__proto__')?.value).toBe('kept');
    expect(Object.getPrototypeOf(read.headers)).toBe(Object.prototype);
  });

  it('rejects, instead of waiting forever, when the request closes before its body ends', async () => {
    // Prepare: a body stream that is destroyed after its first chunk.
    const stream = new Readable({ read() {} });
    const req = Object.assign(stream, { method: 'POST', url: '/push', rawHeaders: [] });
    stream.push(Buffer.from('{"ref":'));

    // Act
    const reading = readRequest(req as unknown as IncomingMessage, 12000, 1024);
    setImmediate(() => stream.destroy());

    // Assess
    await expect(reading).rejects.toThrow('the request closed before its body ended');
  });

  it('answers with a content-length in bytes, not chunked', async () => {
    // Prepare
    const port = await serve(1024, []);

    // Act
    const answer = await send(port, Buffer.from('{}'));

    // Assess
    expect(answer.body).toBe('{"ok":"✓"}');
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength('{"ok":"✓"}')));
    expect(answer.headers['transfer-encoding']).toBeUndefined();
  });

  it('stops reading past the limit and lets the caller answer 413 and close', async () => {
    // Prepare
    const seen: (HttpRequest | undefined)[] = [];
    const port = await serve(1024, seen);

    // Act: one byte over the limit, then a body at the limit on a new connection.
    const over = await send(port, Buffer.alloc(1025, 'a'));
    const at = await send(port, Buffer.alloc(1024, 'a'));

    // Assess
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body)).toEqual({ error: 'PayloadTooLarge' });
    expect(over.headers.connection).toBe('close');
    expect(seen[0]).toBeUndefined();
    expect(at.status).toBe(200);
    expect(seen[1]?.body.length).toBe(1024);
  });
});
