/** Shared pieces of the SQS bus tests: events, buses on a fauxqs endpoint, handlers that record, polling. */
import { GetQueueUrlCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SqsBusOptions } from '../../../lib/bus/sqs/index.ts';
import { SqsBus } from '../../../lib/bus/sqs/index.ts';
import type { CloudEvent } from '../../../lib/events/envelope.ts';
import { newEvent } from '../../../lib/events/envelope.ts';

/** fauxqs accepts any credentials; these keep the SDK from looking for real ones. */
export const credentials = { accessKeyId: 'test', secretAccessKey: 'test-secret-never-shown' };

let counter = 0;

/** A webhook-like event with a unique id. */
export function event(source = 'src', subject = 'evt', data: unknown = { n: counter }): CloudEvent {
  counter++;
  return newEvent({
    source,
    subject,
    type: 'webhook',
    data,
    id: `ev${process.pid}x${counter}x${Date.now()}`,
  });
}

let prefixes = 0;

/** A queue name prefix no other test uses, so every test has its own queues. */
export function uniquePrefix(): string {
  prefixes++;
  return `t${process.pid}-${prefixes}-`;
}

/** A bus on `endpoint` that creates its queues and long-polls for one second. */
export function openSqsBus(
  endpoint: string,
  options: Partial<SqsBusOptions> & Pick<SqsBusOptions, 'routes'>,
) {
  return SqsBus.connect({
    region: 'us-east-1',
    endpoint,
    credentials,
    createIfMissing: true,
    waitTimeSeconds: 1,
    ...options,
  });
}

export { recorder, until } from '../../support/bus-consumer.ts';

/** A raw SQS client for looking at queues from outside the adapter. */
export function rawClient(endpoint: string) {
  const client = new SQSClient({ region: 'us-east-1', endpoint, credentials });
  return {
    client,
    async url(name: string): Promise<string> {
      return (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl ?? '';
    },
    /** Receives what is visible now (short poll), with all attributes. */
    async receive(name: string, max = 10, visibilitySec = 30): Promise<Message[]> {
      const result = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: await this.url(name),
          MaxNumberOfMessages: max,
          WaitTimeSeconds: 0,
          VisibilityTimeout: visibilitySec,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      return result.Messages ?? [];
    },
    close: () => client.destroy(),
  };
}
