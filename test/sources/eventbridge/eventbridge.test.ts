import { describe, expect, it } from 'vitest';
import {
  eventBridgeEventData,
  isEventBridgeInvocation,
  matchesEventPattern,
} from '../../../lib/sources/eventbridge/index.ts';
import { S3_OBJECT_CREATED } from './fixtures.ts';

describe('matchesEventPattern', () => {
  it.each([
    [{ source: ['aws.s3'], 'detail-type': ['Object Created'] }, true],
    [{ source: ['aws.s3'], detail: { bucket: { name: ['amzn-s3-demo-bucket1'] } } }, true],
    [{ source: ['aws.s3'], detail: { bucket: { name: ['other-bucket'] } } }, false],
    [{ detail: { object: { key: [{ prefix: 'uploads/' }] } } }, true],
    [{ detail: { object: { key: [{ suffix: '.json' }] } } }, false],
    [{ detail: { object: { size: [{ numeric: ['>', 0, '<=', 5] }] } } }, true],
    [{ detail: { object: { size: [{ numeric: ['>', 5] }] } } }, false],
    [{ detail: { reason: [{ 'anything-but': ['CopyObject'] }] } }, true],
    [{ detail: { reason: [{ 'anything-but': { prefix: 'Put' } }] } }, false],
    [{ detail: { 'destination-key': [{ exists: false }] } }, true],
    [{ detail: { requester: [{ exists: true }] } }, true],
    [{ 'detail-type': [{ 'equals-ignore-case': 'object created' }] }, true],
    [{ resources: ['arn:aws:s3:::amzn-s3-demo-bucket1'] }, true],
    [{ detail: { reason: [{ wildcard: 'Put*' }] } }, false],
  ])('%j → %s', (pattern, expected) => {
    expect(matchesEventPattern(pattern, S3_OBJECT_CREATED)).toBe(expected);
  });
});

describe('eventbridge event data', () => {
  it('is the EventBridge event itself, with metadata only when set', () => {
    expect(eventBridgeEventData(S3_OBJECT_CREATED, {})).toBe(S3_OBJECT_CREATED);
    expect(eventBridgeEventData(S3_OBJECT_CREATED, { metadata: { env: 'prod' } })).toEqual({
      ...S3_OBJECT_CREATED,
      metadata: { env: 'prod' },
    });
  });

  it('recognises the input transformer wrapper and nothing else', () => {
    expect(
      isEventBridgeInvocation({ eventSourceName: 'aws', eventName: 'upload', event: S3_OBJECT_CREATED }),
    ).toBe(true);
    expect(isEventBridgeInvocation({ eventSourceName: 'aws', eventName: 'upload', event: {} })).toBe(false);
    expect(isEventBridgeInvocation(S3_OBJECT_CREATED)).toBe(false);
  });
});
