/**
 * Secret hygiene (issue 10): a run with known secret values (webhook HMAC secret, bearer token, JetStream
 * token) leaks none of them into logs, printed lines, bus events, HTTP answers, error messages or dry-run
 * files; every secret or signature comparison is constant-time; outbound calls refuse link-local and
 * metadata addresses unless allowed.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusRecord } from '../../lib/bus/port.ts';
import { ack } from '../../lib/bus/port.ts';
import type { LocalRunner } from '../../lib/local/runner.ts';
import { startLocal } from '../../lib/local/runner.ts';
import { createLogger } from '../../lib/observability/log.ts';
import { checkTarget, sendRequest } from '../../lib/triggers/http/request.ts';
import { fetchSource } from '../../lib/triggers/k8s/source.ts';
import { pushPayload } from '../support/github-payloads.ts';
import type { NatsServer } from '../support/nats-server.ts';
import { requireNatsServer, startNatsServer } from '../support/nats-server.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const secrets = {
  webhook: `hygiene-whsec-${randomUUID()}`,
  bearer: `hygiene-bearer-${randomUUID()}`,
  nats: `hygienenats${randomUUID().replaceAll('-', '')}`,
};

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe.runIf(requireNatsServer())('a run with known secrets', () => {
  let nats: NatsServer;
  let runner: LocalRunner;
  let workDir: string;
  const captured: string[] = [];
  const events: BusRecord[] = [];

  beforeAll(async () => {
    nats = await startNatsServer({ token: secrets.nats });
    workDir = await mkdtemp(path.join(tmpdir(), 'outrigger-hygiene-'));
    const dir = path.join(workDir, 'manifests');
    await mkdir(dir);
    await writeFile(
      path.join(dir, 'all.yaml'),
      `apiVersion: argoproj.io/v1alpha1
kind: EventBus
metadata: {name: default}
spec:
  jetstreamExotic:
    url: ${nats.url}
    accessSecret: {name: hygiene-nats, key: token}
---
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {name: hygiene}
spec:
  webhook:
    signed:
      port: "12000"
      endpoint: /signed
      method: POST
      hmac:
        secret: {name: hygiene-webhook, key: hmac}
    bearer:
      port: "12000"
      endpoint: /bearer
      method: POST
      authSecret: {name: hygiene-webhook, key: bearer}
---
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: {name: hygiene-sensor}
spec:
  dependencies:
    - {name: signed, eventSourceName: hygiene, eventName: signed}
    - {name: bearer, eventSourceName: hygiene, eventName: bearer}
  triggers:
    - template:
        name: job
        conditions: signed || bearer
        k8s:
          operation: create
          source:
            resource:
              apiVersion: batch/v1
              kind: Job
              metadata: {generateName: hygiene-, namespace: ci}
              spec: {template: {spec: {containers: [{name: c, image: i}], restartPolicy: Never}}}
          parameters:
            - src: {dependencyName: signed, dataKey: header, value: none}
              dest: metadata.annotations.headers
    - template:
        name: log
        log: {}
`,
    );
    process.env.OUTRIGGER_SECRET_HYGIENE_WEBHOOK_HMAC = secrets.webhook;
    process.env.OUTRIGGER_SECRET_HYGIENE_WEBHOOK_BEARER = secrets.bearer;
    process.env.OUTRIGGER_SECRET_HYGIENE_NATS_TOKEN = secrets.nats;
    runner = await startLocal({
      paths: [dir],
      portMap: { 12000: 0 },
      workDir,
      logger: createLogger({ level: 'debug', write: (line) => captured.push(line) }),
      print: (line) => captured.push(line),
    });
    await runner.bus.consume({ name: 'hygiene-audit', subjects: ['default.>'] }, async (records) => {
      events.push(...records);
      return records.map(() => ack);
    });
  });

  afterAll(async () => {
    await runner?.close();
    await nats?.stop();
    await rm(workDir, { recursive: true, force: true });
    delete process.env.OUTRIGGER_SECRET_HYGIENE_WEBHOOK_HMAC;
    delete process.env.OUTRIGGER_SECRET_HYGIENE_WEBHOOK_BEARER;
    delete process.env.OUTRIGGER_SECRET_HYGIENE_NATS_TOKEN;
  });

  it('leaks no secret into logs, events, answers, errors or dry-run files', async () => {
    // Prepare
    const base = runner.urls.get(12000)!;
    const body = Buffer.from(JSON.stringify(pushPayload({ ref: 'refs/heads/main', repo: 'o/r' })));
    const signature = `sha256=${createHmac('sha256', secrets.webhook).update(body).digest('hex')}`;
    const send = async (p: string, headers: Record<string, string>) => {
      const response = await fetch(`${base}${p}`, { method: 'POST', headers, body });
      const text = await response.text();
      captured.push(text, JSON.stringify([...response.headers]));
      return response.status;
    };
    const json = { 'content-type': 'application/json' };

    // Act: good and bad deliveries, with the bus up and then down
    const statuses = [
      await send('/signed', { ...json, 'x-hub-signature-256': signature }),
      await send('/signed', { ...json, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }),
      await send('/bearer', { ...json, authorization: `Bearer ${secrets.bearer}` }),
      await send('/bearer', { ...json, authorization: `Bearer ${secrets.bearer}x` }),
      await send('/bearer', { ...json, authorization: `Bearer ${secrets.webhook}` }),
    ];
    const deadline = Date.now() + 10_000;
    while (events.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const dryRun = path.join(workDir, '.outrigger', 'dry-run');
    while ((await filesUnder(dryRun)).length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await nats.kill();
    statuses.push(await send('/bearer', { ...json, authorization: `Bearer ${secrets.bearer}` }));
    await nats.start();

    // Assess
    expect(statuses).toEqual([200, 401, 200, 401, 401, 503]);
    expect(events.length).toBeGreaterThanOrEqual(2);
    const files = await filesUnder(dryRun);
    expect(files.length).toBeGreaterThanOrEqual(2);
    const haystack = [
      ...captured,
      ...events.map((record) => JSON.stringify(record)),
      ...(await Promise.all(files.map((f) => readFile(f, 'utf8')))),
    ];
    for (const [name, value] of Object.entries(secrets)) {
      const leaks = haystack.filter((text) => text.includes(value));
      expect(leaks, `secret ${name} leaked`).toEqual([]);
    }
    // The bearer header reached the event masked, as Argo masks it.
    expect(JSON.stringify(events)).toContain('*** Masked Auth Secret ***');
  }, 30_000);
});

describe('secret and signature comparisons', () => {
  // Every place a secret, token or signature is compared (grep for timingSafeEqual and constantTimeEqual).
  const callSites = [
    ['lib/sources/verify.ts', 'timingSafeEqual(left, right)'],
    ['lib/sources/ingest.ts', "constantTimeEqual(header.slice('Bearer '.length), expected)"],
    ['lib/sources/webhook/index.ts', 'constantTimeEqual(digest, expected)'],
    ['lib/sources/github/index.ts', 'constantTimeEqual(digest, hmacHex(algorithm, secret, body))'],
    ['lib/sources/gitlab/index.ts', 'constantTimeEqual(token, expected)'],
    ['lib/sources/signature.ts', "constantTimeEqual(digest, hmacHex('sha256', secret, request.body))"],
    ['lib/sources/slack/index.ts', "constantTimeEqual(digest, hmacHex('sha256', secret, base))"],
    ['lib/sources/slack/index.ts', 'constantTimeEqual(token, expected)'],
    ['lib/sources/stripe/index.ts', 'constantTimeEqual(s, expected)'],
  ] as const;

  async function sources(dirs: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const dir of dirs) {
      for (const file of await filesUnder(path.join(repoRoot, dir))) {
        if (file.endsWith('.ts')) out.set(path.relative(repoRoot, file), await readFile(file, 'utf8'));
      }
    }
    return out;
  }

  it('lists every constant-time call site, and each is still there', async () => {
    // Prepare
    const code = await sources(['lib/sources', 'lib/secrets', 'lib/bus']);

    // Act
    const found = [...code].flatMap(([file, text]) =>
      text
        .split('\n')
        .filter(
          (line) =>
            /(timingSafeEqual|constantTimeEqual)\(/.test(line) && !/export function|^\s*\*|\/\//.test(line),
        )
        .map(() => file),
    );

    // Assess: nothing compared that is not in the list, and nothing in the list gone
    for (const [file, call] of callSites) expect(code.get(file), `${file}: ${call}`).toContain(call);
    expect(found.filter((f) => f !== 'lib/sources/verify.ts').sort()).toEqual(
      callSites
        .filter(([f]) => f !== 'lib/sources/verify.ts')
        .map(([f]) => f)
        .sort(),
    );
  });

  it('finds no === or !== on a secret, token, signature or digest', async () => {
    // Prepare
    const code = await sources(['lib/sources', 'lib/secrets', 'lib/bus']);
    const compared =
      /\b\w*(secret|token|signature|digest|hmac|expected)\w*\b\s*[!=]==\s*(?=\S)(?!undefined\b|null\b|false\b|true\b|'[^']*'|"[^"]*"|`)/i;
    const reversed = /[!=]==\s*\w*(secret|token|signature|digest|hmac|expected)\w*\b/i;

    // Act
    const offenders = [...code].flatMap(([file, text]) =>
      text
        .split('\n')
        .map((line, i) => ({ file, line: i + 1, text: line.trim() }))
        .filter(({ text }) => !text.startsWith('*') && !text.startsWith('//'))
        .filter(({ text }) => compared.test(text) || reversed.test(text))
        // Types, lengths and versions of signatures are not secret.
        .filter(({ text }) => !/typeof |\.length|Version|\.kind|=== 'string'/.test(text)),
    );

    // Assess
    expect(offenders).toEqual([]);
  });
});

describe('templates and outbound calls', () => {
  it('refuses env and expandenv in templates at load time', async () => {
    // Prepare
    const { loadManifestText } = await import('../../lib/manifests/index.ts');
    const { compileTemplate } = await import('../../lib/expr/template/index.ts');
    const sensor = (template: string) => `apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: {name: s}
spec:
  dependencies: [{name: d, eventSourceName: es, eventName: e}]
  triggers:
    - template:
        name: t
        http:
          url: http://127.0.0.1/
          payload: [{src: {dependencyName: d, dataTemplate: '${template}'}, dest: x}]
`;

    // Act / Assess
    for (const template of ['{{ env "AWS_SECRET_ACCESS_KEY" }}', '{{ expandenv "$HOME" }}']) {
      expect(() => loadManifestText(sensor(template), 's.yaml')).toThrow(
        /templates may not call `(env|expandenv)`/,
      );
      expect(() => compileTemplate(template).execute({})).toThrow(
        /refused: templates may not read the process environment/,
      );
    }
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://169.254.0.1:8080/',
    'http://[::ffff:169.254.169.254]/',
    'http://[fe80::1]/',
    'http://[fd00:ec2::254]/',
  ])('the http trigger refuses %s unless link-local is allowed', async (url) => {
    // Act / Assess
    expect(() => checkTarget(url, false)).toThrow(/link-local\/metadata address/);
    expect(() => checkTarget(url, true)).not.toThrow();
    await expect(sendRequest({ url, method: 'GET', headers: [], timeoutMs: 500 })).rejects.toThrow(
      /link-local\/metadata address/,
    );
  });

  it('a k8s url source refuses the metadata address unless link-local is allowed', async () => {
    // Act
    const refused = fetchSource(
      { url: { path: 'http://169.254.169.254/latest/user-data' } },
      { clients: {}, namespace: 'ci', where: 'trigger t of sensor s' },
    );

    // Assess
    await expect(refused).rejects.toThrow(/link-local\/metadata address/);
  });
});
