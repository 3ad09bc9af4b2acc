import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../../lib/errors.ts';
import type { SqsRecord } from '../../../lib/sources/sqs/index.ts';
import { queueMatches, sqsEventData } from '../../../lib/sources/sqs/index.ts';

const ARN = 'arn:aws:sqs:us-east-1:123456789012:orders';

function record(partial: Partial<SqsRecord> = {}): SqsRecord {
  return {
    messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
    body: '{"order":42}',
    eventSource: 'aws:sqs',
    eventSourceARN: ARN,
    awsRegion: 'us-east-1',
    messageAttributes: {},
    ...partial,
  };
}

describe('queueMatches', () => {
  it.each([
    [{ queue: 'orders', region: 'us-east-1' }, true],
    [{ queue: 'orders', region: 'us-east-1', queueAccountId: '123456789012' }, true],
    [{ queue: 'orders', region: 'us-east-1', queueAccountId: '999999999999' }, false],
    [{ queue: 'orders', region: 'eu-west-1' }, false],
    [{ queue: 'order', region: 'us-east-1' }, false],
    [{ queue: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders', region: 'eu-west-1' }, true],
    [{ queue: 'https://sqs.us-east-1.amazonaws.com/999999999999/orders', region: 'us-east-1' }, false],
    [{ queue: 'http://localhost:4566/123456789012/orders', region: 'us-east-1' }, true],
    [{ queue: ARN, region: 'us-east-1' }, true],
    [{ queue: 'arn:aws:sqs:us-east-1:123456789012:other', region: 'us-east-1' }, false],
  ])('%j → %s', (spec, expected) => {
    expect(queueMatches(spec, ARN)).toBe(expected);
  });

  it('never matches a record that is not from a queue', () => {
    expect(queueMatches({ queue: 'orders' }, 'arn:aws:sns:us-east-1:123456789012:orders')).toBe(false);
  });
});

describe('sqsEventData', () => {
  it('embeds the body as JSON with jsonBody', () => {
    // Act
    const data = sqsEventData(record(), { queue: 'orders', jsonBody: true, metadata: { env: 'prod' } });

    // Assess
    expect(data).toEqual({
      messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
      messageAttributes: null,
      body: { order: 42 },
      metadata: { env: 'prod' },
    });
  });

  it('writes the body as base64 bytes without jsonBody, as Go marshals []byte', () => {
    // Prepare
    const body = 'plain text ü <tag>';

    // Act
    const data = sqsEventData(record({ body }), { queue: 'orders' });

    // Assess
    expect(data.body).toBe(Buffer.from(body, 'utf8').toString('base64'));
    expect(Buffer.from(data.body as string, 'base64').toString('utf8')).toBe(body);
    expect(data).not.toHaveProperty('metadata');
  });

  it('refuses a body that is not JSON when jsonBody is set', () => {
    expect(() => sqsEventData(record({ body: '{broken' }), { queue: 'orders', jsonBody: true })).toThrow(
      PayloadError,
    );
  });

  it('marshals attributes with aws-sdk-go field names, sorted, empty lists as null', () => {
    // Prepare
    const attributes = {
      zeta: { dataType: 'String', stringValue: 'z', stringListValues: [], binaryListValues: [] },
      alpha: { dataType: 'Binary', binaryValue: 'AQID', stringListValues: [], binaryListValues: [] },
    };

    // Act
    const data = sqsEventData(record({ messageAttributes: attributes }), { queue: 'orders' });

    // Assess
    expect(JSON.stringify(data.messageAttributes)).toBe(
      '{"alpha":{"BinaryListValues":null,"BinaryValue":"AQID","DataType":"Binary","StringListValues":null,"StringValue":null},' +
        '"zeta":{"BinaryListValues":null,"BinaryValue":null,"DataType":"String","StringListValues":null,"StringValue":"z"}}',
    );
  });
});
