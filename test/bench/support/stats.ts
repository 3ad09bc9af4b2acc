/** Small statistics and timing helpers shared by the benchmarks. */

/** Median of a sample (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile, `p` in 0..100 (NaN when empty). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Operations per second of `op`, run back to back for `ms` (and at most `maxOps` times). */
export async function throughput(
  op: (i: number) => unknown,
  ms: number,
  maxOps = 10_000_000,
): Promise<number> {
  const start = performance.now();
  const end = start + ms;
  let count = 0;
  // Check the clock every 64 operations: reading it each time would be part of what is measured.
  while (count < maxOps) {
    const result = op(count);
    if (result instanceof Promise) await result;
    count++;
    if ((count & 63) === 0 && performance.now() >= end) break;
  }
  return count / ((performance.now() - start) / 1000);
}

/**
 * Runs the measurements of a pair (or more) interleaved, `rounds` times, so that load from other processes
 * on the machine falls on all of them alike: A B, B A, A B… (the order flips each round, so neither always
 * runs after the other and pays for the garbage it left). Returns every sample per name.
 */
export async function interleave(
  rounds: number,
  subjects: Readonly<Record<string, () => Promise<number>>>,
  deadline = Number.POSITIVE_INFINITY,
): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
  const order = Object.entries(subjects);
  for (let round = 0; round < rounds; round++) {
    for (const [name, measure] of round % 2 === 0 ? order : [...order].reverse()) {
      samples[name]!.push(await measure());
    }
    if (Date.now() > deadline && round >= 2) break;
  }
  return samples;
}

/** Per-round ratios `a[i] / b[i]`, then their median: robust to drift between rounds. */
export function medianRatio(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) ratios.push(a[i]! / b[i]!);
  return median(ratios);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
