/**
 * One outbound HTTP(S) request for triggers (http, slack, the Argo Server), on node:http so TLS options
 * (`insecureSkipVerify`, a CA, a client certificate) and a hard timeout need no extra package. Link-local
 * and cloud metadata addresses are refused unless allowed: a sensor's URL often comes from event data, and
 * 169.254.169.254 would hand out the function's credentials (issue 10, secret hygiene).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { TriggerError } from '../../errors.ts';

/** TLS settings of an HTTPS request. */
export interface OutboundTls {
  rejectUnauthorized?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

/** What to send. */
export interface OutboundRequest {
  url: string;
  method: string;
  headers: ReadonlyArray<readonly [string, string]>;
  body?: string;
  timeoutMs: number;
  tls?: OutboundTls;
  /** Allow 169.254.0.0/16, fe80::/10 and the EC2 IPv6 metadata address. */
  allowLinkLocal?: boolean;
  /** Bytes of response body kept (default 1 MiB); the rest is read and dropped. */
  maxResponseBytes?: number;
}

/** What came back. */
export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  truncated: boolean;
}

/** The URL without user info, query or fragment: safe for summaries, logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

function ipv4Bytes(address: string): number[] | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map(Number);
  return bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255) ? bytes : undefined;
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a trailing dotted IPv4 converted). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const bytes = ipv4Bytes(dotted[1]!);
    if (!bytes) return undefined;
    text = `${text.slice(0, dotted.index)}${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<number>(Math.max(zeros, 0)).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

const EC2_IPV6_METADATA = [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254];

/** True for link-local and instance metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254). */
export function isLinkLocal(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  const family = isIP(bare);
  if (family === 4) {
    const bytes = ipv4Bytes(bare);
    return bytes !== undefined && bytes[0] === 169 && bytes[1] === 254;
  }
  if (family !== 6) return false;
  const groups = ipv6Groups(bare);
  if (!groups) return false;
  // IPv4-mapped (::ffff:a.b.c.d): the IPv4 rule applies.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return groups[6]! >> 8 === 169 && (groups[6]! & 255) === 254;
  }
  if ((groups[0]! & 0xffc0) === 0xfe80) return true;
  return groups.every((g, i) => g === EC2_IPV6_METADATA[i]);
}

function refused(url: string, address: string): TriggerError {
  return new TriggerError(
    `refusing to call ${redactUrl(url)}: it resolves to the link-local/metadata address ${address}; allow link-local targets explicitly if this is intended`,
    { retryable: false },
  );
}

/** Throws a non-retryable `TriggerError` for a link-local literal address unless allowed. */
export function checkTarget(url: string, allowLinkLocal: boolean): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (!allowLinkLocal && isLinkLocal(host)) throw refused(url, host);
}

/** A DNS lookup that fails for link-local answers, so a name cannot smuggle a metadata address past us. */
function guardedLookup(url: string): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, options as LookupOptions, (err, address, family) => {
      if (err) return callback(err, address as string, family);
      const addresses: LookupAddress[] = Array.isArray(address)
        ? address
        : [{ address: address as string, family: family ?? 4 }];
      const bad = addresses.find((a) => isLinkLocal(a.address));
      if (bad) return callback(refused(url, bad.address) as NodeJS.ErrnoException, '', 4);
      (callback as (e: null, a: string | LookupAddress[], f?: number) => void)(null, address, family);
    });
  };
}

/** Sends the request; transport failures and timeouts are retryable `TriggerError`s, statuses are returned. */
export function sendRequest(req: OutboundRequest): Promise<OutboundResponse> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return Promise.reject(new TriggerError(`invalid URL ${JSON.stringify(req.url)}`, { retryable: false }));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(
      new TriggerError(`unsupported URL scheme ${url.protocol} (use http or https)`, { retryable: false }),
    );
  }
  try {
    checkTarget(req.url, req.allowLinkLocal === true);
  } catch (err) {
    return Promise.reject(err);
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of req.headers) {
    const existing = headers[name];
    headers[name] = existing === undefined ? value : [...[existing].flat(), value];
  }
  if (url.username || url.password) {
    headers.authorization ??= `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  }
  const limit = req.maxResponseBytes ?? 1 << 20;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<OutboundResponse>((resolve, reject) => {
    const outgoing = send(
      url,
      {
        method: req.method,
        headers,
        ...(req.allowLinkLocal ? {} : { lookup: guardedLookup(req.url) }),
        ...(url.protocol === 'https:' ? (req.tls ?? {}) : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        let truncated = false;
        response.on('data', (chunk: Buffer) => {
          if (kept >= limit) {
            truncated = true;
            return;
          }
          const take = chunk.subarray(0, limit - kept);
          if (take.length < chunk.length) truncated = true;
          chunks.push(take);
          kept += take.length;
        });
        response.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            truncated,
          });
        });
        response.on('error', fail);
      },
    );
    const timer = setTimeout(() => {
      outgoing.destroy(
        new TriggerError(`${req.method} ${redactUrl(req.url)} timed out after ${req.timeoutMs} ms`),
      );
    }, req.timeoutMs);
    function fail(err: Error) {
      clearTimeout(timer);
      if (err instanceof TriggerError) return reject(err);
      reject(
        new TriggerError(`${req.method} ${redactUrl(req.url)} failed: ${err.message}`, {
          cause: err,
          retryable: true,
        }),
      );
    }
    outgoing.on('error', fail);
    outgoing.end(req.body);
  });
}
