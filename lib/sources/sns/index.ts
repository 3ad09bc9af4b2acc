/**
 * The `sns` source (argoproj/argo-events: pkg/eventsources/sources/awssns/start.go) as an HTTP(S)
 * subscription: messages are verified with their SNS signature (SignatureVersion 1, SHA1withRSA, and 2,
 * SHA256withRSA) against the certificate at `SigningCertURL`, which must be an `https://sns.<region>.amazonaws.com/….pem`
 * of the topic's region (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html).
 * `SubscriptionConfirmation` is confirmed by visiting its `SubscribeURL` (same host rule); a `Notification`
 * becomes Argo's `{header, body, metadata}`.
 *
 * Deliberate differences: signatures are checked unless `validateSignature: false` (upstream checks only
 * when it is true), and messages of another topic than `topicArn` are refused.
 */
import type { KeyObject } from 'node:crypto';
import { verify as verifySignature, X509Certificate } from 'node:crypto';
import { AuthError, PayloadError } from '../../errors.ts';
import type { EventSourceFilter, WebhookContext } from '../../manifests/types.ts';
import { parseJsonObject } from '../body.ts';
import { eventHeaders, safeEventId } from '../headers.ts';
import type { HttpRequest } from '../http.ts';
import { jsonResponse } from '../response.ts';
import type { SourceModule } from '../types.ts';

/** The fields of an sns event spec this module reads. */
export interface SnsSpec {
  webhook?: WebhookContext;
  topicArn: string;
  region?: string;
  validateSignature?: boolean;
  metadata?: Record<string, string>;
  filter?: EventSourceFilter;
}

/** An SNS message as posted to an HTTP(S) subscriber. */
export interface SnsMessage {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion?: string;
  Signature?: string;
  SigningCertURL?: string;
  Subject?: string;
  Token?: string;
  SubscribeURL?: string;
  UnsubscribeURL?: string;
  [key: string]: unknown;
}

/** Event data of an SNS notification, as Argo's `SNSEventData`. */
export interface SnsEventData {
  header: Record<string, string[]>;
  body: Record<string, unknown>;
  metadata?: Record<string, string>;
}

/** Fetches a URL's text (certificates, subscription confirmations); rejects on a non-2xx answer. */
export type FetchText = (url: string) => Promise<string>;

/** Upstream reads at most 65 KiB of a certificate. */
const MAX_CERT_BYTES = 65 * 1024;
const CERT_CACHE_SIZE = 32;

/** The default FetchText: global fetch with a timeout and a size cap. */
export const fetchText: FetchText = async (url) => {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'error' });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  const text = await response.text();
  if (text.length > MAX_CERT_BYTES) throw new Error(`GET ${url} answered more than ${MAX_CERT_BYTES} bytes`);
  return text;
};

const SIGNED_KEYS: Readonly<Record<string, readonly string[]>> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

const ALGORITHMS: Readonly<Record<string, string>> = { '1': 'sha1', '2': 'sha256' };

/** The canonical "string to sign" of a message: `Key\nValue\n` for each signed key present. */
export function snsStringToSign(message: SnsMessage): string {
  const keys = SIGNED_KEYS[message.Type];
  if (!keys) throw new AuthError(`unknown SNS message type \`${String(message.Type).slice(0, 40)}\``);
  let text = '';
  for (const key of keys) {
    const value = message[key];
    // Subject is signed only when the message has one.
    if (typeof value !== 'string' || (key === 'Subject' && value === '')) continue;
    text += `${key}\n${value}\n`;
  }
  return text;
}

/** The region of a topic ARN (`arn:aws:sns:<region>:<account>:<name>`). */
export function topicRegion(topicArn: string): string | undefined {
  const parts = topicArn.split(':');
  return parts.length === 6 && parts[2] === 'sns' && /^[a-z0-9-]+$/.test(parts[3] ?? '')
    ? parts[3]
    : undefined;
}

