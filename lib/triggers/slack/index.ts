/**
 * The `slack` trigger: chat.postMessage (argoproj/argo-events: pkg/sensors/triggers/slack/slack.go;
 * semantics §6.6; https://api.slack.com/methods/chat.postMessage). As upstream, only trigger-level
 * parameters apply (`dest: slack.message`); resource-level `slack.parameters` have no effect (§5.1).
 *
 * Threads: with `thread.messageAggregationKey`, the first message's `ts` is remembered per sensor, trigger
 * and key, and later messages reply in that thread (optionally broadcast to the channel). Upstream keeps
 * this map in the sensor pod; here it lives as long as the function container.
 */
import { TriggerError } from '../../errors.ts';
import type { SecretKeySelector, TriggerParameter } from '../../manifests/types.ts';
import { redactUrl, sendRequest } from '../http/request.ts';
import { secretValue } from '../http/secrets.ts';
import type { FiredEvents, RenderContext, TriggerClients, TriggerOutcome, TriggerType } from '../types.ts';

/** `template.slack` (Argo's SlackTrigger). */
export interface SlackTriggerSpec {
  parameters?: TriggerParameter[];
  slackToken: SecretKeySelector;
  channel?: string;
  message?: string;
  /** JSON array text of legacy attachments. */
  attachments?: string;
  /** JSON array text of Block Kit blocks. */
  blocks?: string;
  thread?: { messageAggregationKey?: string; broadcastMessageToChannel?: boolean };
  sender?: { username?: string; icon?: string };
}

/** What render produces: the chat.postMessage body without thread fields, and how to thread it. */
export interface SlackRequest {
  token: SecretKeySelector;
  body: Record<string, unknown>;
  /** Key of the remembered thread (`sensor/trigger/aggregationKey`), when threading. */
  threadKey: string | undefined;
  broadcast: boolean;
}

/** Slack Web API base URL used when none is configured. */
export const DEFAULT_SLACK_API = 'https://slack.com/api';

/** Slack `error` codes worth retrying (https://api.slack.com/methods/chat.postMessage#errors). */
const TRANSIENT_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

function parseJsonList(
  text: string | undefined,
  field: string,
  context: RenderContext,
): unknown[] | undefined {
  if (!text) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new TriggerError(
      `slack trigger "${context.triggerName}": ${field} is not valid JSON: ${(err as Error).message}`,
      { retryable: false },
    );
  }
  if (!Array.isArray(parsed)) {
    throw new TriggerError(`slack trigger "${context.triggerName}": ${field} must be a JSON array`, {
      retryable: false,
    });
  }
  return parsed;
}

/** Builds the message (pure); `spec` is the template after trigger-level parameters. */
export function renderSlack(
  spec: SlackTriggerSpec,
  _events: FiredEvents,
  context: RenderContext,
): SlackRequest {
  const channel = (spec.channel ?? '').replace(/^#/, '');
  if (!channel) {
    throw new TriggerError(`slack trigger "${context.triggerName}": no slack channel provided`, {
      retryable: false,
    });
  }
  const attachments = parseJsonList(spec.attachments, 'attachments', context);
  const blocks = parseJsonList(spec.blocks, 'blocks', context);
  if (!spec.message && !attachments && !blocks) {
    throw new TriggerError(
      `slack trigger "${context.triggerName}": one of message, attachments or blocks is required`,
      { retryable: false },
    );
  }
  const body: Record<string, unknown> = { channel };
  if (spec.message) body.text = spec.message;
  if (attachments) body.attachments = attachments;
  if (blocks) body.blocks = blocks;
  if (spec.sender?.username) body.username = spec.sender.username;
  if (spec.sender?.icon) {
    if (/^https?:\/\//.test(spec.sender.icon)) body.icon_url = spec.sender.icon;
    else body.icon_emoji = spec.sender.icon;
  }
  const key = spec.thread?.messageAggregationKey;
  return {
    token: spec.slackToken,
    body,
    threadKey: key ? `${context.sensorName}/${context.triggerName}/${key}` : undefined,
    broadcast: spec.thread?.broadcastMessageToChannel === true,
  };
}

const threads = new Map<string, string>();

/** Forgets remembered threads (tests). */
export function resetSlackThreads(): void {
  threads.clear();
}

interface SlackAnswer {
  ok?: boolean;
  error?: string;
  ts?: string;
}

async function callSlack(
  base: string,
  method: string,
  token: string,
  body: Record<string, unknown>,
): Promise<SlackAnswer> {
  const url = `${base.replace(/\/+$/, '')}/${method}`;
  const response = await sendRequest({
    url,
    method: 'POST',
    headers: [
      ['Authorization', `Bearer ${token}`],
      ['Content-Type', 'application/json; charset=utf-8'],
    ],
    body: JSON.stringify(body),
    timeoutMs: 30_000,
  });
  if (response.status === 429 || response.status >= 500) {
    const after = response.headers['retry-after'];
    throw new TriggerError(
      `slack ${method} at ${redactUrl(url)} answered ${response.status}${after ? ` (retry after ${after} s)` : ''}`,
      { retryable: true },
    );
  }
  try {
    return JSON.parse(response.body) as SlackAnswer;
  } catch {
    throw new TriggerError(`slack ${method} answered ${response.status} with a body that is not JSON`, {
      retryable: response.status >= 500,
    });
  }
}

function slackFailure(method: string, error: string | undefined): TriggerError {
  const code = error ?? 'unknown_error';
  return new TriggerError(`slack ${method} failed: ${code}`, { retryable: TRANSIENT_ERRORS.has(code) });
}

/** Posts the message; joins a public channel once when the app is not in it, as upstream does. */
export async function executeSlack(request: SlackRequest, clients: TriggerClients): Promise<TriggerOutcome> {
  const token = await secretValue(clients, request.token, 'slack slackToken');
  const base = clients.slackApiUrl ?? DEFAULT_SLACK_API;
  const body = { ...request.body };
  const threadTs = request.threadKey === undefined ? undefined : threads.get(request.threadKey);
  if (threadTs !== undefined) {
    body.thread_ts = threadTs;
    if (request.broadcast) body.reply_broadcast = true;
  }
  let answer = await callSlack(base, 'chat.postMessage', token, body);
  if (!answer.ok && answer.error === 'not_in_channel') {
    const joined = await callSlack(base, 'conversations.join', token, { channel: body.channel });
    if (!joined.ok) {
      throw new TriggerError(
        `slack: the app is not in channel ${String(body.channel)} and could not join it (${joined.error ?? 'unknown_error'}); invite it to private channels`,
        { retryable: TRANSIENT_ERRORS.has(joined.error ?? '') },
      );
    }
    answer = await callSlack(base, 'chat.postMessage', token, body);
  }
  if (!answer.ok) throw slackFailure('chat.postMessage', answer.error);
  if (request.threadKey !== undefined && threadTs === undefined && answer.ts)
    threads.set(request.threadKey, answer.ts);
  return {
    summary: `posted to slack channel ${String(body.channel)}${threadTs ? ' (in thread)' : ''}`,
    result: { ts: answer.ts },
  };
}

/** The slack trigger type. */
export const slackTrigger: TriggerType<SlackTriggerSpec, SlackRequest> = {
  type: 'slack',
  render: renderSlack,
  execute: executeSlack,
};
