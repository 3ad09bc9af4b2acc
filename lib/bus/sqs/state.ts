/**
 * The sensor StateStore in DynamoDB (the `sqs` EventBus's `stateTable`), with real compare-and-set.
 *
 * One table, string partition key `pk`, no sort key:
 * - `state/<sensor>/<trigger>`: `events` (the saved events as JSON) and `revision` (a number). A write is a
 *   PutItem conditioned on the revision it read (`attribute_not_exists(pk)` for revision 0), so of two
 *   concurrent writers exactly one succeeds.
 * - `done/<key>`: a firing already completed (or an event id already seen), written with a PutItem that
 *   succeeds only when the item is absent or expired. `expiresAt` (epoch seconds) is the table's TTL
 *   attribute; DynamoDB deletes expired items lazily (up to days later), so reads compare `expiresAtMs`
 *   with the clock themselves.
 *
 * `@aws-sdk/client-dynamodb` is loaded with a dynamic import, so a function that does not use it never
 * loads it.
 */

import { createHash } from 'node:crypto';
import type { AttributeValue, DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { BusError, ErrorCode, OutriggerError } from '../../errors.ts';
import type { SensorEvent } from '../../events/envelope.ts';
import type { StateStore, TriggerState } from '../../sensors/state.ts';
import { redactUrl } from '../jetstream/index.ts';

type DynamoModule = typeof import('@aws-sdk/client-dynamodb');

export interface DynamoStateStoreOptions {
  /** Table name (the EventBus `sqs.stateTable`). */
  table: string;
  region: string;
  /** Emulators and tests only. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Create the table when missing (local runner); on AWS the deployment creates it. */
  createIfMissing?: boolean;
  /** SDK attempts per request, first included (default 3). */
  maxAttempts?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/** Name of the TTL attribute (epoch seconds) the deployment enables on the table. */
export const TTL_ATTRIBUTE = 'expiresAt';
/** DynamoDB's largest item. */
const MAX_ITEM_BYTES = 400 * 1024;
/** Longest partition key kept readable; longer ones are hashed (DynamoDB allows 2048 bytes). */
const MAX_READABLE_KEY = 1024;

const AUTH_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'AccessDeniedException',
  'ExpiredTokenException',
  'CredentialsProviderError',
]);

let dynamoModule: Promise<DynamoModule> | undefined;

function loadDynamo(): Promise<DynamoModule> {
  dynamoModule ??= import('@aws-sdk/client-dynamodb');
  return dynamoModule;
}

function errorName(err: unknown): string {
  const e = err as { name?: unknown; code?: unknown };
  for (const candidate of [e.code, e.name]) {
    if (typeof candidate === 'string' && candidate !== 'Error') return candidate;
  }
  return 'Error';
}