/** True when `url` is an `https://sns.<region>.amazonaws.com[.cn]/…` URL (and, for certificates, a `.pem`). */
export function isSnsUrl(
  url: string | undefined,
  region: string,
  kind: 'certificate' | 'subscribe',
): boolean {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const hosts = [`sns.${region}.amazonaws.com`, `sns.${region}.amazonaws.com.cn`];
  return (
    parsed.protocol === 'https:' &&
    hosts.includes(parsed.hostname) &&
    parsed.port === '' &&
    parsed.username === '' &&
    parsed.password === '' &&
    (kind === 'subscribe' || (parsed.pathname.endsWith('.pem') && parsed.search === ''))
  );
}

/** Keeps signing certificates per URL (SNS rotates them rarely), bounded so a flood cannot grow it. */
export class CertificateCache {
  private readonly keys = new Map<string, Promise<KeyObject>>();

  constructor(
    private readonly fetch: FetchText = fetchText,
    private readonly now: () => number = Date.now,
  ) {}

  /** The public key of the certificate at `url`; rejects with AuthError when it cannot be used. */
  get(url: string): Promise<KeyObject> {
    let key = this.keys.get(url);
    if (!key) {
      key = this.load(url);
      if (this.keys.size >= CERT_CACHE_SIZE) this.keys.delete(this.keys.keys().next().value as string);
      this.keys.set(url, key);
      // A failed download is not remembered: the next message tries again.
      key.catch(() => this.keys.delete(url));
    }
    return key;
  }

  private async load(url: string): Promise<KeyObject> {
    let pem: string;
    try {
      pem = await this.fetch(url);
    } catch (cause) {
      throw new AuthError('could not fetch the SNS signing certificate', { cause });
    }
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch (cause) {
      throw new AuthError('SNS signing certificate is not a PEM X.509 certificate', { cause });
    }
    const now = this.now();
    if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) {
      throw new AuthError('SNS signing certificate is outside its validity period');
    }
    return cert.publicKey;
  }
}

/** Verifies an SNS message signature; throws AuthError with the reason. */
export async function verifySnsMessage(message: SnsMessage, certificates: CertificateCache): Promise<void> {
  const region = topicRegion(message.TopicArn);
  if (!region) throw new AuthError('TopicArn is not an SNS topic ARN');
  const algorithm = ALGORITHMS[message.SignatureVersion ?? ''];
  if (!algorithm) throw new AuthError('unsupported SignatureVersion (expected 1 or 2)');
  if (!isSnsUrl(message.SigningCertURL, region, 'certificate')) {
    throw new AuthError(`SigningCertURL is not an https://sns.${region}.amazonaws.com/*.pem URL`);
  }
  const signature = Buffer.from(message.Signature ?? '', 'base64');
  if (signature.length === 0) throw new AuthError('missing Signature');
  const key = await certificates.get(message.SigningCertURL!);
  if (!verifySignature(algorithm, Buffer.from(snsStringToSign(message), 'utf8'), key, signature)) {
    throw new AuthError('SNS message signature check failed');
  }
}

/** Parses a request body as an SNS message; PayloadError when it is not one. */
export function parseSnsMessage(body: Buffer): SnsMessage {
  const message = parseJsonObject(body);
  for (const key of ['Type', 'MessageId', 'TopicArn'] as const) {
    if (typeof message[key] !== 'string') throw new PayloadError(`not an SNS message: no ${key}`);
  }
  return message as SnsMessage;
}

/** The event id of an SNS message: its MessageId (the same over HTTP and Lambda deliveries). */
export function snsEventId(messageId: string): string {
  return safeEventId('sns', messageId);
}

export interface SnsSourceOptions {
  /** Certificate downloads (tests pass a cache whose fetch serves a self-signed certificate). */
  certificates?: CertificateCache;
  /** Visits a SubscribeURL (default: global fetch). */
  confirm?: FetchText;
}

