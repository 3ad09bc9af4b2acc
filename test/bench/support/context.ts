/** What run.ts hands every benchmark suite. */
import type { BenchRow } from './report.ts';

export interface BenchContext {
  /** A temporary folder for this run (removed afterwards). */
  tmp: string;
  /**
   * Starts a fresh nats-server (JetStream, websocket) for the calling suite and returns its `ws://` URL, so
   * no suite inherits another's stream backlog; undefined when the binary is missing. Stopped after the suite.
   */
  nats(): Promise<string | undefined>;
  /** Fewer rounds and shorter runs (`npm run bench -- --quick`). */
  quick: boolean;
  progress(line: string): void;
}

/** One benchmark: measures its figures beside their floors and returns the rows. */
export type Suite = (ctx: BenchContext) => Promise<BenchRow[]>;
