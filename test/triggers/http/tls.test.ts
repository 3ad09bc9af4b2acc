import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRetryable } from '../../../lib/errors.ts';
import { httpTrigger } from '../../../lib/triggers/http/index.ts';
import { memorySecrets, renderContext } from '../fixtures.ts';

/** A self-signed certificate for 127.0.0.1, made with the system openssl for this test file only. */
function selfSigned(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'outrigger-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return {
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('http trigger over TLS', () => {
  let server: Server;
  let url: string;
  let cert: string;

  beforeAll(async () => {
    const pair = selfSigned();
    cert = pair.cert;
    server = createServer(pair, (_req, res) => res.end('secure'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses a certificate it cannot verify', async () => {
    // Act
    const error = await httpTrigger
      .execute(httpTrigger.render({ url }, {}, renderContext()), {})
      .catch((err: unknown) => err);

    // Assess
    expect((error as Error).message).toMatch(/failed: self[- ]signed certificate/);
    expect(isRetryable(error)).toBe(true);
  });

  it('accepts it with tls.insecureSkipVerify', async () => {
    // Act
    const outcome = await httpTrigger.execute(
      httpTrigger.render({ url, tls: { insecureSkipVerify: true } }, {}, renderContext()),
      {},
    );

    // Assess
    expect(outcome.result).toEqual({ status: 200, body: 'secure' });
  });

  it('verifies it against tls.caCertSecret', async () => {
    // Prepare
    const secrets = memorySecrets({ 'hook-tls/ca': cert });

    // Act
    const outcome = await httpTrigger.execute(
      httpTrigger.render(
        { url, tls: { caCertSecret: { name: 'hook-tls', key: 'ca' } } },
        {},
        renderContext(),
      ),
      { secrets },
    );

    // Assess
    expect(outcome.status).toBe(200);
  });
});
