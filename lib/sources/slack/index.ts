/**
 * The `slack` source (argoproj/argo-events: pkg/eventsources/sources/slack/start.go): `v0` request
 * signatures (https://api.slack.com/authentication/verifying-requests-from-slack), `url_verification`
 * answered with the challenge, Events API callbacks, interactions (`payload=`) and slash commands.
 */

import { AuthError, PayloadError } from '../../errors.ts';
import { headerValue } from '../../events/headers.ts';
import type { SecretKeySelector, WebhookContext } from '../../manifests/types.ts';
import { parseGoForm, parseJsonObject } from '../body.ts';
import { safeEventId } from '../headers.ts';
import type { HttpRequest } from '../http.ts';
import { jsonResponse } from '../response.ts';
import type { SourceModule } from '../types.ts';
import { checkWithSecret, constantTimeEqual, hexDigest, hmacHex } from '../verify.ts';

/** The fields of a Slack event spec this module reads. */
export interface SlackSpec {
  webhook?: WebhookContext;
  signingSecret?: SecretKeySelector;
  token?: SecretKeySelector;
}

/** Slack refuses requests older than five minutes to stop replays; so do we. */
export const SLACK_MAX_AGE_SECONDS = 300;

/** The form fields of a slash command, as slack-go's `SlashCommand` names them. */
const SLASH_COMMAND_FIELDS = [
  'token',
  'team_id',
  'team_domain',
  'enterprise_id',
  'enterprise_name',
  'channel_id',
  'channel_name',
  'user_id',
  'user_name',
  'command',
  'text',
  'response_url',
  'trigger_id',
  'api_app_id',
] as const;

type SlackBody =
  | { kind: 'event'; body: Record<string, unknown> }
  | { kind: 'interaction'; payload: Record<string, unknown> }
  | { kind: 'command'; form: Record<string, string[]> };

function isForm(request: HttpRequest): boolean {
  // Upstream compares Header["Content-Type"][0] exactly, as the webhook source does.
  return headerValue(request.headers, 'Content-Type') === 'application/x-www-form-urlencoded';
}

function readBody(request: HttpRequest): SlackBody {
  if (!isForm(request)) return { kind: 'event', body: parseJsonObject(request.body) };
  const form = parseGoForm(request.body);
  const payload = form.payload?.[0];
  if (payload)
    return { kind: 'interaction', payload: parseJsonObject(Buffer.from(payload, 'utf8'), 'payload') };
  if (form.command?.[0]) return { kind: 'command', form };
  throw new PayloadError('could not determine slack type from form parameters');
}

function verifySignature(request: HttpRequest, secret: string, nowSeconds: number): void {
  const timestamp = headerValue(request.headers, 'X-Slack-Request-Timestamp');
  const signature = headerValue(request.headers, 'X-Slack-Signature');
  if (!timestamp || !signature) throw new AuthError('missing X-Slack-Signature or X-Slack-Request-Timestamp');
  if (!/^\d{1,12}$/.test(timestamp)) throw new AuthError('malformed X-Slack-Request-Timestamp');
  if (Math.abs(nowSeconds - Number(timestamp)) > SLACK_MAX_AGE_SECONDS) {
    throw new AuthError('X-Slack-Request-Timestamp is more than 5 minutes away from now');
  }
  if (!signature.startsWith('v0=')) throw new AuthError('X-Slack-Signature must start with "v0="');
  const digest = hexDigest(signature.slice(3));
  const base = Buffer.concat([Buffer.from(`v0:${timestamp}:`, 'utf8'), request.body]);
  if (!digest || !constantTimeEqual(digest, hmacHex('sha256', secret, base))) {
    throw new AuthError('slack signature check failed');
  }
}

function verifyToken(request: HttpRequest, expected: string): void {
  let token: unknown;
  try {
    token = parseJsonObject(request.body).token;
  } catch {
    return; // not JSON: toEventData answers 400
  }
  if (typeof token !== 'string' || !constantTimeEqual(token, expected)) {
    throw new AuthError('invalid verification token');
  }
}

/** Builds the Slack module; `now` is injectable for tests (seconds since the epoch). */
export function createSlackSource(now: () => number = () => Date.now() / 1000): SourceModule<SlackSpec> {
  return {
    type: 'slack',
    routesOf: (spec) => spec.webhook,
    verify(request, spec, secrets) {
      const signed = spec.signingSecret
        ? checkWithSecret(secrets, spec.signingSecret, (secret) =>
            verifySignature(request, secret, Math.floor(now())),
          )
        : undefined;
      // The (deprecated) verification token inside Events API bodies, checked as slack-go's ParseEvent does.
      const tokenSecret = spec.token;
      if (!tokenSecret || isForm(request)) return signed;
      const checkToken = () =>
        checkWithSecret(secrets, tokenSecret, (expected) => verifyToken(request, expected));
      return signed ? signed.then(checkToken) : checkToken();
    },
    toEventData(request) {
      const body = readBody(request);
      if (body.kind === 'interaction') return body.payload;
      if (body.kind === 'command') {
        const command: Record<string, unknown> = {};
        for (const field of SLASH_COMMAND_FIELDS) command[field] = body.form[field]?.[0] ?? '';
        command.is_enterprise_install = body.form.is_enterprise_install?.[0] === 'true';
        return command;
      }
      // Upstream publishes json.Marshal(InnerEvent): {"type": <event type>, "Data": <event>}.
      const inner = body.body.event;
      if (body.body.type === 'event_callback' && (typeof inner !== 'object' || inner === null)) {
        throw new PayloadError('event_callback without an event object');
      }
      const type = (inner as { type?: unknown } | undefined)?.type;
      return { type: typeof type === 'string' ? type : '', Data: inner ?? null };
    },
    answer(request) {
      if (isForm(request)) return undefined;
      const body = parseJsonObject(request.body);
      if (body.type === 'url_verification') {
        const challenge = typeof body.challenge === 'string' ? body.challenge : '';
        return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: challenge };
      }
      // Only callbacks carry events; anything else (app_rate_limited…) is acknowledged and not published.
      if (body.type !== 'event_callback') return jsonResponse(200, { ok: true, ignored: true });
      return undefined;
    },
    deliveryId(request) {
      const body = (() => {
        try {
          return readBody(request);
        } catch {
          return undefined;
        }
      })();
      if (!body) return undefined;
      const id =
        body.kind === 'event'
          ? body.body.event_id
          : body.kind === 'interaction'
            ? body.payload.trigger_id
            : body.form.trigger_id?.[0];
      return typeof id === 'string' && id !== '' ? safeEventId('slack', id) : undefined;
    },
  };
}

/** The `slack` source module. */
export const slackSource = createSlackSource();
