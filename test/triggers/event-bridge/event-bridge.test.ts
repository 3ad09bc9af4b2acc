import { describe, expect, it } from 'vitest';
import { isRetryable, TriggerError } from '../../../lib/errors.ts';
import type { EventBridgeTriggerSpec } from '../../../lib/manifests/types.ts';
import { eventBridgeTrigger } from '../../../lib/triggers/event-bridge/index.ts';
import type { FiredEvents } from '../../../lib/triggers/types.ts';
import { event, renderContext, useAwsSink } from '../fixtures.ts';

const events: FiredEvents = { upload: event('e1', { detail: { bucket: 'in', key: 'a.csv', size: 12 } }) };
const context = renderContext();

const spec = (overrides: Partial<EventBridgeTriggerSpec> = {}): EventBridgeTriggerSpec => ({
  source: 'outrigger.ci',
  detailType: 'Upload Seen',
  payload: [
    { src: { dependencyName: 'upload', dataKey: 'detail.key' }, dest: 'key' },
    { src: { dependencyName: 'upload', dataKey: 'detail.size', useRawData: true }, dest: 'size' },
  ],
  region: 'eu-west-1',
  ...overrides,
});

/** The EventBridge JSON 1.1 API on loopback, driven by the real SDK. */
const aws = useAwsSink({
  status: 200,
  body: '{"FailedEntryCount":0,"Entries":[{"EventId":"11710aed-b79e-4468-a20b-bb3c0c3b4860"}]}',
  headers: { 'content-type': 'application/x-amz-json-1.1' },
});

describe('eventBridge trigger render', () => {
  it('builds one entry with Detail from the payload and the default bus', () => {
    // Act
    const request = eventBridgeTrigger.render(spec(), events, context);

    // Assess
    expect(request).toEqual({
      entry: {
        Source: 'outrigger.ci',
        DetailType: 'Upload Seen',
        Detail: '{"key":"a.csv","size":12}',
        EventBusName: 'default',
      },
      region: 'eu-west-1',
      endpoint: undefined,
    });
  });

  it('sends an empty object as Detail without payload, and keeps bus and resources', () => {
    // Act
    const request = eventBridgeTrigger.render(
      spec({ payload: [], eventBusName: 'ci-bus', resources: ['arn:aws:s3:::in'] }),
      events,
      context,
    );

    // Assess
    expect(request.entry).toEqual({
      Source: 'outrigger.ci',
      DetailType: 'Upload Seen',
      Detail: '{}',
      EventBusName: 'ci-bus',
      Resources: ['arn:aws:s3:::in'],
    });
  });

  it('refuses a payload that does not build a JSON object', () => {
    // Act
    const act = () =>
      eventBridgeTrigger.render(
        spec({ payload: [{ src: { dependencyName: 'upload', dataKey: 'detail.key' }, dest: '' }] }),
        events,
        context,
      );

    // Assess
    expect(act).toThrow(/the payload must build a JSON object for Detail/);
  });
});

describe('eventBridge trigger execute through the AWS SDK', () => {
  it('calls PutEvents with the entry and reports the event id', async () => {
    // Prepare
    const request = eventBridgeTrigger.render(spec(), events, context);

    // Act
    const outcome = await eventBridgeTrigger.execute(request, aws.clients);

    // Assess
    expect(outcome.summary).toBe(
      'put event outrigger.ci/Upload Seen on bus default (11710aed-b79e-4468-a20b-bb3c0c3b4860)',
    );
    const sent = aws.sink.requests[0];
    expect(sent?.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
    expect(JSON.parse(sent?.body ?? '')).toEqual({ Entries: [request.entry] });
  });

  it('fails a failed entry as retryable, naming the error code', async () => {
    // Prepare
    aws.sink.answer({
      status: 200,
      body: '{"FailedEntryCount":1,"Entries":[{"ErrorCode":"ThrottlingException","ErrorMessage":"Rate exceeded"}]}',
      headers: { 'content-type': 'application/x-amz-json-1.1' },
    });

    // Act
    const error = await eventBridgeTrigger
      .execute(eventBridgeTrigger.render(spec(), events, context), aws.clients)
      .catch((err: unknown) => err);

    // Assess
    expect(error).toBeInstanceOf(TriggerError);
    expect(isRetryable(error)).toBe(true);
    expect((error as Error).message).toBe(
      'PutEvents to event bus default failed for the entry: ThrottlingException: Rate exceeded',
    );
  });

  it('does not retry a bus that does not exist', async () => {
    // Prepare
    aws.sink.answer({
      status: 400,
      body: '{"__type":"ResourceNotFoundException","message":"Event bus ci-bus does not exist."}',
      headers: { 'content-type': 'application/x-amz-json-1.1' },
    });

    // Act
    const error = await eventBridgeTrigger
      .execute(eventBridgeTrigger.render(spec({ eventBusName: 'ci-bus' }), events, context), aws.clients)
      .catch((err: unknown) => err);

    // Assess
    expect(isRetryable(error)).toBe(false);
    expect((error as Error).message).toBe(
      'PutEvents to event bus ci-bus failed (400): ResourceNotFoundException: Event bus ci-bus does not exist.',
    );
  });

  it('uses a fake port when one is given', async () => {
    // Prepare
    const seen: unknown[] = [];
    const request = eventBridgeTrigger.render(spec(), events, context);

    // Act
    const outcome = await eventBridgeTrigger.execute(request, {
      eventBridge: {
        async putEvent(input) {
          seen.push(input);
          return { failedEntryCount: 0, eventId: 'ev-1' };
        },
      },
    });

    // Assess
    expect(seen).toEqual([request]);
    expect(outcome.result).toEqual({ eventId: 'ev-1' });
    expect(aws.sink.requests).toHaveLength(0);
  });
});
