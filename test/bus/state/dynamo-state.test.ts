import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStateStore } from '../../../lib/bus/sqs/state.ts';
import { BusError } from '../../../lib/errors.ts';
import { type DynaliteServer, startDynalite } from '../../support/dynalite.ts';
import { contractOverStores, saved } from './contract.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test-secret-never-shown' };

describe('DynamoStateStore against dynalite', () => {
  let dynalite: DynaliteServer;

  beforeAll(async () => {
    dynalite = await startDynalite();
  });

  afterAll(async () => {
    await dynalite?.stop();
  });

  const open = contractOverStores(
    (now, options: Partial<Parameters<typeof DynamoStateStore.connect>[0]> | undefined) =>
      DynamoStateStore.connect({
        table: 'outrigger-state',
        region: 'us-east-1',
        endpoint: dynalite.endpoint,
        credentials,
        createIfMissing: true,
        now,
        ...options,
      }),
  );

  it('refuses to start on a missing table unless it may create it', async () => {
    // When a store opens a table that does not exist without createIfMissing
    const error = await open({ table: 'never-created', createIfMissing: false }).catch((err: unknown) => err);

    // Then it names the table and the endpoint
    expect(error).toBeInstanceOf(BusError);
    expect((error as Error).message).toBe(`DynamoDB table "never-created" not found at ${dynalite.endpoint}`);
  });

  it('fails with a BusError naming an unreachable endpoint, never the secret', async () => {
    // When a store connects to a port nobody listens on
    const error = await DynamoStateStore.connect({
      table: 't',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials,
      maxAttempts: 1,
    }).catch((err: unknown) => err);

    // Then the message names the endpoint and not the secret
    expect(error).toBeInstanceOf(BusError);
    expect((error as Error).message).toContain('cannot reach DynamoDB at http://127.0.0.1:9');
    expect((error as Error).message).not.toContain(credentials.secretAccessKey);
  });

  it('refuses state larger than an item may be, without retrying', async () => {
    // Given saved events over 400 KB
    const store = await open();
    const big = { ...saved(), data: { blob: 'z'.repeat(410 * 1024) } };

    // When they are written
    const error = await store.compareAndSet('big', 'deploy', { push: big }, 0).catch((err: unknown) => err);

    // Then the error names the limit and is not retryable
    expect(error).toMatchObject({ code: 'PayloadTooLarge', retryable: false });
    expect((error as Error).message).toContain('409600 bytes');
  });
});
