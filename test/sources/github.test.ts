import { describe, expect, it } from 'vitest';
import { AuthError, ErrorCode, PayloadError } from '../../lib/errors.ts';
import { encodeEvent, newEvent } from '../../lib/events/envelope.ts';
import { dataJson } from '../../lib/events/raw-json.ts';
import type { GithubEventSpec } from '../../lib/manifests/types.ts';
import { createLocalSecretResolver, createStaticSecretResolver } from '../../lib/secrets/local.ts';
import { githubSource, verifyGithubSignature } from '../../lib/sources/github/index.ts';
import { MASKED_AUTH } from '../../lib/sources/headers.ts';
import { githubExamples, httpRequest, sign } from './helpers.ts';

// google/go-github github/messages_test.go (v50.2.0): secret, body and signatures of TestValidatePayload.
const GO_GITHUB_SECRET = '0123456789abcdef';
const GO_GITHUB_BODY = '{"yo":true}';

const secrets = createStaticSecretResolver({ github: { secret: GO_GITHUB_SECRET } });
const spec: GithubEventSpec = {
  webhook: { endpoint: '/push', port: '12000', method: 'POST' },
  webhookSecret: { name: 'github', key: 'secret' },
};

async function verify(headers: Record<string, string>, body = GO_GITHUB_BODY, s: GithubEventSpec = spec) {
  return githubSource.verify(httpRequest({ headers, body }), s, secrets);
}

