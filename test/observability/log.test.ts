import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { batchedWriter, createLogger } from '../../lib/observability/log.ts';

describe('createLogger', () => {
  it('writes one JSON object a line with level, time, message, base fields and fields', () => {
    // Prepare
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (l) => lines.push(l) }).child({ sensor: 's' });

    // Act
    logger.debug('hidden');
    logger.info('event published', { eventId: 'e1' });
    logger.error('failed', { message: 'fields win over the message key' });

    // Assess
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({ level: 'info', message: 'event published', sensor: 's', eventId: 'e1' });
    expect(new Date(first.time).toISOString()).toBe(first.time);
    expect(JSON.parse(lines[1]!).message).toBe('fields win over the message key');
  });

  it('says which levels it writes, and children keep the level and add their fields', () => {
    // Prepare
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', write: (l) => lines.push(l), fields: { a: 1 } });
    const child = logger.child({ b: 2 }).child({ a: 3 });

    // Act
    child.info('dropped');
    child.warn('kept', { c: 4 });

    // Assess
    expect([
      logger.enabled('debug'),
      logger.enabled('info'),
      logger.enabled('warn'),
      child.enabled('error'),
    ]).toEqual([false, false, true, true]);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { level: 'warn', time: expect.any(String), message: 'kept', a: 3, b: 2, c: 4 },
    ]);
  });

  it('stamps each line with the time it was logged', () => {
    // Prepare
    vi.useFakeTimers({ now: new Date('2026-01-02T03:04:05.006Z'), toFake: ['Date'] });
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (l) => lines.push(l) });

    // Act
    logger.info('a');
    vi.setSystemTime(new Date('2026-01-02T03:04:05.007Z'));
    logger.info('b');
    vi.useRealTimers();

    // Assess
    expect(lines.map((l) => JSON.parse(l).time)).toEqual([
      '2026-01-02T03:04:05.006Z',
      '2026-01-02T03:04:05.007Z',
    ]);
  });
});

describe('batchedWriter', () => {
  it('writes the lines of one turn of the event loop in one write, in order', async () => {
    // Prepare
    const writes: string[] = [];
    const out = batchedWriter({ write: (text: string) => writes.push(text) });

    // Act
    out.write('one');
    out.write('two');
    const before = writes.length;
    await nextTurn();
    out.write('three');
    await nextTurn();
    out.close();

    // Assess
    expect(before).toBe(0);
    expect(writes).toEqual(['one\ntwo\n', 'three\n']);
  });

  it('writes at once past 64 KiB, and what is pending on close', () => {
    // Prepare
    const writes: string[] = [];
    const out = batchedWriter({ write: (text: string) => writes.push(text) });
    const big = 'x'.repeat(40_000);

    // Act
    out.write(big);
    out.write(big);
    const afterLimit = writes.length;
    out.write('tail');
    out.close();

    // Assess
    expect(afterLimit).toBe(1);
    expect(writes).toEqual([`${big}\n${big}\n`, 'tail\n']);
  });
});
