/** Builders shared by the source tests: manifest sets, requests, signatures, and a bus that fails. */
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Bus } from '../../lib/bus/port.ts';
import { BusError } from '../../lib/errors.ts';
import type { RawHeaders } from '../../lib/events/headers.ts';
import type { EventSource, EventSourceSpec, ManifestSet } from '../../lib/manifests/types.ts';
import type { HttpRequest } from '../../lib/sources/http.ts';

export function eventSource(name: string, spec: EventSourceSpec): EventSource {
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'EventSource', metadata: { name }, spec };
}

export function manifestSet(...eventSources: EventSource[]): ManifestSet {
  const origins: ManifestSet['origins'] = {};
  for (const es of eventSources)
    origins[`EventSource/${es.metadata.name}`] = { file: 'manifests/es.yaml', line: 3 };
  return { eventSources, sensors: [], eventBuses: [], origins, warnings: [] };
}

export function httpRequest(
  partial: Partial<Omit<HttpRequest, 'body'>> & { body?: Buffer | string } = {},
): HttpRequest {
  const { body, ...rest } = partial;
  return {
    method: 'POST',
    path: '/push',
    rawQuery: '',
    headers: {},
    ...rest,
    body: typeof body === 'string' ? Buffer.from(body, 'utf8') : (body ?? Buffer.alloc(0)),
  };
}

export function sign(algorithm: 'sha1' | 'sha256' | 'sha512', secret: string, body: Buffer | string): string {
  return `${algorithm}=${createHmac(algorithm, secret).update(body).digest('hex')}`;
}

export function jsonHeaders(extra: RawHeaders = {}): RawHeaders {
  return { 'content-type': 'application/json', ...extra };
}

/** A bus whose publish always rejects, as an unreachable JetStream or SQS would. */
export class FailingBus implements Bus {
  attempts = 0;
  constructor(private readonly error: unknown = new BusError('stream unavailable')) {}
  async publish(): Promise<void> {
    this.attempts++;
    throw this.error;
  }
  async consume(): Promise<never> {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

interface WebhookDefinition {
  name: string;
  examples: Record<string, unknown>[];
}

/** Real GitHub payloads from @octokit/webhooks-examples, keyed by event name. */
export function githubExamples(): Map<string, Record<string, unknown>[]> {
  const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[];
  return new Map(definitions.map((d) => [d.name, d.examples]));
}

export function githubExample(name: string): Record<string, unknown> {
  const example = githubExamples().get(name)?.[0];
  if (!example) throw new Error(`no @octokit/webhooks-examples payload for ${name}`);
  return example;
}