describe('github signature verification (conformance section I)', () => {
  it('accepts GitHub’s documented sha256 vector', () => {
    // Prepare: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

    // Act
    const check = () =>
      verifyGithubSignature(signature, Buffer.from('Hello, World!'), "It's a Secret to Everybody");

    // Assess
    expect(check).not.toThrow();
  });

  it('refuses a request without a signature (GH-01)', async () => {
    await expect(verify({})).rejects.toThrow(new AuthError('missing signature'));
  });

  it.each([
    ['GH-02 no prefix', 'yo'],
    ['GH-03 empty digest', 'sha1=yo'],
    ['GH-04 wrong digest', 'sha1=012345'],
    ['unknown algorithm', 'md5=126f2c800419c60137ce748d7672e77b65cf16d6'],
    ['upper-case algorithm', 'SHA1=126f2c800419c60137ce748d7672e77b65cf16d6'],
    ['truncated digest', 'sha1=126f2c800419c60137ce748d7672e77b65cf16d'],
    ['sha1 digest under the sha256 prefix', 'sha256=126f2c800419c60137ce748d7672e77b65cf16d6'],
  ])('refuses a garbled or wrong signature (%s)', async (_name, signature) => {
    await expect(verify({ 'X-Hub-Signature': signature })).rejects.toBeInstanceOf(AuthError);
  });

  it.each([
    ['GH-05 sha1 in X-Hub-Signature', 'X-Hub-Signature', 'sha1=126f2c800419c60137ce748d7672e77b65cf16d6'],
    [
      'GH-06 sha256 in X-Hub-Signature',
      'X-Hub-Signature',
      'sha256=b1f8020f5b4cd42042f807dd939015c4a418bc1ff7f604dd55b0a19b5d953d9b',
    ],
    [
      'GH-07 sha256 in X-Hub-Signature-256',
      'x-hub-signature-256',
      'sha256=b1f8020f5b4cd42042f807dd939015c4a418bc1ff7f604dd55b0a19b5d953d9b',
    ],
    [
      'GH-08 sha512',
      'X-HUB-SIGNATURE',
      'sha512=8456767023c1195682e182a23b3f5d19150ecea598fde8cb85918f7281b16079471b1329f92b912c4d8bd7455cb159777db8f29608b20c7c87323ba65ae62e1f',
    ],
  ])('accepts the prefix-selected algorithm (%s)', async (_name, header, signature) => {
    await expect(verify({ [header]: signature })).resolves.toBeUndefined();
  });

  it('accepts a digest in upper-case hex, as Go decodes either case', async () => {
    // Prepare
    const signature = 'sha256=B1F8020F5B4CD42042F807DD939015C4A418BC1FF7F604DD55B0A19B5D953D9B';

    // Act / Assess
    await expect(verify({ 'X-Hub-Signature-256': signature })).resolves.toBeUndefined();
    await expect(verify({ 'X-Hub-Signature-256': signature.replace('B1F8', 'B1F9') })).rejects.toThrow(
      new AuthError('payload signature check failed'),
    );
  });

  it('accepts a form delivery signed over its url-encoded bytes (GH-09)', async () => {
    // Prepare
    const body = 'payload=%7B%22yo%22%3Atrue%7D';

    // Act
    const result = verify({ 'X-Hub-Signature': 'sha1=3374ef144403e8035423b23b02e2c9d7a4c50368' }, body);

    // Assess
    await expect(result).resolves.toBeUndefined();
  });

  it('refuses a signature over other bytes', async () => {
    // Prepare
    const signature = sign('sha256', GO_GITHUB_SECRET, '{"yo":false}');

    // Act
    const result = verify({ 'X-Hub-Signature-256': signature });

    // Assess
    await expect(result).rejects.toThrow('payload signature check failed');
  });

  it('prefers X-Hub-Signature-256 over X-Hub-Signature', async () => {
    // Prepare: a valid sha1 in the old header must not rescue a wrong sha256 in the new one.
    const headers = {
      'X-Hub-Signature-256': sign('sha256', 'other', GO_GITHUB_BODY),
      'X-Hub-Signature': 'sha1=126f2c800419c60137ce748d7672e77b65cf16d6',
    };

    // Act
    const result = verify(headers);

    // Assess
    await expect(result).rejects.toBeInstanceOf(AuthError);
  });

  it('accepts unsigned requests when no webhookSecret is configured, as upstream', async () => {
    // Prepare
    const unsigned: GithubEventSpec = { webhook: spec.webhook! };

    // Act
    const result = verify({ 'X-Hub-Signature': 'garbage' }, GO_GITHUB_BODY, unsigned);

    // Assess
    await expect(result).resolves.toBeUndefined();
  });

  it('checks in the turn a delivery arrives once the secret is read, rejecting forgeries all the same', async () => {
    // Prepare: the local resolver, which keeps what it read at hand
    const local = createLocalSecretResolver({ env: { OUTRIGGER_SECRET_GITHUB_SECRET: GO_GITHUB_SECRET } });
    const request = (secret: string) =>
      httpRequest({
        headers: { 'X-Hub-Signature-256': sign('sha256', secret, GO_GITHUB_BODY) },
        body: GO_GITHUB_BODY,
      });
    await githubSource.verify(request(GO_GITHUB_SECRET), spec, local);

    // Act
    const again = githubSource.verify(request(GO_GITHUB_SECRET), spec, local);
    const forged = githubSource.verify(request('forged'), spec, local);
    const unsigned = githubSource.verify(httpRequest({ body: GO_GITHUB_BODY }), spec, local);

    // Assess
    expect(again).toBeUndefined();
    await expect(forged).rejects.toThrow(new AuthError('payload signature check failed'));
    await expect(unsigned).rejects.toThrow(new AuthError('missing signature'));
  });
});

