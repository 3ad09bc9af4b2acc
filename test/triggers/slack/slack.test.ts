import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isRetryable, TriggerError } from '../../../lib/errors.ts';
import type { Trigger } from '../../../lib/manifests/types.ts';
import { runTrigger } from '../../../lib/triggers/run.ts';
import { resetSlackThreads, type SlackTriggerSpec, slackTrigger } from '../../../lib/triggers/slack/index.ts';
import type { FiredEvents, TriggerClients } from '../../../lib/triggers/types.ts';
import { event, type HttpSink, memorySecrets, renderContext, startHttpSink } from '../fixtures.ts';

const events: FiredEvents = { push: event('e1', { body: { repo: 'backend', pusher: 'ada' } }) };
const context = renderContext();
const token = { name: 'slack', key: 'token' };

const spec = (overrides: Partial<SlackTriggerSpec> = {}): SlackTriggerSpec => ({
  slackToken: token,
  channel: '#builds',
  message: 'build started',
  ...overrides,
});

const ok = (ts = '1714557600.000100') => ({
  status: 200,
  body: JSON.stringify({ ok: true, channel: 'C1', ts }),
  headers: { 'content-type': 'application/json' },
});
const slackError = (error: string) => ({
  status: 200,
  body: JSON.stringify({ ok: false, error }),
  headers: { 'content-type': 'application/json' },
});

let sink: HttpSink;
let clients: TriggerClients;
beforeAll(async () => {
  sink = await startHttpSink();
  clients = { slackApiUrl: `${sink.url}/api`, secrets: memorySecrets({ 'slack/token': 'xoxb-test' }) };
});
afterAll(() => sink.close());
beforeEach(() => {
  sink.requests.length = 0;
  sink.answer(ok());
  resetSlackThreads();
});

const sentBodies = () => sink.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>);

describe('slack trigger render', () => {
  it('strips the leading # and parses attachments and blocks', () => {
    // Act
    const request = slackTrigger.render(
      spec({
        attachments: '[{"color":"good","text":"ok"}]',
        blocks: '[{"type":"section","text":{"type":"mrkdwn","text":"*done*"}}]',
        sender: { username: 'outrigger', icon: ':rocket:' },
      }),
      events,
      context,
    );

    // Assess
    expect(request).toEqual({
      token,
      body: {
        channel: 'builds',
        text: 'build started',
        attachments: [{ color: 'good', text: 'ok' }],
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*done*' } }],
        username: 'outrigger',
        icon_emoji: ':rocket:',
      },
      threadKey: undefined,
      broadcast: false,
    });
  });

  it('uses an icon URL as icon_url', () => {
    // Act
    const request = slackTrigger.render(
      spec({ sender: { icon: 'https://example.com/i.png' } }),
      events,
      context,
    );

    // Assess
    expect(request.body.icon_url).toBe('https://example.com/i.png');
  });

  it.each([
    [{ channel: '' }, 'no slack channel provided'],
    [{ message: '' }, 'one of message, attachments or blocks is required'],
    [{ blocks: '{not json' }, 'blocks is not valid JSON'],
    [{ attachments: '{"a":1}' }, 'attachments must be a JSON array'],
  ] as const)('refuses %j: %s', (overrides, message) => {
    // Act
    const act = () => slackTrigger.render(spec(overrides), events, context);

    // Assess
    expect(act).toThrow(TriggerError);
    expect(act).toThrow(message);
  });
});

describe('slack trigger execute against a loopback Slack API', () => {
  it('posts chat.postMessage with the bot token from the secret store', async () => {
    // Act
    const outcome = await slackTrigger.execute(slackTrigger.render(spec(), events, context), clients);

    // Assess
    const sent = sink.requests[0];
    expect(sent?.url).toBe('/api/chat.postMessage');
    expect(sent?.headers.authorization).toBe('Bearer xoxb-test');
    expect(sent?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(sentBodies()).toEqual([{ channel: 'builds', text: 'build started' }]);
    expect(outcome.summary).toBe('posted to slack channel builds');
  });

  it('takes the message from trigger-level parameters and ignores slack.parameters, as upstream', async () => {
    // Prepare
    const trigger: Trigger = {
      template: {
        name: 'notify',
        slack: {
          ...spec(),
          parameters: [{ src: { dependencyName: 'push', dataKey: 'body.repo' }, dest: 'message' }],
        },
      },
      parameters: [
        {
          src: {
            dependencyName: 'push',
            dataTemplate: '{{ .Input.body.pusher }} pushed {{ .Input.body.repo }}',
          },
          dest: 'slack.message',
        },
      ],
    };

    // Act
    await runTrigger(trigger, events, context, clients);

    // Assess
    expect(sentBodies()).toEqual([{ channel: 'builds', text: 'ada pushed backend' }]);
  });

  it('replies in the thread of the first message with the same aggregation key', async () => {
    // Prepare
    sink.answer(ok('111.1'), ok('222.2'));
    const threaded = spec({ thread: { messageAggregationKey: 'backend', broadcastMessageToChannel: true } });

    // Act
    await slackTrigger.execute(slackTrigger.render(threaded, events, context), clients);
    const second = await slackTrigger.execute(slackTrigger.render(threaded, events, context), clients);

    // Assess
    expect(sentBodies()).toEqual([
      { channel: 'builds', text: 'build started' },
      { channel: 'builds', text: 'build started', thread_ts: '111.1', reply_broadcast: true },
    ]);
    expect(second.summary).toBe('posted to slack channel builds (in thread)');
  });

  it('joins the channel once when the app is not in it, then posts', async () => {
    // Prepare
    sink.answer(slackError('not_in_channel'), ok(), ok());

    // Act
    await slackTrigger.execute(slackTrigger.render(spec(), events, context), clients);

    // Assess
    expect(sink.requests.map((r) => r.url)).toEqual([
      '/api/chat.postMessage',
      '/api/conversations.join',
      '/api/chat.postMessage',
    ]);
  });

  it.each([
    [slackError('channel_not_found'), false, 'slack chat.postMessage failed: channel_not_found'],
    [slackError('ratelimited'), true, 'slack chat.postMessage failed: ratelimited'],
    [{ status: 429, headers: { 'retry-after': '3' } }, true, /answered 429 \(retry after 3 s\)$/],
    [{ status: 503 }, true, /answered 503$/],
  ] as const)('maps the answer %j to retryable: %s', async (answer, retryable, message) => {
    // Prepare
    sink.answer(answer);

    // Act
    const error = await slackTrigger
      .execute(slackTrigger.render(spec(), events, context), clients)
      .catch((err: unknown) => err);

    // Assess
    expect(error).toBeInstanceOf(TriggerError);
    expect(isRetryable(error)).toBe(retryable);
    expect((error as Error).message).toMatch(message);
  });
});