/** The partition key of `kind/id`, hashed when too long to be a key. */
function partitionKey(kind: 'state' | 'done', id: string): string {
  const key = `${kind}/${id}`;
  if (Buffer.byteLength(key) <= MAX_READABLE_KEY) return key;
  return `${kind}/sha256:${createHash('sha256').update(id).digest('hex')}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** StateStore on a DynamoDB table with conditional writes. */
export class DynamoStateStore implements StateStore {
  readonly endpoint: string;
  private readonly now: () => number;

  private constructor(
    private readonly sdk: DynamoModule,
    private readonly client: DynamoDBClient,
    readonly table: string,
    options: DynamoStateStoreOptions,
  ) {
    this.endpoint = options.endpoint
      ? redactUrl(options.endpoint)
      : `https://dynamodb.${options.region}.amazonaws.com`;
    this.now = options.now ?? Date.now;
  }

  /** Opens the store and checks (or creates) the table; fails with a BusError naming the endpoint. */
  static async connect(options: DynamoStateStoreOptions): Promise<DynamoStateStore> {
    const sdk = await loadDynamo();
    const config: DynamoDBClientConfig = {
      region: options.region,
      maxAttempts: options.maxAttempts ?? 3,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    };
    const store = new DynamoStateStore(sdk, new sdk.DynamoDBClient(config), options.table, options);
    try {
      await store.ensureTable(options.createIfMissing ?? false);
      return store;
    } catch (err) {
      store.client.destroy();
      throw store.failure(err, 'connect');
    }
  }

  private failure(err: unknown, action: string): OutriggerError {
    if (err instanceof OutriggerError) return err;
    const name = errorName(err);
    const at = `DynamoDB at ${this.endpoint}`;
    if (AUTH_ERRORS.has(name)) {
      return new BusError(`${at} refused the credentials (${name}) on ${action}`, { retryable: false });
    }
    if (name === 'ResourceNotFoundException') {
      return new BusError(`DynamoDB table "${this.table}" not found at ${this.endpoint}`, {
        retryable: false,
      });
    }
    const message = err instanceof Error ? err.message.replace(/[\r\n]+/g, ' ').slice(0, 200) : String(err);
    if (name === 'ValidationException' && /item size/i.test(message)) {
      return new OutriggerError(
        ErrorCode.PayloadTooLarge,
        `sensor state is larger than a DynamoDB item may be (${MAX_ITEM_BYTES} bytes) in table "${this.table}"`,
        { statusCode: 413, retryable: false },
      );
    }
    const code = (err as { cause?: { code?: unknown } }).cause?.code ?? (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      return new BusError(`cannot reach ${at} (${action}): ${code}`);
    }
    return new BusError(`${at} (${action} on "${this.table}"): ${name}: ${message}`);
  }

  private async ensureTable(create: boolean): Promise<void> {
    try {
      const described = await this.client.send(new this.sdk.DescribeTableCommand({ TableName: this.table }));
      if (described.Table?.TableStatus !== 'CREATING') return;
    } catch (err) {
      if (errorName(err) !== 'ResourceNotFoundException' || !create) throw err;
      try {
        await this.client.send(
          new this.sdk.CreateTableCommand({
            TableName: this.table,
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
      } catch (createErr) {
        // Another process created it first.
        if (errorName(createErr) !== 'ResourceInUseException') throw createErr;
      }
    }
    for (let i = 0; i < 100; i++) {
      const described = await this.client.send(new this.sdk.DescribeTableCommand({ TableName: this.table }));
      if (described.Table?.TableStatus === 'ACTIVE') break;
      await sleep(100);
    }
    if (create) {
      // Emulators may not know TTL; the store checks expiry itself either way.
      await this.client
        .send(
          new this.sdk.UpdateTimeToLiveCommand({
            TableName: this.table,
            TimeToLiveSpecification: { Enabled: true, AttributeName: TTL_ATTRIBUTE },
          }),
        )
        .catch(() => undefined);
    }
  }

  private async getItem(pk: string): Promise<Record<string, AttributeValue> | undefined> {
    try {
      const result = await this.client.send(
        new this.sdk.GetItemCommand({ TableName: this.table, Key: { pk: { S: pk } }, ConsistentRead: true }),
      );
      return result.Item;
    } catch (err) {
      throw this.failure(err, 'GetItem');
    }
  }

  /** A conditional PutItem: false when the condition does not hold (another writer won). */
  private async putIf(
    item: Record<string, AttributeValue>,
    condition: string,
    values?: Record<string, AttributeValue>,
    names?: Record<string, string>,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new this.sdk.PutItemCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: condition,
          ...(values ? { ExpressionAttributeValues: values } : {}),
          ...(names ? { ExpressionAttributeNames: names } : {}),
        }),
      );
      return true;
    } catch (err) {
      if (errorName(err) === 'ConditionalCheckFailedException') return false;
      throw this.failure(err, 'PutItem');
    }
  }

  async load(sensor: string, trigger: string): Promise<TriggerState> {
    const item = await this.getItem(partitionKey('state', `${sensor}/${trigger}`));
    if (!item) return { events: {}, revision: 0 };
    return {
      events: JSON.parse(item.events?.S ?? '{}') as Record<string, SensorEvent>,
      revision: Number(item.revision?.N ?? 0),
    };
  }

  async compareAndSet(
    sensor: string,
    trigger: string,
    events: Record<string, SensorEvent>,
    revision: number,
  ): Promise<boolean> {
    const item = {
      pk: { S: partitionKey('state', `${sensor}/${trigger}`) },
      events: { S: JSON.stringify(events) },
      revision: { N: String(revision + 1) },
    };
    if (revision === 0) return this.putIf(item, 'attribute_not_exists(pk)');
    return this.putIf(
      item,
      '#revision = :revision',
      { ':revision': { N: String(revision) } },
      { '#revision': 'revision' },
    );
  }

  async markDone(key: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const expiresAtMs = now + Math.max(0, ttlMs);
    return this.putIf(
      {
        pk: { S: partitionKey('done', key) },
        expiresAtMs: { N: String(expiresAtMs) },
        [TTL_ATTRIBUTE]: { N: String(Math.ceil(expiresAtMs / 1000)) },
      },
      'attribute_not_exists(pk) OR expiresAtMs <= :now',
      { ':now': { N: String(now) } },
    );
  }

  async isDone(key: string): Promise<boolean> {
    const item = await this.getItem(partitionKey('done', key));
    return item !== undefined && Number(item.expiresAtMs?.N ?? 0) > this.now();
  }

  /** Releases the client's sockets. */
  close(): void {
    this.client.destroy();
  }
}