/** Builds the `sns` module; options are seams for tests. */
export function createSnsSource(options: SnsSourceOptions = {}): SourceModule<SnsSpec> {
  const certificates = options.certificates ?? new CertificateCache();
  const confirm = options.confirm ?? fetchText;
  return {
    type: 'sns',
    routesOf: (spec) => spec.webhook,
    async verify(request, spec) {
      const message = parseSnsMessage(request.body);
      // Only the configured topic may reach the endpoint, so nobody can subscribe it to a topic of theirs.
      if (message.TopicArn !== spec.topicArn)
        throw new AuthError('message is from another topic than topicArn');
      if (spec.validateSignature === false) return;
      await verifySnsMessage(message, certificates);
    },
    toEventData(request: HttpRequest, spec): SnsEventData {
      const data: SnsEventData = {
        header: eventHeaders(request.headers),
        body: parseSnsMessage(request.body),
      };
      if (spec.metadata && Object.keys(spec.metadata).length > 0) data.metadata = spec.metadata;
      return data;
    },
    async handshake(_request, data) {
      const message = (data as SnsEventData).body as SnsMessage;
      if (message.Type === 'Notification') return undefined;
      if (message.Type !== 'SubscriptionConfirmation') return jsonResponse(200, { ok: true, ignored: true });
      const region = topicRegion(message.TopicArn) ?? '';
      if (!isSnsUrl(message.SubscribeURL, region, 'subscribe')) {
        throw new AuthError(`SubscribeURL is not an https://sns.${region}.amazonaws.com URL`);
      }
      try {
        await confirm(message.SubscribeURL!);
      } catch (cause) {
        // 502: SNS delivers the confirmation again.
        throw new PayloadError('could not confirm the SNS subscription', { cause, statusCode: 502 });
      }
      return jsonResponse(200, { ok: true, confirmed: true });
    },
    deliveryId: (_request, data) => snsEventId(((data as SnsEventData).body as SnsMessage).MessageId),
  };
}

/** The `sns` source module. */
export const snsSource = createSnsSource();

/** An SNS record as Lambda receives it (https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html). */
export interface SnsLambdaRecord {
  EventSource: 'aws:sns';
  EventSubscriptionArn?: string;
  Sns: {
    Type: string;
    MessageId: string;
    TopicArn: string;
    Subject?: string | null;
    Message: string;
    Timestamp: string;
    SignatureVersion?: string;
    Signature?: string;
    SigningCertUrl?: string;
    UnsubscribeUrl?: string;
    MessageAttributes?: Record<string, { Type: string; Value: string }>;
  };
}

/** True for a record of a Lambda SNS event. */
export function isSnsLambdaRecord(record: unknown): record is SnsLambdaRecord {
  const r = record as Partial<SnsLambdaRecord> | null;
  return typeof r === 'object' && r !== null && r.EventSource === 'aws:sns' && typeof r.Sns === 'object';
}

/**
 * The event data of an SNS message delivered to Lambda, shaped as the HTTP delivery Argo publishes: the
 * body with the HTTP field names (`SigningCertURL`, `UnsubscribeURL`) and the `X-Amz-Sns-*` headers SNS
 * would have sent.
 */
export function snsLambdaEventData(record: SnsLambdaRecord, spec: Pick<SnsSpec, 'metadata'>): SnsEventData {
  const sns = record.Sns;
  const body: Record<string, unknown> = { Type: sns.Type, MessageId: sns.MessageId, TopicArn: sns.TopicArn };
  if (sns.Subject) body.Subject = sns.Subject;
  body.Message = sns.Message;
  body.Timestamp = sns.Timestamp;
  if (sns.SignatureVersion !== undefined) body.SignatureVersion = sns.SignatureVersion;
  if (sns.Signature !== undefined) body.Signature = sns.Signature;
  if (sns.SigningCertUrl !== undefined) body.SigningCertURL = sns.SigningCertUrl;
  if (sns.UnsubscribeUrl !== undefined) body.UnsubscribeURL = sns.UnsubscribeUrl;
  if (sns.MessageAttributes && Object.keys(sns.MessageAttributes).length > 0) {
    body.MessageAttributes = sns.MessageAttributes;
  }
  const header: Record<string, string[]> = {
    'X-Amz-Sns-Message-Id': [sns.MessageId],
    'X-Amz-Sns-Message-Type': [sns.Type],
    ...(record.EventSubscriptionArn ? { 'X-Amz-Sns-Subscription-Arn': [record.EventSubscriptionArn] } : {}),
    'X-Amz-Sns-Topic-Arn': [sns.TopicArn],
  };
  const data: SnsEventData = { header, body };
  if (spec.metadata && Object.keys(spec.metadata).length > 0) data.metadata = spec.metadata;
  return data;
}
