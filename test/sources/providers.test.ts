import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthError, PayloadError } from '../../lib/errors.ts';
import { createLocalSecretResolver, createStaticSecretResolver } from '../../lib/secrets/local.ts';
import { bitbucketSource } from '../../lib/sources/bitbucket/index.ts';
import { bitbucketServerSource } from '../../lib/sources/bitbucketserver/index.ts';
import { gitlabSource } from '../../lib/sources/gitlab/index.ts';
import { MASKED_TOKEN } from '../../lib/sources/headers.ts';
import { createSlackSource } from '../../lib/sources/slack/index.ts';
import { createStripeSource, verifyStripeSignature } from '../../lib/sources/stripe/index.ts';
import { httpRequest, sign } from './helpers.ts';

const secrets = createStaticSecretResolver({
  hooks: { token: 'gl-token', hmac: 'bb-secret', slack: 'slk', stripe: 'whsec_x', verify: 'vt' },
});
const webhook = { endpoint: '/hook', port: '12000', method: 'POST' };

// GitLab's documented push payload (docs.gitlab.com/user/project/integrations/webhook_events#push-events), shortened.
const GITLAB_PUSH = JSON.stringify({
  object_kind: 'push',
  event_name: 'push',
  ref: 'refs/heads/main',
  checkout_sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
  project: { id: 15, path_with_namespace: 'mike/diaspora' },
  commits: [
    { id: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327', message: 'Update Catalan translation to e38cb41.' },
  ],
});

describe('gitlab', () => {
  const spec = { webhook, secretToken: { name: 'hooks', key: 'token' } };
  const headers = {
    'X-Gitlab-Event': 'Push Hook',
    'Idempotency-Key': 'f3f9c7e0-1',
    'content-type': 'application/json',
  };

  it('accepts the right token and builds {headers, body} with the token masked', async () => {
    // Prepare
    const request = httpRequest({ headers: { ...headers, 'X-Gitlab-Token': 'gl-token' }, body: GITLAB_PUSH });

    // Act
    await gitlabSource.verify(request, spec, secrets);
    const data = gitlabSource.toEventData(request, { ...spec, metadata: { a: 'b' } });

    // Assess
    expect(data).toEqual({
      headers: {
        'Content-Type': ['application/json'],
        'Idempotency-Key': ['f3f9c7e0-1'],
        'X-Gitlab-Event': ['Push Hook'],
        'X-Gitlab-Token': [MASKED_TOKEN],
      },
      body: JSON.parse(GITLAB_PUSH),
      metadata: { a: 'b' },
    });
    expect(JSON.stringify(data)).not.toContain('gl-token');
    expect(gitlabSource.deliveryId(request, data)).toBe('gitlab:f3f9c7e0-1');
  });

  it.each([
    ['a missing token', {}],
    ['a wrong token', { 'X-Gitlab-Token': 'gl-tokeN' }],
    ['a longer token', { 'X-Gitlab-Token': 'gl-token-' }],
  ])('refuses %s even without hook management (a deliberate difference)', async (_name, extra) => {
    const request = httpRequest({ headers: { ...headers, ...extra }, body: GITLAB_PUSH });
    await expect(gitlabSource.verify(request, spec, secrets)).rejects.toBeInstanceOf(AuthError);
  });

  it('refuses a non-JSON body', () => {
    expect(() => gitlabSource.toEventData(httpRequest({ body: 'invalid' }), spec)).toThrow(PayloadError);
  });
});

// Bitbucket's documented repo:push shape, shortened.
const BITBUCKET_PUSH = JSON.stringify({
  push: {
    changes: [
      { new: { type: 'branch', name: 'main', target: { hash: '709d658dc5b6d6afcd46049c2f332ee3f515a67d' } } },
    ],
  },
  repository: { full_name: 'team/repo' },
  actor: { display_name: 'Emma' },
});

describe.each([
  ['bitbucket', bitbucketSource, { 'X-Request-UUID': 'afe4e2ba-4f0c' }, 'bitbucket:afe4e2ba-4f0c'],
  ['bitbucketserver', bitbucketServerSource, { 'X-Request-Id': '5c2d-41' }, 'bitbucket:5c2d-41'],
] as const)('%s', (_type, source, idHeaders, expectedId) => {
  const spec = { webhook, webhookSecret: { name: 'hooks', key: 'hmac' } };

  it('accepts a sha256 X-Hub-Signature over the raw body', async () => {
    // Prepare
    const request = httpRequest({
      headers: {
        'X-Hub-Signature': sign('sha256', 'bb-secret', BITBUCKET_PUSH),
        'X-Event-Key': 'repo:push',
        ...idHeaders,
      },
      body: BITBUCKET_PUSH,
    });

    // Act
    await source.verify(request, spec, secrets);
    const data = source.toEventData(request, spec);

    // Assess
    expect(data).toMatchObject({
      headers: { 'X-Event-Key': ['repo:push'] },
      body: JSON.parse(BITBUCKET_PUSH),
    });
    expect(source.deliveryId(request, data)).toBe(expectedId);
  });

  it.each([
    ['missing', undefined],
    ['over other bytes', sign('sha256', 'bb-secret', `${BITBUCKET_PUSH} `)],
    ['sha1', sign('sha1', 'bb-secret', BITBUCKET_PUSH)],
    ['short', 'sha'],
    ['not hex', 'sha256=xyz'],
  ])('refuses a %s signature', async (_name, signature) => {
    const request = httpRequest({
      headers: signature === undefined ? {} : { 'X-Hub-Signature': signature },
      body: BITBUCKET_PUSH,
    });
    await expect(source.verify(request, spec, secrets)).rejects.toBeInstanceOf(AuthError);
  });

  it('checks nothing without a webhookSecret', () => {
    expect(source.verify(httpRequest({ body: BITBUCKET_PUSH }), { webhook }, secrets)).toBeUndefined();
  });
});

describe('slack', () => {
  const NOW = 1_531_420_618;
  const slack = createSlackSource(() => NOW);
  const spec = { webhook, signingSecret: { name: 'hooks', key: 'slack' } };

  function slackRequest(body: string, contentType = 'application/json', timestamp = NOW, secret = 'slk') {
    const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    return httpRequest({
      headers: {
        'Content-Type': contentType,
        'X-Slack-Request-Timestamp': String(timestamp),
        'X-Slack-Signature': signature,
      },
      body,
    });
  }

  it('reproduces Slack’s documented signature example', async () => {
    // Prepare: https://api.slack.com/authentication/verifying-requests-from-slack (example values)
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const request = httpRequest({
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Slack-Request-Timestamp': '1531420618',
        'X-Slack-Signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      },
      body,
    });
    const documented = createStaticSecretResolver({ hooks: { slack: '8f742231b10e8888abcd99yyyzzz85a5' } });

    // Act
    await slack.verify(request, spec, documented);
    const data = slack.toEventData(request, spec) as Record<string, unknown>;

    // Assess
    expect(data).toMatchObject({
      command: '/webhook-collect',
      team_id: 'T1DC2JH3J',
      text: '',
      is_enterprise_install: false,
    });
    expect(slack.deliveryId(request, data)).toBe(
      'slack:398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
    );
  });

  it('answers url_verification with the challenge and publishes nothing', async () => {
    // Prepare
    const request = slackRequest(
      '{"token":"vt","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}',
    );

    // Act
    await slack.verify(request, spec, secrets);
    const data = slack.toEventData(request, spec);
    const answer = slack.answer?.(request, data, spec);

    // Assess
    expect(answer).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/plain' },
      body: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
    });
  });

  it('turns an event callback into upstream’s {type, Data} with the event id', async () => {
    // Prepare
    const body = JSON.stringify({
      token: 'vt',
      type: 'event_callback',
      event_id: 'Ev0PV52K21',
      event: {
        type: 'app_mention',
        user: 'U061F7AUR',
        text: '<@U0LAN0Z89> is it everything?',
        channel: 'C0LAN2Q65',
      },
    });
    const request = slackRequest(body);

    // Act
    await slack.verify(request, { ...spec, token: { name: 'hooks', key: 'verify' } }, secrets);
    const data = slack.toEventData(request, spec);

    // Assess
    expect(slack.answer?.(request, data, spec)).toBeUndefined();
    expect(data).toEqual({ type: 'app_mention', Data: JSON.parse(body).event });
    expect(slack.deliveryId(request, data)).toBe('slack:Ev0PV52K21');
  });

  it('reads an interaction payload', () => {
    const request = slackRequest(
      `payload=${encodeURIComponent('{"type":"block_actions","trigger_id":"t-1","actions":[]}')}`,
      'application/x-www-form-urlencoded',
    );
    expect(slack.toEventData(request, spec)).toEqual({
      type: 'block_actions',
      trigger_id: 't-1',
      actions: [],
    });
  });

  it.each([
    ['a stale timestamp', () => slackRequest('{}', 'application/json', NOW - 301)],
    ['a future timestamp', () => slackRequest('{}', 'application/json', NOW + 301)],
    ['another secret', () => slackRequest('{}', 'application/json', NOW, 'other')],
    ['other bytes', () => ({ ...slackRequest('{}'), body: Buffer.from('{} ') })],
    [
      'no signature',
      () => httpRequest({ headers: { 'X-Slack-Request-Timestamp': String(NOW) }, body: '{}' }),
    ],
  ])('refuses %s', async (_name, make) => {
    await expect(slack.verify(make(), spec, secrets)).rejects.toBeInstanceOf(AuthError);
  });

  it('refuses a wrong verification token', async () => {
    const request = slackRequest('{"token":"nope","type":"event_callback","event":{}}');
    await expect(
      slack.verify(request, { ...spec, token: { name: 'hooks', key: 'verify' } }, secrets),
    ).rejects.toBeInstanceOf(AuthError);
  });

  it('checks both secrets in the turn a request arrives once they are read, and still rejects', async () => {
    // Prepare: the local resolver keeps what it read at hand
    const local = createLocalSecretResolver({
      env: { OUTRIGGER_SECRET_HOOKS_SLACK: 'slk', OUTRIGGER_SECRET_HOOKS_VERIFY: 'vt' },
    });
    const withToken = { ...spec, token: { name: 'hooks', key: 'verify' } };
    const event = (token: string) => slackRequest(`{"token":"${token}","type":"event_callback","event":{}}`);
    await slack.verify(event('vt'), withToken, local);

    // Act
    const again = slack.verify(event('vt'), withToken, local);
    const wrongToken = slack.verify(event('nope'), withToken, local);
    const wrongSignature = slack.verify(
      slackRequest('{"token":"vt","type":"event_callback","event":{}}', 'application/json', NOW, 'other'),
      withToken,
      local,
    );

    // Assess
    expect(again).toBeUndefined();
    await expect(wrongToken).rejects.toThrow(new AuthError('invalid verification token'));
    await expect(wrongSignature).rejects.toThrow(new AuthError('slack signature check failed'));
  });

  it('refuses a form that is neither an interaction nor a command', () => {
    expect(() => slack.toEventData(slackRequest('a=1', 'application/x-www-form-urlencoded'), spec)).toThrow(
      PayloadError,
    );
  });
});

