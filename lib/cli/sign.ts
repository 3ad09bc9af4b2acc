/**
 * Signs a payload the way each provider does, so `outrigger send` exercises the same verification a real
 * delivery meets (lib/sources/<type> verify): GitHub `X-Hub-Signature-256`, GitLab `X-Gitlab-Token`,
 * Bitbucket `X-Hub-Signature: sha256=`, Slack `v0:<ts>:<body>`, Stripe `t=…,v1=…`, the webhook `hmac`
 * extension, and a bearer token for `authSecret`.
 */
import { randomUUID } from 'node:crypto';
import type { SecretKeySelector, WebhookContext, WebhookHmac } from '../manifests/types.ts';
import type { SecretResolver } from '../secrets/resolver.ts';
import { hmacDigest, hmacHex } from '../sources/verify.ts';

/** Facts a signature depends on, injected so tests are deterministic. */
export interface SignOptions {
  /** Unix seconds for Slack and Stripe timestamps. */
  nowSeconds: number;
  /** The delivery id put in the provider's id header. */
  deliveryId: string;
}

type Spec = Record<string, unknown>;
type Headers = Record<string, string>;

const selector = (spec: Spec, key: string) => spec[key] as SecretKeySelector | undefined;

/** Default event headers a provider always sends, so sensors that filter on them see realistic data. */
const EVENT_HEADERS: Readonly<Record<string, (id: string) => Headers>> = {
  github: (id) => ({ 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': id }),
  gitlab: (id) => ({ 'X-Gitlab-Event': 'Push Hook', 'Idempotency-Key': id }),
  bitbucket: (id) => ({ 'X-Event-Key': 'repo:push', 'X-Request-UUID': id }),
  bitbucketserver: (id) => ({ 'X-Event-Key': 'repo:refs_changed', 'X-Request-Id': id }),
};

async function webhookHmac(hmac: WebhookHmac, body: Buffer, secrets: SecretResolver): Promise<Headers> {
  const algorithm = hmac.algorithm ?? 'sha256';
  const digest = hmacDigest(algorithm, await secrets.get(hmac.secret), body);
  const encoded = (hmac.encoding ?? 'hex') === 'hex' ? digest.toString('hex') : digest.toString('base64');
  return { [hmac.header ?? 'X-Hub-Signature-256']: `${hmac.prefix ?? `${algorithm}=`}${encoded}` };
}

/** The headers a `type` provider would send with `body` for an event spec, secrets resolved with `secrets`. */
export async function providerHeaders(
  type: string,
  spec: Spec,
  context: WebhookContext | undefined,
  body: Buffer,
  secrets: SecretResolver,
  options: SignOptions,
): Promise<Headers> {
  const headers: Headers = {
    'Content-Type': 'application/json',
    ...EVENT_HEADERS[type]?.(options.deliveryId),
  };
  if (context?.authSecret) headers.Authorization = `Bearer ${await secrets.get(context.authSecret)}`;
  const webhookSecret = selector(spec, 'webhookSecret');
  switch (type) {
    case 'webhook': {
      const hmac = spec.hmac as WebhookHmac | undefined;
      if (hmac) Object.assign(headers, await webhookHmac(hmac, body, secrets));
      break;
    }
    case 'github':
      if (webhookSecret) {
        const digest = hmacHex('sha256', await secrets.get(webhookSecret), body);
        headers['X-Hub-Signature-256'] = `sha256=${digest}`;
      }
      break;
    case 'gitlab': {
      const token = selector(spec, 'secretToken');
      if (token) headers['X-Gitlab-Token'] = await secrets.get(token);
      break;
    }
    case 'bitbucket':
    case 'bitbucketserver':
      if (webhookSecret) {
        const digest = hmacHex('sha256', await secrets.get(webhookSecret), body);
        headers['X-Hub-Signature'] = `sha256=${digest}`;
      }
      break;
    case 'slack': {
      const signing = selector(spec, 'signingSecret');
      if (signing) {
        const ts = String(options.nowSeconds);
        const base = Buffer.concat([Buffer.from(`v0:${ts}:`, 'utf8'), body]);
        headers['X-Slack-Request-Timestamp'] = ts;
        headers['X-Slack-Signature'] = `v0=${hmacHex('sha256', await secrets.get(signing), base)}`;
      }
      break;
    }
    case 'stripe':
      if (webhookSecret) {
        const t = String(options.nowSeconds);
        const base = Buffer.concat([Buffer.from(`${t}.`, 'utf8'), body]);
        headers['Stripe-Signature'] =
          `t=${t},v1=${hmacHex('sha256', await secrets.get(webhookSecret), base)}`;
      }
      break;
  }
  return headers;
}

/** A fresh delivery id in the providers' GUID form. */
export const newDeliveryId = (): string => randomUUID();
