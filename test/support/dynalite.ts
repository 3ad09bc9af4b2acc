/**
 * Runs dynalite (DynamoDB on an in-memory LevelDB) inside the test process on a free loopback port. Tables
 * become ACTIVE at once (`createTableMs: 0`), so a test can create its table and use it straight away.
 */

import type { Server } from 'node:http';
import { createRequire } from 'node:module';

type Dynalite = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

export interface DynaliteServer {
  /** `http://127.0.0.1:PORT`, for the DynamoDB client's `endpoint`. */
  readonly endpoint: string;
  /** Stops the server; its data is gone. */
  stop(): Promise<void>;
}

/** Starts dynalite on 127.0.0.1 and a free port. */
export async function startDynalite(): Promise<DynaliteServer> {
  // dynalite is CommonJS without type declarations.
  const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('dynalite did not bind a TCP port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