describe('stripe', () => {
  const NOW = 1_700_000_000;
  const stripe = createStripeSource(() => NOW);
  const spec = {
    webhook,
    webhookSecret: { name: 'hooks', key: 'stripe' },
    eventFilter: ['charge.succeeded'],
  };
  const body = JSON.stringify({
    id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
    object: 'event',
    type: 'charge.succeeded',
    data: { object: {} },
  });

  function header(t: number, payload = body, secret = 'whsec_x') {
    return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex')},v0=abc`;
  }

  it('accepts a valid signature and builds {event, metadata} with the event id', async () => {
    // Prepare
    const request = httpRequest({ headers: { 'Stripe-Signature': header(NOW - 10) }, body });

    // Act
    await stripe.verify(request, spec, secrets);
    const data = stripe.toEventData(request, { ...spec, metadata: { k: 'v' } });

    // Assess
    expect(data).toEqual({ event: JSON.parse(body), metadata: { k: 'v' } });
    expect(stripe.answer?.(request, data, spec)).toBeUndefined();
    expect(stripe.deliveryId(request, data)).toBe('stripe:evt_1NG8Du2eZvKYlo2CUI79vXWy');
  });

  it('accepts when any of several v1 signatures matches (secret rotation)', () => {
    const rotated = `${header(NOW, body, 'old')},v1=${header(NOW).split('v1=')[1]!.split(',')[0]}`;
    expect(() => verifyStripeSignature(rotated, Buffer.from(body), 'whsec_x', NOW)).not.toThrow();
  });

  it.each([
    ['missing', undefined],
    ['outside the 300 s tolerance', header(NOW - 301)],
    ['over other bytes', header(NOW, `${body} `)],
    ['without v1', `t=${NOW},v0=abc`],
    ['without t', header(NOW).replace(/^t=\d+,/, '')],
    ['garbled', 'garbage'],
  ])('refuses a signature %s', (_name, value) => {
    expect(() => verifyStripeSignature(value, Buffer.from(body), 'whsec_x', NOW)).toThrow(AuthError);
  });

  it('acknowledges a type outside eventFilter without publishing', () => {
    // Prepare
    const other = JSON.stringify({ id: 'evt_2', type: 'invoice.paid' });
    const request = httpRequest({ body: other });

    // Act
    const answer = stripe.answer?.(request, stripe.toEventData(request, spec), spec);

    // Assess
    expect(answer?.statusCode).toBe(200);
    expect(JSON.parse(answer!.body)).toEqual({ ok: true, filtered: true });
  });
});
