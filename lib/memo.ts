/**
 * Per-key results of a pure function of a string, kept for at most `limit` keys: for names that repeat on
 * every request (header names, manifest paths) but may also come from callers, so the cache cannot grow
 * without bound. Keys beyond the limit are computed each time.
 */
export function boundedMemo<V>(limit: number, compute: (key: string) => V): (key: string) => V {
  const cache = new Map<string, V>();
  return (key) => {
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as V;
    const value = compute(key);
    if (cache.size < limit) cache.set(key, value);
    return value;
  };
}

/**
 * `compute` with its latest result kept: for a numeric key that repeats in runs, such as the current
 * millisecond of a timestamp every event or log line formats.
 */
export function latestMemo<V>(compute: (key: number) => V): (key: number) => V {
  let latestKey = Number.NaN;
  let latest: V | undefined;
  return (key) => {
    if (key !== latestKey) {
      latest = compute(key);
      latestKey = key;
    }
    return latest as V;
  };
}
