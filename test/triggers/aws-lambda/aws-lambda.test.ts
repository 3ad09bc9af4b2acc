import { describe, expect, it } from 'vitest';
import { isRetryable, TriggerError } from '../../../lib/errors.ts';
import type { Trigger } from '../../../lib/manifests/types.ts';
import {
  type AwsLambdaTriggerSpec,
  awsLambdaTrigger,
  type LambdaInvokeInput,
  type LambdaInvoker,
} from '../../../lib/triggers/aws-lambda/index.ts';
import { runTrigger } from '../../../lib/triggers/run.ts';
import type { FiredEvents } from '../../../lib/triggers/types.ts';
import { event, memorySecrets, renderContext, useAwsSink } from '../fixtures.ts';

const events: FiredEvents = { push: event('e1', { body: { repo: 'backend', size: 3 } }) };
const context = renderContext();

const spec = (overrides: Partial<AwsLambdaTriggerSpec> = {}): AwsLambdaTriggerSpec => ({
  functionName: 'deploy',
  region: 'eu-west-1',
  payload: [{ src: { dependencyName: 'push', dataKey: 'body.repo' }, dest: 'repo' }],
  ...overrides,
});

/** The Lambda REST API on loopback, driven by the real SDK (no emulator exists for Invoke). */
const aws = useAwsSink({ status: 200, body: '{"ok":true}', headers: { 'content-type': 'application/json' } });

describe('awsLambda trigger render', () => {
  it('defaults to RequestResponse and builds the payload', () => {
    // Act
    const request = awsLambdaTrigger.render(spec(), events, context);

    // Assess
    expect(request).toEqual({
      functionName: 'deploy',
      region: 'eu-west-1',
      payload: '{"repo":"backend"}',
      invocationType: 'RequestResponse',
      accessKey: undefined,
      secretKey: undefined,
    });
  });

  it('applies awsLambda.parameters to functionName and region (vector PL-07)', () => {
    // Prepare
    const firing: FiredEvents = { 'fake-dependency': event('e2', { function: 'real-function' }) };
    const parameterised = spec({
      parameters: [
        {
          src: { dependencyName: 'fake-dependency', dataKey: 'function', value: 'default' },
          dest: 'functionName',
        },
        { src: { dependencyName: 'fake-dependency', dataKey: 'region', value: 'region' }, dest: 'region' },
      ],
    });

    // Act
    const request = awsLambdaTrigger.render(parameterised, firing, context);

    // Assess
    expect(request).toMatchObject({ functionName: 'real-function', region: 'region' });
  });

  it('refuses roleARN with a message saying what to grant instead', () => {
    // Act
    const act = () => awsLambdaTrigger.render(spec({ roleARN: 'arn:aws:iam::1:role/x' }), events, context);

    // Assess
    expect(act).toThrow(/roleARN is not supported; grant the sensor function's role lambda:InvokeFunction/);
  });
});

describe('awsLambda trigger execute through the AWS SDK', () => {
  it('invokes the function with the payload and invocation type, signed', async () => {
    // Prepare
    const request = awsLambdaTrigger.render(spec({ invocationType: 'Event' }), events, context);
    aws.sink.answer({ status: 202, body: '' });

    // Act
    const outcome = await awsLambdaTrigger.execute(request, aws.clients);

    // Assess
    expect(outcome.status).toBe(202);
    expect(outcome.summary).toBe('invoked lambda function deploy (Event) → 202');
    const sent = aws.sink.requests[0];
    expect(sent?.method).toBe('POST');
    expect(sent?.url).toBe('/2015-03-31/functions/deploy/invocations');
    expect(sent?.headers['x-amz-invocation-type']).toBe('Event');
    expect(sent?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d+\/eu-west-1\/lambda\//,
    );
    expect(sent?.body).toBe('{"repo":"backend"}');
  });

  it('returns the function result parsed as JSON', async () => {
    // Prepare
    aws.sink.answer({ status: 200, body: '{"deployed":"backend"}' });

    // Act
    const outcome = await awsLambdaTrigger.execute(
      awsLambdaTrigger.render(spec(), events, context),
      aws.clients,
    );

    // Assess
    expect(outcome).toMatchObject({ status: 200, result: { deployed: 'backend' } });
  });

  it('fails a function error as retryable with the error message, unlike upstream', async () => {
    // Prepare
    aws.sink.answer({
      status: 200,
      body: '{"errorType":"Error","errorMessage":"boom"}',
      headers: { 'x-amz-function-error': 'Unhandled' },
    });

    // Act
    const error = await awsLambdaTrigger
      .execute(awsLambdaTrigger.render(spec(), events, context), aws.clients)
      .catch((err: unknown) => err);

    // Assess
    expect(error).toBeInstanceOf(TriggerError);
    expect(isRetryable(error)).toBe(true);
    expect((error as Error).message).toBe('lambda function deploy failed (Unhandled): Error: boom');
  });

  it('does not retry a missing function', async () => {
    // Prepare
    aws.sink.answer({
      status: 404,
      body: '{"Type":"User","message":"Function not found: arn:aws:lambda:eu-west-1:1:function:deploy"}',
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' },
    });

    // Act
    const error = await awsLambdaTrigger
      .execute(awsLambdaTrigger.render(spec(), events, context), aws.clients)
      .catch((err: unknown) => err);

    // Assess
    expect(isRetryable(error)).toBe(false);
    expect((error as Error).message).toMatch(
      /^invoke of lambda function deploy in eu-west-1 failed \(404\): ResourceNotFoundException: Function not found/,
    );
  });

  it('retries throttling', async () => {
    // Prepare
    aws.sink.answer({
      status: 429,
      body: '{"message":"Rate exceeded"}',
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' },
    });

    // Act
    const error = await awsLambdaTrigger
      .execute(awsLambdaTrigger.render(spec(), events, context), aws.clients)
      .catch((err: unknown) => err);

    // Assess
    expect(isRetryable(error)).toBe(true);
  });

  it('uses accessKey and secretKey from the secret store', async () => {
    // Prepare
    const request = awsLambdaTrigger.render(
      spec({ accessKey: { name: 'aws', key: 'id' }, secretKey: { name: 'aws', key: 'secret' } }),
      events,
      context,
    );
    const withSecrets = {
      ...aws.clients,
      secrets: memorySecrets({ 'aws/id': 'AKIDFROMSECRET', 'aws/secret': 's' }),
    };

    // Act
    await awsLambdaTrigger.execute(request, withSecrets);

    // Assess
    expect(aws.sink.requests[0]?.headers.authorization).toMatch(/Credential=AKIDFROMSECRET\//);
  });
});

describe('awsLambda trigger with a fake port', () => {
  it('passes region, payload and credentials to the port and applies policy.status on its status', async () => {
    // Prepare
    const calls: LambdaInvokeInput[] = [];
    const lambda: LambdaInvoker = {
      async invoke(input) {
        calls.push(input);
        return { statusCode: 202 };
      },
    };
    const trigger: Trigger = {
      template: { name: 'deploy', awsLambda: spec() as unknown as Record<string, unknown> },
      policy: { status: { allow: [200] } },
    };

    // Act
    const error = await runTrigger(trigger, events, context, { lambda }).catch((err: unknown) => err);

    // Assess
    expect(calls).toEqual([
      {
        functionName: 'deploy',
        region: 'eu-west-1',
        payload: '{"repo":"backend"}',
        invocationType: 'RequestResponse',
        credentials: undefined,
      },
    ]);
    expect((error as Error).message).toBe(
      'policy application resulted in failure. http response status 202 is not allowed',
    );
    expect(isRetryable(error)).toBe(false);
  });
});