describe('github event data', () => {
  it('adds X-GitHub-Event and X-GitHub-Delivery to the body (GH-14)', () => {
    // Prepare
    const request = httpRequest({
      headers: {
        'X-GitHub-Event': 'PushEvent',
        'X-GitHub-Delivery': '131C7C9B-A571-4F60-9ACA-EA3ADA19FABE',
        'Content-Type': 'application/json',
      },
      body: '{ "hello": "world" }',
    });

    // Act
    const data = githubSource.toEventData(request, { webhook: spec.webhook! });

    // Assess
    expect(data).toEqual({
      headers: {
        'Content-Type': ['application/json'],
        'X-Github-Delivery': ['131C7C9B-A571-4F60-9ACA-EA3ADA19FABE'],
        'X-Github-Event': ['PushEvent'],
      },
      body: {
        hello: 'world',
        'X-GitHub-Event': 'PushEvent',
        'X-GitHub-Delivery': '131C7C9B-A571-4F60-9ACA-EA3ADA19FABE',
      },
    });
  });

  it('writes empty strings when the GitHub headers are absent', () => {
    // Act
    const data = githubSource.toEventData(
      httpRequest({ headers: { 'content-type': 'application/json' }, body: '{}' }),
      {},
    );

    // Assess
    expect(data).toMatchObject({ body: { 'X-GitHub-Event': '', 'X-GitHub-Delivery': '' } });
  });

  it('gives consumers the body with keys sorted at every level, as Go marshals a map', () => {
    // Prepare
    const request = httpRequest({
      headers: { 'content-type': 'application/json' },
      body: '{"z":{"b":1,"a":[{"d":1,"c":2}]},"a":1}',
    });

    // Act: the text an in-process consumer reads (the embedded bus hands over the object itself)
    const data = githubSource.toEventData(request, {}, true) as { body: unknown };
    const text = dataJson(data);

    // Assess: the fields in Argo's struct order, the body's keys in byte order
    expect(text).toBe(
      '{"headers":{"Content-Type":["application/json"]},"body":{"X-GitHub-Delivery":"","X-GitHub-Event":"","a":1,"z":{"a":[{"c":2,"d":1}],"b":1}}}',
    );
    expect(data.body).toEqual(JSON.parse(text!).body);
  });

  it('puts on the bus the text Go marshals the map to, where JSON.stringify would differ', () => {
    // Prepare: integer-like keys (a JavaScript object lists them first), a key past U+FFFF (UTF-16 and
    // UTF-8 order differ), -0, a lone surrogate, and an integer past 2^53 (a float64 in Go too).
    const request = httpRequest({
      headers: { 'content-type': 'application/json', 'x-github-event': 'push' },
      body: '{"b":1,"10":2,"9":{"2":1,"10":[-0]},"\ud83d\ude00":1,"\uffee":2,"s":"\ud800","n":12345678901234567890}',
    });

    // Act
    const data = githubSource.toEventData(request, {});
    const encoded = encodeEvent(newEvent({ source: 'gh', subject: 'push', type: 'github', data }));

    // Assess: Go's order is byte order; its float64 prints as JavaScript's double does.
    expect(encoded).toContain(
      '"body":{"10":2,"9":{"10":[-0],"2":1},"X-GitHub-Delivery":"","X-GitHub-Event":"push","b":1,"n":12345678901234567000,"s":"\ufffd","\uffee":2,"\ud83d\ude00":1}',
    );
  });

  it('reads the payload field of a form delivery', () => {
    // Prepare
    const request = httpRequest({
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'payload=%7B%22yo%22%3Atrue%7D',
    });

    // Act
    const data = githubSource.toEventData(request, {}) as { body: Record<string, unknown> };

    // Assess
    expect(data.body.yo).toBe(true);
  });

  it('accepts a charset parameter on the content type', () => {
    // Prepare
    const request = httpRequest({
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: '{"a":1}',
    });

    // Act
    const data = githubSource.toEventData(request, {}) as { body: Record<string, unknown> };

    // Assess
    expect(data.body.a).toBe(1);
  });

  it.each([
    ['a JSON array', 'application/json', '[1,2]', ErrorCode.PayloadInvalid],
    ['a JSON string', 'application/json', '"push"', ErrorCode.PayloadInvalid],
    ['truncated JSON', 'application/json', '{"ref":', ErrorCode.PayloadInvalid],
    ['an empty body', 'application/json', '', ErrorCode.PayloadInvalid],
    ['a form without payload', 'application/x-www-form-urlencoded', 'other=1', ErrorCode.PayloadInvalid],
    ['text/plain', 'text/plain', '{}', ErrorCode.UnsupportedMediaType],
  ])('refuses %s', (_name, contentType, body, code) => {
    // Act
    const act = () =>
      githubSource.toEventData(httpRequest({ headers: { 'content-type': contentType }, body }), {});

    // Assess
    expect(act).toThrow(PayloadError);
    try {
      act();
    } catch (err) {
      expect((err as PayloadError).code).toBe(code);
    }
  });

  it('refuses a request without a content type with 415', () => {
    expect(() => githubSource.toEventData(httpRequest({ body: '{}' }), {})).toThrow(
      expect.objectContaining({ statusCode: 415 }),
    );
  });

  it('masks Authorization in event headers and copies metadata', () => {
    // Prepare
    const request = httpRequest({
      headers: { 'content-type': 'application/json', authorization: 'Bearer s3cr3t' },
      body: '{}',
    });

    // Act
    const data = githubSource.toEventData(request, { metadata: { team: 'ci' } });

    // Assess
    expect(data).toMatchObject({ headers: { Authorization: [MASKED_AUTH] }, metadata: { team: 'ci' } });
    expect(JSON.stringify(data)).not.toContain('s3cr3t');
  });
});

