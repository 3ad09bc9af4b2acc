import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerHeaders } from '../../lib/cli/sign.ts';
import type { LocalRunner } from '../../lib/local/runner.ts';
import { startLocal } from '../../lib/local/runner.ts';
import type { WebhookContext } from '../../lib/manifests/types.ts';
import { createLogger } from '../../lib/observability/log.ts';
import { createStaticSecretResolver } from '../../lib/secrets/local.ts';
import type { HttpRequest } from '../../lib/sources/http.ts';
import { sources } from '../../lib/sources/index.ts';
import { createSlackSource } from '../../lib/sources/slack/index.ts';
import { createStripeSource } from '../../lib/sources/stripe/index.ts';
import { fixtures, run } from './helpers.ts';

const secret = (key: string) => ({ name: 'hooks', key });
const secrets = createStaticSecretResolver({
  hooks: {
    github: 'gh-s3cret',
    gitlab: 'gl-t0ken',
    bitbucket: 'bb-s3cret',
    slack: 'sl-s3cret',
    stripe: 'st-s3cret',
    plain: 'pl-s3cret',
    bearer: 'b3arer',
  },
});
const context: WebhookContext = { endpoint: '/x', port: '12000', method: 'POST' };
const NOW = 1_714_557_600;

const cases: { type: string; spec: Record<string, unknown> }[] = [
  { type: 'github', spec: { webhook: context, webhookSecret: secret('github') } },
  { type: 'gitlab', spec: { webhook: context, secretToken: secret('gitlab') } },
  { type: 'bitbucket', spec: { webhook: context, webhookSecret: secret('bitbucket') } },
  { type: 'bitbucketserver', spec: { webhook: context, webhookSecret: secret('bitbucket') } },
  { type: 'slack', spec: { webhook: context, signingSecret: secret('slack') } },
  { type: 'stripe', spec: { webhook: context, webhookSecret: secret('stripe') } },
  { type: 'webhook', spec: { ...context, hmac: { secret: secret('plain') } } },
  {
    type: 'webhook',
    spec: {
      ...context,
      hmac: {
        secret: secret('plain'),
        algorithm: 'sha1',
        encoding: 'base64',
        prefix: 'sig ',
        header: 'X-Sig',
      },
    },
  },
];

const moduleFor = (type: string) =>
  type === 'slack'
    ? createSlackSource(() => NOW)
    : type === 'stripe'
      ? createStripeSource(() => NOW)
      : sources[type]!;

describe('signing as the provider does', () => {
  for (const { type, spec } of cases) {
    it(`passes the ${type} source's own verification${type === 'webhook' ? ` (${JSON.stringify(spec.hmac)})` : ''}`, async () => {
      // Prepare
      const body = Buffer.from(JSON.stringify({ type: 'event_callback', id: 'evt_1', hello: 'world' }));
      const headers = await providerHeaders(type, spec, context, body, secrets, {
        nowSeconds: NOW,
        deliveryId: 'd-1',
      });
      const request: HttpRequest = { method: 'POST', path: '/x', rawQuery: '', headers, body };
      // Act
      const verified = moduleFor(type).verify(request, spec, secrets);
      const tampered = moduleFor(type).verify(
        { ...request, body: Buffer.concat([body, Buffer.from(' ')]) },
        spec,
        secrets,
      );
      // Assess
      await expect(verified).resolves.toBeUndefined();
      if (type !== 'gitlab') await expect(tampered).rejects.toThrow();
    });
  }

  it('sends a bearer token for authSecret', async () => {
    // Act
    const headers = await providerHeaders(
      'webhook',
      {},
      { ...context, authSecret: secret('bearer') },
      Buffer.from('{}'),
      secrets,
      {
        nowSeconds: NOW,
        deliveryId: 'd',
      },
    );
    // Assess
    expect(headers.Authorization).toBe('Bearer b3arer');
  });
});

describe('outrigger send against the local runner', () => {
  let workDir: string;
  let runner: LocalRunner;
  let payload: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'outrigger-send-'));
    await mkdir(join(workDir, '.outrigger', 'secrets'), { recursive: true });
    await writeFile(
      join(workDir, '.outrigger', 'secrets', 'hooks.json'),
      JSON.stringify({ github: 'gh-s3cret', gitlab: 'gl-t0ken', plain: 'pl-s3cret' }),
    );
    payload = join(workDir, 'push.json');
    await writeFile(payload, JSON.stringify({ ref: 'refs/heads/main', after: 'abc' }));
    runner = await startLocal({
      paths: [join(fixtures, 'signed-sources.yaml')],
      portMap: { 12000: 0 },
      workDir,
      logger: createLogger({ write: () => {} }),
      print: () => {},
    });
  });

  afterAll(async () => {
    await runner?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  for (const event of ['gh', 'gl', 'plain']) {
    it(`gets ${event} accepted with a signature from the configured secret and prints the event id`, async () => {
      // Act
      const { code, stdout } = await run(
        [
          'send',
          join(fixtures, 'signed-sources.yaml'),
          event,
          payload,
          '--to',
          runner.urls.get(12000)!,
          '--json',
        ],
        workDir,
      );
      // Assess
      expect(code).toBe(0);
      const answer = JSON.parse(stdout) as { status: number; id: string | null };
      expect(answer.status).toBe(200);
      expect(answer.id).toMatch(/\S/);
    });
  }

  it('prints the status and event id in words', async () => {
    // Act
    const { code, stdout } = await run(
      ['send', join(fixtures, 'signed-sources.yaml'), 'gh', payload, '--to', runner.urls.get(12000)!],
      workDir,
    );
    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/→ 200 OK: signed\/gh \(github\): event id github:/);
  });

  it('exits 1 when the endpoint refuses the event (a wrong signature header override)', async () => {
    // Act
    const { code, stdout } = await run(
      [
        'send',
        join(fixtures, 'signed-sources.yaml'),
        'gh',
        payload,
        '--to',
        runner.urls.get(12000)!,
        '-H',
        'X-Hub-Signature-256=sha256=00',
      ],
      workDir,
    );
    // Assess
    expect(code).toBe(1);
    expect(stdout).toContain('401');
    expect(stdout).not.toContain('gh-s3cret');
  });

  it('answers 2 for an unknown event name and 1 when nothing listens', async () => {
    // Act
    const unknown = await run(['send', join(fixtures, 'signed-sources.yaml'), 'nope', payload], workDir);
    const closed = await run(
      ['send', join(fixtures, 'signed-sources.yaml'), 'gh', payload, '--to', 'http://127.0.0.1:9'],
      workDir,
    );
    // Assess
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('signed/gh');
    expect(closed.code).toBe(1);
    expect(closed.stdout).toContain('cannot connect');
  });
});
