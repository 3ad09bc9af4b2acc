/**
 * Shared builders for trigger tests: events, a render context, a loopback HTTP sink (also as a stand-in AWS
 * API), an in-memory secret store.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { SensorEvent } from '../../lib/events/envelope.ts';
import type { SecretKeySelector } from '../../lib/manifests/types.ts';
import { SecretNotFoundError, type SecretResolver } from '../../lib/secrets/resolver.ts';
import type { RenderContext, TriggerClients } from '../../lib/triggers/types.ts';

/** A webhook-like event with JSON data. */
export function event(id: string, data: unknown, subject = 'push'): SensorEvent {
  return {
    context: {
      id,
      source: 'webhook',
      specversion: '1.0',
      type: 'webhook',
      datacontenttype: 'application/json',
      subject,
      time: '2024-05-01T10:00:00Z',
    },
    data,
  };
}

/** A render context for sensor `ci`, trigger `notify`, fired by `e1`. */
export function renderContext(overrides: Partial<RenderContext> = {}): RenderContext {
  return {
    sensorName: 'ci',
    sensorNamespace: 'argo-events',
    triggerName: 'notify',
    eventIds: ['e1'],
    now: new Date('2024-05-01T10:00:01.234Z'),
    ...overrides,
  };
}

/** Secrets from a plain map keyed `name/key`. */
export function memorySecrets(values: Record<string, string>): SecretResolver {
  return {
    async get(selector: SecretKeySelector) {
      const value = values[`${selector.name}/${selector.key}`];
      if (value === undefined) throw new SecretNotFoundError(selector, 'test store');
      return value;
    },
  };
}

/** One request the sink received. */
export interface SinkRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the sink answers: a status and body, or a function of the request. */
export type SinkAnswer = {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
};

export interface HttpSink {
  readonly url: string;
  readonly requests: SinkRequest[];
  /** Answers the next requests in order; after the list, the last answer repeats (default 200 `ok`). */
  answer(...answers: (SinkAnswer | ((req: SinkRequest) => SinkAnswer))[]): void;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 that records requests. */
export async function startHttpSink(): Promise<HttpSink> {
  const requests: SinkRequest[] = [];
  let answers: (SinkAnswer | ((req: SinkRequest) => SinkAnswer))[] = [{ status: 200, body: 'ok' }];
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: SinkRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const next = answers.length > 1 ? answers.shift()! : answers[0]!;
      const answer = typeof next === 'function' ? next(recorded) : next;
      open.add(res);
      const send = () => {
        open.delete(res);
        res.writeHead(answer.status, answer.headers ?? { 'content-type': 'text/plain' });
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer(...next) {
      answers = next;
    },
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A loopback sink standing in for an AWS API for the whole test file, called by the real SDK with test keys
 * and one attempt; before each test its record is cleared and it answers `answer`.
 */
export function useAwsSink(answer: SinkAnswer): {
  readonly sink: HttpSink;
  readonly clients: TriggerClients;
} {
  const loopback = {} as { sink: HttpSink; clients: TriggerClients };
  beforeAll(async () => {
    loopback.sink = await startHttpSink();
    loopback.clients = {
      aws: {
        endpoint: loopback.sink.url,
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
        maxAttempts: 1,
      },
    };
  });
  afterAll(() => loopback.sink.close());
  beforeEach(() => {
    loopback.sink.requests.length = 0;
    loopback.sink.answer(answer);
  });
  return loopback;
}
