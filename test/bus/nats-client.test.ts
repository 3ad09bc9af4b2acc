import { describe, expect, it } from 'vitest';
import { maskingNeeded } from '../../lib/bus/nats-client.ts';

describe('maskingNeeded', () => {
  it.each([
    ['ws://127.0.0.1:8080', false],
    ['ws://127.9.0.1', false],
    ['ws://localhost:80', false],
    ['ws://[::1]:4222', false],
    ['wss://nats.example.com', false],
    ['ws://nats.example.com:8080', true],
    ['ws://10.0.0.5:8080', true],
    ['ws://127.0.0.1.nip.io', true],
  ])('%s → %s', (url, expected) => {
    expect(maskingNeeded(url)).toBe(expected);
  });
});
