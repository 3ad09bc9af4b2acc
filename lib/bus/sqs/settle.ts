/**
 * How a batch of SQS deliveries is settled from the handler's outcomes, as a pure plan: the running
 * consumer and the Lambda path (partial batch responses) execute the same plan, so both dead-letter on the
 * same attempt and wait the same retry delay.
 */
import type { RecordOutcome } from '../port.ts';

/** One received SQS message, as the settlement needs it. */
export interface SqsDelivery {
  readonly messageId: string;
  readonly receiptHandle: string;
  /** `ApproximateReceiveCount`: 1 on first delivery. */
  readonly receiveCount: number;
  /** FIFO `MessageGroupId`. */
  readonly groupId?: string | undefined;
}

/** What to do with each delivery of a batch. */
export interface SettlementPlan<D extends SqsDelivery = SqsDelivery> {
  /** Done: delete from the queue (the Lambda service deletes these itself). */
  readonly ack: D[];
  /** Comes back after `timeoutSec` (ChangeMessageVisibility). */
  readonly retry: { delivery: D; timeoutSec: number; reason?: string | undefined }[];
  /** Sent to the DLQ with `reason`, then deleted. */
  readonly deadLetter: { delivery: D; reason: string }[];
  /**
   * FIFO deliveries after a failed one of the same group: redelivered as they are, so the group keeps its
   * order (what Lambda requires of a FIFO partial batch response).
   */
  readonly held: D[];
}

export interface SettlementOptions {
  /** Receives after which a record that keeps failing is dead-lettered (the redrive `maxReceiveCount`). */
  readonly maxDeliveries: number;
  /** Delay for a record without an outcome (the handler threw or answered short). */
  readonly defaultRetryMs: number;
  /** Keep FIFO group order: hold the rest of a group after a failure. */
  readonly fifoOrder?: boolean;
}

/** SQS visibility timeouts are whole seconds, at most 12 hours. */
export function visibilitySeconds(delayMs: number): number {
  return Math.min(43_200, Math.max(0, Math.ceil(delayMs / 1000)));
}

/** Plans the settlement of `deliveries` from `outcomes` (same order; a missing outcome is a retry). */
export function planSettlement<D extends SqsDelivery>(
  deliveries: readonly D[],
  outcomes: readonly (RecordOutcome | undefined)[],
  options: SettlementOptions,
): SettlementPlan<D> {
  const plan: SettlementPlan<D> = { ack: [], retry: [], deadLetter: [], held: [] };
  const failedGroups = new Set<string>();
  deliveries.forEach((delivery, i) => {
    const group = delivery.groupId;
    if (options.fifoOrder && group !== undefined && failedGroups.has(group)) {
      plan.held.push(delivery);
      return;
    }
    const outcome = outcomes[i] ?? { kind: 'retry', delayMs: options.defaultRetryMs };
    if (outcome.kind === 'ack') {
      plan.ack.push(delivery);
      return;
    }
    if (group !== undefined) failedGroups.add(group);
    if (outcome.kind === 'dead-letter') {
      plan.deadLetter.push({ delivery, reason: outcome.reason });
    } else if (delivery.receiveCount >= options.maxDeliveries) {
      // The last attempt: dead-letter now with the reason instead of leaving it to the redrive policy,
      // which would move it on the next receive without saying why.
      const why = outcome.reason ? `: ${outcome.reason}` : '';
      plan.deadLetter.push({ delivery, reason: `gave up after ${delivery.receiveCount} deliveries${why}` });
    } else {
      plan.retry.push({ delivery, timeoutSec: visibilitySeconds(outcome.delayMs), reason: outcome.reason });
    }
  });
  return plan;
}