describe('github delivery ids', () => {
  it('combines the hook id and the delivery id', () => {
    // Prepare
    const request = httpRequest({ headers: { 'X-GitHub-Hook-ID': '42', 'x-github-delivery': 'abc-123' } });

    // Act
    const id = githubSource.deliveryId(request, undefined);

    // Assess
    expect(id).toBe('github:42:abc-123');
  });

  it('uses the delivery id alone when the hook id is missing, and nothing when both are', () => {
    expect(githubSource.deliveryId(httpRequest({ headers: { 'X-GitHub-Delivery': 'abc' } }), undefined)).toBe(
      'github:abc',
    );
    expect(githubSource.deliveryId(httpRequest(), undefined)).toBeUndefined();
  });

  it('hashes a delivery id that could not travel as a bus message id', () => {
    // Prepare
    const request = httpRequest({ headers: { 'X-GitHub-Delivery': 'x'.repeat(300) } });

    // Act
    const id = githubSource.deliveryId(request, undefined);

    // Assess
    expect(id).toMatch(/^github:sha256:[0-9a-f]{64}$/);
  });
});

describe('github with real payloads from @octokit/webhooks-examples', () => {
  const examples = [...githubExamples()].flatMap(([name, list]) =>
    list.slice(0, 2).map((e) => [name, e] as const),
  );

  it.each(examples)('verifies and converts a signed %s delivery', async (name, example) => {
    // Prepare
    const body = JSON.stringify(example, null, 2);
    const request = httpRequest({
      headers: {
        'Content-Type': 'application/json',
        'X-GitHub-Event': name,
        'X-GitHub-Delivery': 'd1',
        'X-Hub-Signature-256': sign('sha256', GO_GITHUB_SECRET, body),
      },
      body,
    });

    // Act
    await githubSource.verify(request, spec, secrets);
    const data = githubSource.toEventData(request, spec) as { body: Record<string, unknown> };

    // Assess
    expect(data.body).toEqual({ ...example, 'X-GitHub-Event': name, 'X-GitHub-Delivery': 'd1' });
  });

  it.each(examples.slice(0, 10))(
    'refuses a %s delivery whose body was altered after signing',
    async (name, example) => {
      // Prepare
      const body = JSON.stringify(example);
      const request = httpRequest({
        headers: {
          'Content-Type': 'application/json',
          'X-Hub-Signature-256': sign('sha256', GO_GITHUB_SECRET, body),
        },
        body: `${body} `,
      });

      // Act
      const result = githubSource.verify(request, spec, secrets);

      // Assess
      await expect(result, name).rejects.toBeInstanceOf(AuthError);
    },
  );
});
