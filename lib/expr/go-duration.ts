/**
 * Go's `time.ParseDuration` (https://pkg.go.dev/time#ParseDuration), the one parser behind every Go
 * duration Outrigger reads: sprig's date functions, manifest checks, calendar intervals, trigger backoff and
 * the EventBus stream config. Callers convert units and choose how to report a refusal.
 */

const NS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

// A number with an optional fraction (Go accepts `1.s` and `.5s`, not `.s`) followed by a unit.
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** A Go duration string (`1h30m`, `-1.5s`, `0`) in nanoseconds, not rounded; undefined when Go refuses it. */
export function parseGoDurationNs(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  // Go's special case: a bare zero needs no unit.
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  let at = 0;
  while (at < rest.length) {
    PART.lastIndex = at;
    const match = PART.exec(rest);
    if (match === null) return undefined;
    total += Number(match[1]) * (NS_PER_UNIT[match[2] ?? ''] ?? 0);
    at = PART.lastIndex;
  }
  return sign * total;
}
