/**
 * On a pull bus (JetStream) nothing pushes events to a sensor function, so after each durable publish the
 * source asks the subscribed sensors' functions to drain (Lambda async invoke). A lost notification costs
 * latency, not events: a one-minute schedule drains every sensor as a safety net.
 */
import type { CloudEvent } from '../events/envelope.ts';
import { subjectOf } from '../events/envelope.ts';
import type { Bus } from './port.ts';
import { subjectMatches } from './port.ts';

/** A sensor function and the subjects it consumes. */
export interface DrainTarget {
  functionName: string;
  subjects: string[];
}

/** Asks a function to drain; resolves once the request was accepted. */
export type DrainInvoker = (functionName: string) => Promise<void>;

/** Targets from `OUTRIGGER_DRAIN_TARGETS` (JSON written by the deploy plugin); none when unset. */
export function drainTargetsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): DrainTarget[] {
  const text = env.OUTRIGGER_DRAIN_TARGETS;
  if (!text) return [];
  const parsed = JSON.parse(text) as unknown;
  if (!Array.isArray(parsed)) throw new Error('OUTRIGGER_DRAIN_TARGETS must be a JSON array');
  return parsed as DrainTarget[];
}

/** Lambda async invocations (`InvocationType: Event`) through a lazily imported client. */
export function lambdaDrainInvoker(region?: string): DrainInvoker {
  let client: Promise<{ send: (command: unknown) => Promise<unknown>; command: (name: string) => unknown }>;
  return async (functionName) => {
    client ??= import('@aws-sdk/client-lambda').then(({ LambdaClient, InvokeCommand }) => {
      const lambda = new LambdaClient(region ? { region } : {});
      return {
        send: (command: unknown) => lambda.send(command as InstanceType<typeof InvokeCommand>),
        command: (name: string) =>
          new InvokeCommand({
            FunctionName: name,
            InvocationType: 'Event',
            Payload: '{"outrigger":"drain"}',
          }),
      };
    });
    const lambda = await client;
    await lambda.send(lambda.command(functionName));
  };
}

/** Wraps a bus so each publish is followed by drain requests to the sensors that consume its subject. */
export function withDrainNotifications(
  bus: Bus,
  targets: readonly DrainTarget[],
  invoke: DrainInvoker,
  options: { busName?: string; onError?: (functionName: string, err: unknown) => void } = {},
): Bus {
  if (targets.length === 0) return bus;
  const notify = async (event: CloudEvent) => {
    const subject = subjectOf(event, options.busName);
    const wanted = targets.filter((t) => t.subjects.some((pattern) => subjectMatches(pattern, subject)));
    // Awaited so the requests leave before Lambda freezes the container after the response.
    const results = await Promise.allSettled(wanted.map((t) => invoke(t.functionName)));
    results.forEach((result, i) => {
      if (result.status === 'rejected') options.onError?.(wanted[i]!.functionName, result.reason);
    });
  };
  return {
    // What ingest asks of the bus it publishes to stays true of the wrapped one.
    ...(bus.handsOverObjects ? { handsOverObjects: true } : {}),
    async publish(event) {
      await bus.publish(event);
      await notify(event);
    },
    consume: (consumer, handler) => bus.consume(consumer, handler),
    ...(bus.drain ? { drain: bus.drain.bind(bus) } : {}),
    close: () => bus.close(),
  };
}
