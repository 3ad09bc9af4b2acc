/**
 * Reading a sensor's SQS dead-letter queue for `outrigger replay --dlq`: the messages come back with their
 * receipt handles so they are deleted only after they were published again (nothing is lost in between).
 */
import type { CloudEvent } from '../../events/envelope.ts';
// Read for `outrigger replay` only, which republishes the data as written.
import { decodeForResend } from '../../sensors/event-data.ts';
import { sensorQueueNames } from './names.ts';

export interface DeadLetterQueue {
  region: string;
  endpoint?: string;
  queueNamePrefix: string;
  fifo?: boolean;
  sensor: string;
}

export interface DeadLetterBatch {
  events: CloudEvent[];
  /** Bodies that are not CloudEvents (left in the queue). */
  skipped: number;
  /** Deletes the messages of these events from the dead-letter queue. */
  remove(ids: readonly string[]): Promise<void>;
  /** Makes every message read visible again at once (a dry run changes nothing). */
  release(): Promise<void>;
  close(): void;
}

/** Receives up to `max` dead letters, hidden from other readers for `visibilitySeconds`. */
export async function readDeadLetters(
  queue: DeadLetterQueue,
  max = 1000,
  visibilitySeconds = 300,
): Promise<DeadLetterBatch> {
  const sdk = await import('@aws-sdk/client-sqs');
  const client = new sdk.SQSClient({
    region: queue.region,
    ...(queue.endpoint === undefined ? {} : { endpoint: queue.endpoint }),
  });
  const name = sensorQueueNames(queue.queueNamePrefix, queue.sensor, queue.fifo).dlq;
  const { QueueUrl } = await client.send(new sdk.GetQueueUrlCommand({ QueueName: name }));
  const url = QueueUrl ?? '';
  const handles = new Map<string, string>();
  const allHandles: string[] = [];
  const removed = new Set<string>();
  const events: CloudEvent[] = [];
  let skipped = 0;
  while (events.length + skipped < max) {
    const { Messages = [] } = await client.send(
      new sdk.ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, max - events.length - skipped),
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) break;
    for (const message of Messages) {
      if (message.ReceiptHandle) allHandles.push(message.ReceiptHandle);
      try {
        const event = decodeForResend(message.Body ?? '');
        events.push(event);
        if (message.ReceiptHandle) handles.set(event.id, message.ReceiptHandle);
      } catch {
        skipped++;
      }
    }
  }
  return {
    events,
    skipped,
    async remove(ids) {
      for (const id of ids) {
        const handle = handles.get(id);
        if (!handle) continue;
        await client.send(new sdk.DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: handle }));
        removed.add(handle);
      }
    },
    async release() {
      for (const handle of allHandles) {
        if (removed.has(handle)) continue;
        await client.send(
          new sdk.ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: handle,
            VisibilityTimeout: 0,
          }),
        );
      }
    },
    close: () => client.destroy(),
  };
}
