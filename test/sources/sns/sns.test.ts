import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../../lib/bus/memory/index.ts';
import { AuthError, PayloadError } from '../../../lib/errors.ts';
import { createStaticSecretResolver } from '../../../lib/secrets/local.ts';
import { createIngest } from '../../../lib/sources/ingest.ts';
import type { SnsMessage } from '../../../lib/sources/sns/index.ts';
import {
  CertificateCache,
  createSnsSource,
  snsStringToSign,
  verifySnsMessage,
} from '../../../lib/sources/sns/index.ts';
import { eventSource, httpRequest, manifestSet } from '../helpers.ts';

// A self-signed key pair made for these tests (openssl req -x509 -newkey rsa:2048); SNS's own
// certificates are fetched from https://sns.<region>.amazonaws.com at run time.
const CERT = readFileSync(new URL('./fixtures/signing-cert.pem', import.meta.url), 'utf8');
const KEY = readFileSync(new URL('./fixtures/signing-key.pem', import.meta.url), 'utf8');
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:uploads';
const CERT_URL =
  'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem';

function signed(
  fields: Partial<SnsMessage>,
  version: '1' | '2' = '1',
  key: string | Buffer = KEY,
): SnsMessage {
  const message = {
    Type: 'Notification',
    MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
    TopicArn: TOPIC,
    Subject: 'upload',
    Message: '{"key":"reports/2024.csv"}',
    Timestamp: '2024-05-01T10:00:00.000Z',
    SignatureVersion: version,
    SigningCertURL: CERT_URL,
    UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC}:1`,
    ...fields,
  } as SnsMessage;
  const signature = sign(version === '1' ? 'sha1' : 'sha256', Buffer.from(snsStringToSign(message)), key);
  return { ...message, Signature: signature.toString('base64') };
}

function certificates() {
  const fetched: string[] = [];
  const cache = new CertificateCache(async (url) => {
    fetched.push(url);
    return CERT;
  });
  return { cache, fetched };
}

describe('SNS signatures', () => {
  it.each(['1', '2'] as const)(
    'accepts SignatureVersion %s and fetches the certificate once',
    async (version) => {
      // Prepare
      const { cache, fetched } = certificates();

      // Act
      await verifySnsMessage(signed({}, version), cache);
      await verifySnsMessage(signed({ MessageId: 'another' }, version), cache);

      // Assess
      expect(fetched).toEqual([CERT_URL]);
    },
  );

  it('signs Subject only when the message has one', async () => {
    // Prepare
    const { cache } = certificates();
    const { Subject: _subject, ...withoutSubject } = signed({});

    // Act
    const text = snsStringToSign(withoutSubject as SnsMessage);

    // Assess
    expect(text).not.toContain('Subject');
    await expect(verifySnsMessage(signed({ Subject: undefined as never }), cache)).resolves.toBeUndefined();
  });

  it.each([
    ['a changed message', (m: SnsMessage) => ({ ...m, Message: '{"key":"other.csv"}' })],
    ['a changed timestamp', (m: SnsMessage) => ({ ...m, Timestamp: '2024-05-01T10:00:01.000Z' })],
    ['a version-2 signature labelled version 1', (m: SnsMessage) => ({ ...m, SignatureVersion: '1' })],
    ['an unknown SignatureVersion', (m: SnsMessage) => ({ ...m, SignatureVersion: '3' })],
    ['no signature', (m: SnsMessage) => ({ ...m, Signature: '' })],
  ])('refuses %s', async (_name, change) => {
    // Prepare
    const { cache } = certificates();

    // Act
    const act = verifySnsMessage(change(signed({}, '2')), cache);

    // Assess
    await expect(act).rejects.toThrow(AuthError);
  });

  it('refuses a signature made with another key', async () => {
    // Prepare
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { cache } = certificates();

    // Act
    const act = verifySnsMessage(
      signed({}, '1', privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
      cache,
    );

    // Assess
    await expect(act).rejects.toThrow('signature check failed');
  });

  it.each([
    ['another host', 'https://sns.us-east-1.amazonaws.com.evil.example/cert.pem'],
    ['plain http', 'http://sns.us-east-1.amazonaws.com/cert.pem'],
    ['another region', 'https://sns.eu-west-1.amazonaws.com/cert.pem'],
    ['a non-pem path', 'https://sns.us-east-1.amazonaws.com/cert.txt'],
    ['a port', 'https://sns.us-east-1.amazonaws.com:8443/cert.pem'],
    ['user info', 'https://x@sns.us-east-1.amazonaws.com/cert.pem'],
    ['not a URL', 'sns.us-east-1.amazonaws.com/cert.pem'],
  ])('refuses a SigningCertURL with %s without fetching it', async (_name, url) => {
    // Prepare
    const { cache, fetched } = certificates();

    // Act
    const act = verifySnsMessage(signed({ SigningCertURL: url }), cache);

    // Assess
    await expect(act).rejects.toThrow('SigningCertURL');
    expect(fetched).toEqual([]);
  });

  it('refuses a certificate outside its validity period and one that is not a certificate', async () => {
    // Prepare
    const expired = new CertificateCache(
      async () => CERT,
      () => Date.parse('2200-01-01T00:00:00Z'),
    );
    const garbage = new CertificateCache(async () => 'not a certificate');

    // Act & Assess
    await expect(verifySnsMessage(signed({}), expired)).rejects.toThrow('validity period');
    await expect(verifySnsMessage(signed({}), garbage)).rejects.toThrow('not a PEM X.509 certificate');
  });

  it('does not keep a failed download, so the next message tries again', async () => {
    // Prepare
    let calls = 0;
    const cache = new CertificateCache(async () => {
      calls++;
      if (calls === 1) throw new Error('connection reset');
      return CERT;
    });

    // Act
    const first = verifySnsMessage(signed({}), cache);
    await expect(first).rejects.toThrow('could not fetch');
    const second = verifySnsMessage(signed({}), cache);

    // Assess
    await expect(second).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});

describe('sns source module', () => {
  const spec = { webhook: { endpoint: '/sns', port: '12000' }, topicArn: TOPIC, region: 'us-east-1' };
  const request = (message: SnsMessage) =>
    httpRequest({
      path: '/sns',
      headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': message.Type },
      body: JSON.stringify(message),
    });

  it('verifies a notification and builds {header, body, metadata} with the MessageId as id', async () => {
    // Prepare
    const source = createSnsSource({ certificates: certificates().cache });
    const message = signed({});

    // Act
    await source.verify(request(message), spec, createStaticSecretResolver({}));
    const data = source.toEventData(request(message), { ...spec, metadata: { team: 'data' } });

    // Assess
    expect(data).toEqual({
      header: { 'Content-Type': ['text/plain; charset=UTF-8'], 'X-Amz-Sns-Message-Type': ['Notification'] },
      body: message,
      metadata: { team: 'data' },
    });
    expect(source.deliveryId(request(message), data)).toBe(`sns:${message.MessageId}`);
    await expect(source.handshake?.(request(message), data, spec)).resolves.toBeUndefined();
  });

  it('refuses a message of another topic, even unsigned checks off', async () => {
    // Prepare
    const source = createSnsSource({ certificates: certificates().cache });
    const message = signed({ TopicArn: 'arn:aws:sns:us-east-1:999999999999:theirs' });

    // Act
    const act = source.verify(
      request(message),
      { ...spec, validateSignature: false },
      createStaticSecretResolver({}),
    );

    // Assess
    await expect(act).rejects.toThrow('another topic');
  });

  it('confirms a SubscriptionConfirmation by visiting its SubscribeURL', async () => {
    // Prepare
    const visited: string[] = [];
    const source = createSnsSource({
      certificates: certificates().cache,
      confirm: async (url) => {
        visited.push(url);
        return '<ConfirmSubscriptionResponse/>';
      },
    });
    const subscribeURL = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=2336412f37`;
    const message = signed({
      Type: 'SubscriptionConfirmation',
      Token: '2336412f37',
      SubscribeURL: subscribeURL,
      Subject: undefined as never,
      Message: 'You have chosen to subscribe to the topic.',
    });

    // Act
    await source.verify(request(message), spec, createStaticSecretResolver({}));
    const answer = await source.handshake?.(
      request(message),
      source.toEventData(request(message), spec),
      spec,
    );

    // Assess
    expect(visited).toEqual([subscribeURL]);
    expect(answer?.statusCode).toBe(200);
    expect(JSON.parse(answer!.body)).toEqual({ ok: true, confirmed: true });
  });

  it.each([
    'https://sns.us-east-1.amazonaws.com.evil.example/?Action=ConfirmSubscription',
    'http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription',
    'https://example.com/?Action=ConfirmSubscription',
  ])('does not visit the SubscribeURL %s', async (subscribeURL) => {
    // Prepare
    const visited: string[] = [];
    const source = createSnsSource({ confirm: async (url) => String(visited.push(url)) });
    const message = signed({ Type: 'SubscriptionConfirmation', Token: 't', SubscribeURL: subscribeURL });

    // Act
    const act = source.handshake?.(request(message), source.toEventData(request(message), spec), spec);

    // Assess
    await expect(act).rejects.toThrow(AuthError);
    expect(visited).toEqual([]);
  });

  it('answers 502 when the confirmation fails, so SNS sends it again', async () => {
    // Prepare
    const source = createSnsSource({
      confirm: async () => {
        throw new Error('timeout');
      },
    });
    const message = signed({
      Type: 'SubscriptionConfirmation',
      Token: 't',
      SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription',
    });

    // Act
    const act = source.handshake?.(request(message), source.toEventData(request(message), spec), spec);

    // Assess
    await expect(act).rejects.toMatchObject({ statusCode: 502 });
  });

  it('refuses a body that is not an SNS message', () => {
    const source = createSnsSource();
    expect(() => source.toEventData(httpRequest({ body: '{"hello":"world"}' }), spec)).toThrow(PayloadError);
  });
});

