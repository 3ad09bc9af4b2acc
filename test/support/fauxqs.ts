/**
 * Runs fauxqs (an in-memory SQS emulator) inside the test process on a free loopback port. Its
 * `startFauxqs()` binds every interface, so this builds the Fastify app with `buildApp()` and listens on
 * 127.0.0.1 only. `restart()` closes the HTTP server and opens a new one on the same port over the same
 * stores: queues and messages survive, as they do across an outage of the real service.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildAppOptions } from 'fauxqs';
import { buildApp } from 'fauxqs';

type Stores = NonNullable<BuildAppOptions['stores']>;

export interface Fauxqs {
  /** `http://127.0.0.1:PORT`, for the SQS client's `endpoint`. */
  readonly endpoint: string;
  /** Region the emulator names in queue ARNs. */
  readonly region: string;
  /** Stops listening; requests are refused until `start()`. */
  kill(): Promise<void>;
  /** Listens again on the same port with the same queues and messages. */
  start(): Promise<void>;
  /** `kill()` then `start()`. */
  restart(): Promise<void>;
  /** Stops the server for good. */
  stop(): Promise<void>;
  /** Messages of a queue, without receiving them: ready, delayed and in flight. */
  inspect(
    queueName: string,
  ): { ready: number; delayed: number; inflight: number; bodies: string[] } | undefined;
}

/** URL of fauxqs' `dist/app.js`, found as Node finds the package (vitest has no `import.meta.resolve`). */
function fauxqsEntry(): string {
  const dirs = createRequire(import.meta.url).resolve.paths('fauxqs') ?? [];
  const dir = dirs.find((d) => existsSync(join(d, 'fauxqs', 'dist', 'app.js')));
  if (!dir) throw new Error('fauxqs is not installed');
  return pathToFileURL(join(dir, 'fauxqs', 'dist', 'app.js')).href;
}

/** The emulator's stores, built from its own modules (its package exports only the app entry point). */
async function newStores(): Promise<Stores> {
  const entry = fauxqsEntry();
  const { SqsStore } = (await import(new URL('./sqs/sqsStore.js', entry).href)) as {
    SqsStore: new () => Stores['sqsStore'];
  };
  const { SnsStore } = (await import(new URL('./sns/snsStore.js', entry).href)) as {
    SnsStore: new () => Stores['snsStore'];
  };
  const { S3Store } = (await import(new URL('./s3/s3Store.js', entry).href)) as {
    S3Store: new () => Stores['s3Store'];
  };
  return { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store: new S3Store() };
}

/** Starts fauxqs on 127.0.0.1 and a free port. */
export async function startFauxqs(): Promise<Fauxqs> {
  const region = 'us-east-1';
  const stores = await newStores();
  let app: ReturnType<typeof buildApp> | undefined;
  let port = 0;

  const start = async () => {
    if (app) return;
    const next = buildApp({ logger: false, defaultRegion: region, stores });
    const address = await next.listen({ host: '127.0.0.1', port });
    port = Number(new URL(address).port);
    app = next;
  };
  const kill = async () => {
    const current = app;
    app = undefined;
    // `forceCloseConnections` drops keep-alive sockets and long polls, as a crashed server would.
    await current?.close();
  };

  await start();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region,
    kill,
    start,
    restart: async () => {
      await kill();
      await start();
    },
    stop: kill,
    inspect(queueName) {
      const queue = stores.sqsStore.inspectQueue(queueName);
      if (!queue) return undefined;
      const { ready, delayed, inflight } = queue.messages;
      return {
        ready: ready.length,
        delayed: delayed.length,
        inflight: inflight.length,
        bodies: [...ready, ...delayed, ...inflight.map((m) => m.message)].map((m) => m.body),
      };
    },
  };
}
