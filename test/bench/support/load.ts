/** Bounded HTTP load with autocannon: every run is capped in time and in request count. */
import autocannon from 'autocannon';
import { pushHeaders } from './fixtures.ts';

export interface LoadResult {
  /** Successful (2xx) responses per second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx answers, errors and timeouts: a correct run has none. */
  failures: number;
}

export interface LoadOptions {
  seconds: number;
  connections?: number;
  /** Hard cap on requests (default 200,000). */
  maxRequests?: number;
}

let deliveries = 0;

/** POSTs a signed push `body` to `url` as fast as the server answers; each request has a new delivery id. */
export async function pushLoad(url: string, body: Buffer, options: LoadOptions): Promise<LoadResult> {
  const target = new URL(url);
  const headers = pushHeaders(body, 'template');
  const result = await autocannon({
    url: target.origin,
    connections: options.connections ?? 16,
    pipelining: 1,
    duration: options.seconds,
    maxOverallRequests: options.maxRequests ?? 200_000,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: target.pathname,
        headers,
        body,
        // A fresh delivery id per request: the event id is the dedup key, a repeated one would be dropped.
        setupRequest: (request) => ({
          ...request,
          headers: { ...headers, 'x-github-delivery': `bench-${process.pid}-${++deliveries}` },
        }),
      },
    ],
  });
  return {
    rps: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}
