/** Real GitHub webhook payloads (from @octokit/webhooks-examples), rewritten for a test's repository. */
import { createHmac, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

interface WebhookExample {
  name: string;
  examples: Record<string, unknown>[];
}

const require = createRequire(import.meta.url);
const examples = require('@octokit/webhooks-examples') as WebhookExample[];

/** The first example payload of a GitHub event type, deep-copied. */
export function githubExample(event: string): Record<string, unknown> {
  const found = examples.find((e) => e.name === event)?.examples[0];
  if (!found) throw new Error(`no @octokit/webhooks-examples payload for "${event}"`);
  return structuredClone(found);
}

export interface PushOptions {
  ref: string;
  repo: string;
  after?: string;
}

/** A real push payload rewritten to `repo` and `ref`. */
export function pushPayload(options: PushOptions): Record<string, unknown> {
  const payload = githubExample('push');
  const repository = payload.repository as Record<string, unknown>;
  const [owner, name] = options.repo.split('/');
  payload.ref = options.ref;
  payload.after = options.after ?? '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432';
  repository.full_name = options.repo;
  repository.name = name;
  (repository.owner as Record<string, unknown>).login = owner;
  return payload;
}

/** Headers GitHub sends with a delivery; signed when a secret is given. */
export function githubHeaders(
  event: string,
  body: Buffer,
  options: { delivery?: string; hookId?: string; secret?: string } = {},
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/test',
    'x-github-event': event,
    'x-github-delivery': options.delivery ?? randomUUID(),
    'x-github-hook-id': options.hookId ?? '123456789',
  };
  if (options.secret !== undefined) {
    headers['x-hub-signature-256'] =
      `sha256=${createHmac('sha256', options.secret).update(body).digest('hex')}`;
  }
  return headers;
}
