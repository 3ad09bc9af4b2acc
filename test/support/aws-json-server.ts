/**
 * A loopback endpoint speaking the AWS JSON 1.1 protocol of Secrets Manager `GetSecretValue` and SSM
 * `GetParameter`, so the real SDK clients run end to end against values a test controls.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running endpoint; `close` stops it. */
export interface AwsJsonServer {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Serves the values of `store` by secret id or parameter name (read at each call, so a test may add some
 * later) and appends `<target> <id>[ decrypted]` to `calls` for each request. The id `denied` is refused with
 * AccessDeniedException; an id not in the store gets the service's not-found error.
 */
export async function startAwsJsonServer(
  store: ReadonlyMap<string, string>,
  calls: string[] = [],
): Promise<AwsJsonServer> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']);
      const input = JSON.parse(body) as { SecretId?: string; Name?: string; WithDecryption?: boolean };
      const id = input.SecretId ?? input.Name ?? '';
      calls.push(`${target} ${id}${input.WithDecryption ? ' decrypted' : ''}`);
      const value = store.get(id);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (id === 'denied') {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'AccessDeniedException', message: 'not authorized' }));
      } else if (value === undefined) {
        res.statusCode = 400;
        const type = target.startsWith('AmazonSSM') ? 'ParameterNotFound' : 'ResourceNotFoundException';
        res.end(JSON.stringify({ __type: type, message: 'not found' }));
      } else if (target === 'secretsmanager.GetSecretValue') {
        res.end(JSON.stringify({ Name: id, SecretString: value }));
      } else {
        res.end(JSON.stringify({ Parameter: { Name: id, Value: value, Type: 'SecureString' } }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