describe('sns through HTTP ingest', () => {
  const set = manifestSet(
    eventSource('aws', {
      sns: {
        uploads: {
          webhook: { endpoint: '/sns', port: '12000', method: 'POST' },
          topicArn: TOPIC,
          region: 'us-east-1',
          validateSignature: false,
        },
      },
    }),
  );

  it('publishes a notification once however often SNS redelivers it', async () => {
    // Prepare
    const bus = new MemoryBus();
    const ingest = createIngest(set, { bus, secrets: createStaticSecretResolver({}) });
    const message = signed({});
    const request = httpRequest({ path: '/sns', body: JSON.stringify(message) });

    // Act
    const first = await ingest.handle(request);
    const again = await ingest.handle(request);

    // Assess
    expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
    expect(bus.log).toHaveLength(1);
    expect(bus.log[0]).toMatchObject({
      id: `sns:${message.MessageId}`,
      type: 'sns',
      source: 'aws',
      subject: 'uploads',
    });
    expect((bus.log[0]!.data as { body: unknown }).body).toEqual(message);
  });

  it('answers 401 and publishes nothing for another topic’s message or a foreign SubscribeURL', async () => {
    // Prepare
    const bus = new MemoryBus();
    const ingest = createIngest(set, { bus, secrets: createStaticSecretResolver({}) });
    const foreign = signed({ TopicArn: 'arn:aws:sns:us-east-1:999999999999:theirs' });
    const confirmation = signed({
      Type: 'SubscriptionConfirmation',
      Token: 't',
      SubscribeURL: 'https://attacker.example/confirm',
    });

    // Act
    const responses = await Promise.all(
      [foreign, confirmation].map((m) =>
        ingest.handle(httpRequest({ path: '/sns', body: JSON.stringify(m) })),
      ),
    );

    // Assess
    expect(responses.map((r) => r.statusCode)).toEqual([401, 401]);
    expect(bus.log).toHaveLength(0);
  });
});
