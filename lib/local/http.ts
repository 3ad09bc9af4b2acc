/** node:http glue for the local runner: a request becomes the HttpRequest sources work with. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RawHeaders } from '../events/headers.ts';
import { setOwn } from '../own.ts';
import type { HttpRequest, HttpResponse } from '../sources/http.ts';

/** Bodies above this are refused before reaching a source (API Gateway's own cap is 10 MB). */
export const LOCAL_BODY_LIMIT = 10 * 1024 * 1024;

/** Reads a node request into an HttpRequest; undefined when the body exceeds `limit`. */
export async function readRequest(
  req: IncomingMessage,
  port: number,
  limit = LOCAL_BODY_LIMIT,
): Promise<HttpRequest | undefined> {
  const body = await readBody(req, limit);
  if (!body) return undefined;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  // rawHeaders keeps repeats and original case: [name, value, name, value, …].
  const headers: RawHeaders = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    // A header may be named `__proto__`: read and written as an own key.
    const existing = Object.hasOwn(headers, name) ? headers[name] : undefined;
    setOwn<string | string[] | undefined>(
      headers,
      name,
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value],
    );
  }
  return {
    method: req.method ?? 'GET',
    path: q === -1 ? url : url.slice(0, q),
    rawQuery: q === -1 ? '' : url.slice(q + 1),
    headers,
    body,
    port,
  };
}

/**
 * The body bytes, or undefined past `limit` (the rest is left unread; the caller answers and closes). Plain
 * listeners rather than `for await`: the async iterator costs several promises per request.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData).off('end', onEnd).off('error', reject).off('close', onClose);
      req.pause();
      resolve(undefined);
    };
    const onEnd = () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    // A client gone before the end of its body closes the request without 'end'. Every request closes after
    // its 'end' too: checked first, since an Error (stack trace and all) per request cost ~10 µs.
    const onClose = () => {
      if (!req.readableEnded) reject(new Error('the request closed before its body ended'));
    };
    req.on('data', onData).once('end', onEnd).once('error', reject).once('close', onClose);
  });
}

/** Writes an HttpResponse to a node response. */
export function writeResponse(res: ServerResponse, response: HttpResponse): void {
  // With a length (no chunked encoding) node sends head and body in one write instead of a writev of four.
  res.writeHead(response.statusCode, {
    ...response.headers,
    'content-length': Buffer.byteLength(response.body),
  });
  res.end(response.body);
}
