import { describe, expect, it } from 'vitest';
import { ack, deadLetter, retryAfter } from '../../../lib/bus/port.ts';
import { planSettlement, visibilitySeconds } from '../../../lib/bus/sqs/settle.ts';

const delivery = (id: string, receiveCount = 1, groupId?: string) => ({
  messageId: id,
  receiptHandle: `rh-${id}`,
  receiveCount,
  groupId,
});
const options = { maxDeliveries: 3, defaultRetryMs: 1_500 };

describe('planSettlement', () => {
  it('sorts outcomes into acks, visibility retries and dead letters', () => {
    // Given a batch with one outcome of each kind
    const batch = [delivery('a'), delivery('b'), delivery('c')];

    // When it is planned
    const plan = planSettlement(batch, [ack, retryAfter(2_500, 'busy'), deadLetter('bad')], options);

    // Then each lands in its list; the retry waits the delay rounded up to whole seconds
    expect(plan.ack.map((d) => d.messageId)).toEqual(['a']);
    expect(plan.retry).toEqual([{ delivery: batch[1], timeoutSec: 3, reason: 'busy' }]);
    expect(plan.deadLetter).toEqual([{ delivery: batch[2], reason: 'bad' }]);
    expect(plan.held).toEqual([]);
  });

  it('dead-letters a retry on the last delivery, and retries a record without an outcome', () => {
    // Given a record on its last delivery and one the handler did not answer for
    const batch = [delivery('last', 3), delivery('unanswered', 1)];

    // When the handler answered retry for the first only
    const plan = planSettlement(batch, [retryAfter(0, 'still down')], options);

    // Then the first is dead-lettered with why, the second retried after the default delay
    expect(plan.deadLetter).toEqual([
      { delivery: batch[0], reason: 'gave up after 3 deliveries: still down' },
    ]);
    expect(plan.retry).toEqual([{ delivery: batch[1], timeoutSec: 2, reason: undefined }]);
  });

  it('holds the rest of a FIFO group after a failure, leaving other groups alone', () => {
    // Given two groups where the first record of g1 fails
    const batch = [delivery('1', 1, 'g1'), delivery('2', 1, 'g2'), delivery('3', 1, 'g1')];

    // When planned with FIFO order
    const plan = planSettlement(batch, [retryAfter(1_000), ack, ack], { ...options, fifoOrder: true });

    // Then the later g1 record is held even though it was acked, and g2 is acked
    expect(plan.held.map((d) => d.messageId)).toEqual(['3']);
    expect(plan.ack.map((d) => d.messageId)).toEqual(['2']);
  });

  it('clamps visibility timeouts to what SQS accepts', () => {
    expect([visibilitySeconds(-5), visibilitySeconds(1), visibilitySeconds(86_400_000)]).toEqual([
      0, 1, 43_200,
    ]);
  });
});
