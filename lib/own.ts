/**
 * Writing keys that come from data. A plain `target[key] = value` with `key` "__proto__" replaces the
 * prototype (or does nothing) instead of adding the key, so parsed payloads, maps and manifests use this.
 */

/** Sets an own, enumerable property, even `__proto__`. */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else target[key] = value;
}
