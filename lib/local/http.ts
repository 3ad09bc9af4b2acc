/** node:http glue for the local runner: a request becomes the HttpRequest sources work with. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RawHeaders } from '../events/headers.ts';
import type { HttpRequest, HttpResponse } from '../sources/http.ts';

/** Bodies above this are refused before reaching a source (API Gateway's own cap is 10 MB). */
export const LOCAL_BODY_LIMIT = 10 * 1024 * 1024;

/** Reads a node request into an HttpRequest; undefined when the body exceeds `limit`. */
export async function readRequest(
  req: IncomingMessage,
  port: number,
  limit = LOCAL_BODY_LIMIT,
): Promise<HttpRequest | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  // rawHeaders keeps repeats and original case: [name, value, name, value, …].
  const headers: RawHeaders = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    const existing = headers[name];
    headers[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return {
    method: req.method ?? 'GET',
    path: q === -1 ? url : url.slice(0, q),
    rawQuery: q === -1 ? '' : url.slice(q + 1),
    headers,
    body: Buffer.concat(chunks),
    port,
  };
}

/** Writes an HttpResponse to a node response. */
export function writeResponse(res: ServerResponse, response: HttpResponse): void {
  res.writeHead(response.statusCode, response.headers);
  res.end(response.body);
}
