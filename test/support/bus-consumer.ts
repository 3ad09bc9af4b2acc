/** Helpers shared by the bus adapters' tests: a recording batch handler and a poll-until. */
import type { BatchHandler, BusRecord, RecordOutcome } from '../../lib/bus/port.ts';

/** A handler that records every record it sees and answers with `decide` (ack by default). */
export function recorder(
  decide: (record: BusRecord, call: number) => RecordOutcome | Promise<RecordOutcome> = () => ({
    kind: 'ack',
  }),
) {
  const seen: { record: BusRecord; at: number; call: number }[] = [];
  let calls = 0;
  const handler: BatchHandler = async (records) => {
    const call = ++calls;
    const outcomes: RecordOutcome[] = [];
    for (const record of records) {
      seen.push({ record, at: Date.now(), call });
      outcomes.push(await decide(record, call));
    }
    return outcomes;
  };
  return { handler, seen, calls: () => calls };
}

/** Polls `check` until it is true or `timeoutMs` passes. */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
