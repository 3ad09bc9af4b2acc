/**
 * The `sqs` source (argoproj/argo-events: pkg/eventsources/sources/awssqs/start.go), fed by a Lambda event
 * source mapping instead of a poller: a record's queue ARN selects the event, and its data is Argo's
 * `{messageId, messageAttributes, body, metadata}` with the body as JSON (`jsonBody`) or base64 bytes.
 */

import { PayloadError } from '../../errors.ts';
import { keepRawJson } from '../../events/raw-json.ts';
import type { EventSourceFilter } from '../../manifests/types.ts';

/** The fields of an sqs event spec this module reads. */
export interface SqsSpec {
  queue: string;
  region?: string;
  queueAccountId?: string;
  jsonBody?: boolean;
  dlq?: boolean;
  metadata?: Record<string, string>;
  filter?: EventSourceFilter;
}

/** A message attribute as Lambda delivers it. */
export interface LambdaSqsAttribute {
  dataType?: string;
  stringValue?: string | null;
  binaryValue?: string | null;
  stringListValues?: string[];
  binaryListValues?: string[];
}

/** One record of a Lambda SQS event (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html). */
export interface SqsRecord {
  messageId: string;
  body: string;
  eventSource?: string;
  eventSourceARN: string;
  awsRegion?: string;
  messageAttributes?: Record<string, LambdaSqsAttribute>;
}

/** A message attribute as Argo marshals aws-sdk-go's `sqs.MessageAttributeValue` (Go field names, nulls kept). */
export interface GoSqsAttribute {
  BinaryListValues: string[] | null;
  BinaryValue: string | null;
  DataType: string | null;
  StringListValues: string[] | null;
  StringValue: string | null;
}

/** Event data of an SQS message, as Argo's `SQSEventData`. */
export interface SqsEventData {
  messageId: string;
  messageAttributes: Record<string, GoSqsAttribute> | null;
  body: unknown;
  metadata?: Record<string, string>;
}

/** The parts of a queue ARN (`arn:aws:sqs:<region>:<account>:<name>`), or undefined when it is none. */
export function parseQueueArn(arn: string): { region: string; account: string; name: string } | undefined {
  const parts = arn.split(':');
  if (parts.length !== 6 || parts[0] !== 'arn' || parts[2] !== 'sqs') return undefined;
  return { region: parts[3]!, account: parts[4]!, name: parts[5]! };
}

/** What `queue` (+ `region`, `queueAccountId`) names: a queue name, a queue URL or a queue ARN. */
function queueOf(spec: SqsSpec): { region?: string; account?: string; name: string } {
  const arn = parseQueueArn(spec.queue);
  if (arn) return arn;
  if (/^https?:\/\//.test(spec.queue)) {
    const url = new URL(spec.queue);
    const [account, name] = url.pathname.split('/').filter(Boolean).slice(-2);
    const host = /^sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(url.hostname);
    return {
      name: name ?? '',
      ...(account ? { account } : {}),
      ...(host?.[1] ? { region: host[1] } : spec.region ? { region: spec.region } : {}),
    };
  }
  return {
    name: spec.queue,
    ...(spec.queueAccountId ? { account: spec.queueAccountId } : {}),
    ...(spec.region ? { region: spec.region } : {}),
  };
}

/** True when a record from `eventSourceARN` belongs to the event `spec` describes. */
export function queueMatches(spec: SqsSpec, eventSourceARN: string): boolean {
  const source = parseQueueArn(eventSourceARN);
  if (!source) return false;
  const wanted = queueOf(spec);
  return (
    wanted.name === source.name &&
    (wanted.region === undefined || wanted.region === source.region) &&
    (wanted.account === undefined || wanted.account === source.account)
  );
}

function orNull<T>(list: T[] | undefined): T[] | null {
  return list && list.length > 0 ? list : null;
}

function goAttributes(
  attributes: Record<string, LambdaSqsAttribute> | undefined,
): Record<string, GoSqsAttribute> | null {
  const names = Object.keys(attributes ?? {});
  if (!attributes || names.length === 0) return null;
  const out: Record<string, GoSqsAttribute> = {};
  // Go marshals a map with its keys sorted.
  for (const name of names.sort()) {
    const a = attributes[name]!;
    out[name] = {
      BinaryListValues: orNull(a.binaryListValues),
      BinaryValue: a.binaryValue ?? null,
      DataType: a.dataType ?? null,
      StringListValues: orNull(a.stringListValues),
      StringValue: a.stringValue ?? null,
    };
  }
  return out;
}

/**
 * The event data of a record. With `jsonBody` the body is embedded as JSON (PayloadError when it is not
 * JSON); otherwise it is the body's bytes, which Go marshals as base64.
 */
export function sqsEventData(record: SqsRecord, spec: SqsSpec): SqsEventData {
  let body: unknown;
  if (spec.jsonBody) {
    try {
      body = JSON.parse(record.body);
    } catch {
      throw new PayloadError(
        `message ${record.messageId.slice(0, 100)} body is not valid JSON (jsonBody is set)`,
      );
    }
  } else body = Buffer.from(record.body, 'utf8').toString('base64');
  const data: SqsEventData = {
    messageId: record.messageId,
    messageAttributes: goAttributes(record.messageAttributes),
    body,
  };
  if (spec.metadata && Object.keys(spec.metadata).length > 0) data.metadata = spec.metadata;
  // With jsonBody Argo embeds the body as a json.RawMessage: the bus carries it as received.
  return spec.jsonBody ? keepRawJson(data, 'body', record.body) : data;
}

/** True for a record of a Lambda SQS event. */
export function isSqsRecord(record: unknown): record is SqsRecord {
  const r = record as Partial<SqsRecord> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    r.eventSource === 'aws:sqs' &&
    typeof r.messageId === 'string' &&
    typeof r.body === 'string' &&
    typeof r.eventSourceARN === 'string'
  );
}
