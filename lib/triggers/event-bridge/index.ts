/**
 * The `eventBridge` trigger (an Outrigger extension): PutEvents of one entry whose `Detail` is built from
 * `payload` as Argo's payloads are (semantics §5.5). `@aws-sdk/client-eventbridge` is imported on first use.
 * A failed entry (`FailedEntryCount > 0`) is a retryable failure: PutEvents reports throttling and internal
 * errors per entry with HTTP 200 (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html).
 */
import { TriggerError } from '../../errors.ts';
import type { EventBridgeTriggerSpec } from '../../manifests/types.ts';
import { applyParameters } from '../../sensors/parameters.ts';
import { cachedClient, clientKey, defaultPort, fromSdkError, sdkClientConfig } from '../aws-client.ts';
import { constructJsonPayload } from '../payload.ts';
import type {
  AwsClientOptions,
  FiredEvents,
  RenderContext,
  TriggerClients,
  TriggerOutcome,
  TriggerType,
} from '../types.ts';

/** One PutEvents entry, as the API names its fields. */
export interface EventBridgeEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName: string;
  Resources?: string[];
}

/** What render produces. */
export interface EventBridgeRequest {
  entry: EventBridgeEntry;
  region: string | undefined;
  /** Endpoint URL override (a VPC endpoint), when the manifest sets one. */
  endpoint: string | undefined;
}

/** PutEvents' answer for the one entry sent. */
export interface EventBridgePutResult {
  failedEntryCount: number;
  eventId?: string;
  errorCode?: string;
  errorMessage?: string;
}

/** The port to EventBridge (tests pass a fake; the default is `sdkEventBridgePutter`). */
export interface EventBridgePutter {
  putEvent(request: EventBridgeRequest): Promise<EventBridgePutResult>;
}

/** Applies `eventBridge.parameters`, then builds the entry; `Detail` is `{}` without payload (pure). */
export function renderEventBridge(
  spec: EventBridgeTriggerSpec,
  events: FiredEvents,
  context: RenderContext,
): EventBridgeRequest {
  const resolved = applyParameters(spec, spec.parameters, events);
  if (resolved.roleARN) {
    throw new TriggerError(
      `eventBridge trigger "${context.triggerName}": roleARN is not supported; grant the sensor function's role events:PutEvents on the bus`,
      { retryable: false },
    );
  }
  const detail = constructJsonPayload(resolved.payload, events);
  // EventBridge requires Detail to be a JSON object; a payload with an empty dest can produce anything.
  if (!detail.trimStart().startsWith('{')) {
    throw new TriggerError(
      `eventBridge trigger "${context.triggerName}": the payload must build a JSON object for Detail`,
      { retryable: false },
    );
  }
  return {
    entry: {
      Source: resolved.source,
      DetailType: resolved.detailType,
      Detail: detail,
      EventBusName: resolved.eventBusName || 'default',
      ...(resolved.resources?.length ? { Resources: resolved.resources } : {}),
    },
    region: resolved.region || undefined,
    endpoint: resolved.endpoint || undefined,
  };
}

type EventBridgeSdk = typeof import('@aws-sdk/client-eventbridge');
let sdk: Promise<EventBridgeSdk> | undefined;

/** The default port: one SDK client per region and endpoint, created on first use. */
export function sdkEventBridgePutter(options: AwsClientOptions = {}): EventBridgePutter {
  const clients = new Map<string, InstanceType<EventBridgeSdk['EventBridgeClient']>>();
  return {
    async putEvent(request) {
      sdk ??= import('@aws-sdk/client-eventbridge');
      const { EventBridgeClient, PutEventsCommand } = await sdk;
      const target = { region: request.region, endpoint: request.endpoint, credentials: undefined };
      const key = `${clientKey(request.region, undefined)}\u0000${request.endpoint ?? options.endpoint ?? ''}`;
      const client = cachedClient(
        clients,
        key,
        () => new EventBridgeClient(sdkClientConfig(target, options)),
      );
      const out = await client.send(new PutEventsCommand({ Entries: [request.entry] }));
      const entry = out.Entries?.[0];
      return {
        failedEntryCount: out.FailedEntryCount ?? 0,
        ...(entry?.EventId ? { eventId: entry.EventId } : {}),
        ...(entry?.ErrorCode ? { errorCode: entry.ErrorCode } : {}),
        ...(entry?.ErrorMessage ? { errorMessage: entry.ErrorMessage } : {}),
      };
    },
  };
}

const defaultPutter = defaultPort((options) => sdkEventBridgePutter(options));

function putterFor(clients: TriggerClients): EventBridgePutter {
  return clients.eventBridge ?? defaultPutter(clients.aws);
}

/** Puts the entry; a failed entry is a retryable failure naming EventBridge's error code. */
export async function executeEventBridge(
  request: EventBridgeRequest,
  clients: TriggerClients,
): Promise<TriggerOutcome> {
  const bus = request.entry.EventBusName;
  let out: EventBridgePutResult;
  try {
    out = await putterFor(clients).putEvent(request);
  } catch (err) {
    throw fromSdkError(err, `PutEvents to event bus ${bus}`);
  }
  if (out.failedEntryCount > 0) {
    throw new TriggerError(
      `PutEvents to event bus ${bus} failed for the entry: ${out.errorCode ?? 'unknown error'}${out.errorMessage ? `: ${out.errorMessage}` : ''}`,
      { retryable: true },
    );
  }
  return {
    summary: `put event ${request.entry.Source}/${request.entry.DetailType} on bus ${bus}${out.eventId ? ` (${out.eventId})` : ''}`,
    result: { eventId: out.eventId },
  };
}

/** The eventBridge trigger type. */
export const eventBridgeTrigger: TriggerType<EventBridgeTriggerSpec, EventBridgeRequest> = {
  type: 'eventBridge',
  render: renderEventBridge,
  execute: executeEventBridge,
};
