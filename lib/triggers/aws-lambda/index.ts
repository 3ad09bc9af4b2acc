/**
 * The `awsLambda` trigger: Invoke a Lambda function with a payload built from the events
 * (argoproj/argo-events: pkg/sensors/triggers/aws-lambda/aws-lambda.go; semantics §6.4). The SDK
 * (`@aws-sdk/client-lambda`) is imported on first use, so sensors without this trigger never load it.
 *
 * Deliberate difference (issue 6): a function error (`FunctionError` with status 200) fails the attempt
 * (retryable); upstream counts it as success. `policy.status` applies to the invoke status (200/202/204).
 */
import { TriggerError } from '../../errors.ts';
import type { SecretKeySelector, TriggerParameter } from '../../manifests/types.ts';
import { applyParameters } from '../../sensors/parameters.ts';
import {
  cachedClient,
  clientKey,
  defaultPort,
  fromSdkError,
  manifestCredentials,
  sdkClientConfig,
} from '../aws-client.ts';
import { constructPayload } from '../payload.ts';
import type {
  AwsClientOptions,
  AwsStaticCredentials,
  FiredEvents,
  RenderContext,
  TriggerClients,
  TriggerOutcome,
  TriggerType,
} from '../types.ts';

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

/** `template.awsLambda` (Argo's AWSLambdaTrigger). */
export interface AwsLambdaTriggerSpec {
  functionName: string;
  region: string;
  payload?: TriggerParameter[];
  parameters?: TriggerParameter[];
  invocationType?: InvocationType;
  accessKey?: SecretKeySelector;
  secretKey?: SecretKeySelector;
  roleARN?: string;
}

/** What render produces. */
export interface AwsLambdaRequest {
  functionName: string;
  region: string;
  /** JSON text; empty when no payload entry resolved (upstream sends empty bytes too). */
  payload: string;
  invocationType: InvocationType;
  accessKey: SecretKeySelector | undefined;
  secretKey: SecretKeySelector | undefined;
}

/** One Invoke call, as the port sees it. */
export interface LambdaInvokeInput {
  functionName: string;
  region: string;
  payload: string;
  invocationType: InvocationType;
  credentials: AwsStaticCredentials | undefined;
}

/** What Invoke answered. */
export interface LambdaInvokeOutput {
  statusCode: number;
  functionError?: string;
  payload?: string;
}

/** The port to AWS Lambda (tests pass a fake; the default is `sdkLambdaInvoker`). */
export interface LambdaInvoker {
  invoke(input: LambdaInvokeInput): Promise<LambdaInvokeOutput>;
}

const INVOCATION_TYPES: readonly InvocationType[] = ['RequestResponse', 'Event', 'DryRun'];

/** Applies `awsLambda.parameters` to the spec and builds the payload (pure). */
export function renderAwsLambda(
  spec: AwsLambdaTriggerSpec,
  events: FiredEvents,
  context: RenderContext,
): AwsLambdaRequest {
  const resolved = applyParameters(spec, spec.parameters, events);
  const invocationType = resolved.invocationType || 'RequestResponse';
  if (!INVOCATION_TYPES.includes(invocationType)) {
    throw new TriggerError(
      `awsLambda trigger "${context.triggerName}": invocationType ${invocationType} is not one of ${INVOCATION_TYPES.join(', ')}`,
      { retryable: false },
    );
  }
  if (!resolved.functionName || !resolved.region) {
    throw new TriggerError(
      `awsLambda trigger "${context.triggerName}": functionName and region are required`,
      {
        retryable: false,
      },
    );
  }
  if (resolved.roleARN) {
    // Assuming another role needs STS; the function's own role (or static keys) is what Outrigger uses.
    throw new TriggerError(
      `awsLambda trigger "${context.triggerName}": roleARN is not supported; grant the sensor function's role lambda:InvokeFunction on ${resolved.functionName}, or set accessKey/secretKey`,
      { retryable: false },
    );
  }
  return {
    functionName: resolved.functionName,
    region: resolved.region,
    payload: constructPayload(resolved.payload, events) ?? '',
    invocationType,
    accessKey: resolved.accessKey,
    secretKey: resolved.secretKey,
  };
}

type LambdaSdk = typeof import('@aws-sdk/client-lambda');
let sdk: Promise<LambdaSdk> | undefined;

/** The default port: one SDK client per region and access key, created on first use. */
export function sdkLambdaInvoker(options: AwsClientOptions = {}): LambdaInvoker {
  const clients = new Map<string, InstanceType<LambdaSdk['LambdaClient']>>();
  return {
    async invoke(input) {
      sdk ??= import('@aws-sdk/client-lambda');
      const { LambdaClient, InvokeCommand } = await sdk;
      const client = cachedClient(clients, clientKey(input.region, input.credentials), () => {
        const target = { region: input.region, endpoint: undefined, credentials: input.credentials };
        return new LambdaClient(sdkClientConfig(target, options));
      });
      const out = await client.send(
        new InvokeCommand({
          FunctionName: input.functionName,
          InvocationType: input.invocationType,
          ...(input.payload ? { Payload: new TextEncoder().encode(input.payload) } : {}),
        }),
      );
      return {
        statusCode: out.StatusCode ?? 0,
        ...(out.FunctionError ? { functionError: out.FunctionError } : {}),
        ...(out.Payload && out.Payload.length > 0 ? { payload: new TextDecoder().decode(out.Payload) } : {}),
      };
    },
  };
}

const defaultInvoker = defaultPort((options) => sdkLambdaInvoker(options));

function invokerFor(clients: TriggerClients): LambdaInvoker {
  return clients.lambda ?? defaultInvoker(clients.aws);
}

/** The error message of a function error payload (`{"errorMessage": …}`), else the payload text. */
function functionErrorMessage(payload: string | undefined): string {
  if (!payload) return 'no details';
  try {
    const parsed = JSON.parse(payload) as { errorType?: string; errorMessage?: string };
    if (parsed.errorMessage)
      return `${parsed.errorType ? `${parsed.errorType}: ` : ''}${parsed.errorMessage}`;
  } catch {
    // Not JSON: show the text itself.
  }
  return payload.slice(0, 500);
}

/** Invokes the function and reports the invoke status for `policy.status`. */
export async function executeAwsLambda(
  request: AwsLambdaRequest,
  clients: TriggerClients,
): Promise<TriggerOutcome> {
  const what = `invoke of lambda function ${request.functionName} in ${request.region}`;
  const credentials = await manifestCredentials(clients, request.accessKey, request.secretKey, 'awsLambda');
  let out: LambdaInvokeOutput;
  try {
    out = await invokerFor(clients).invoke({
      functionName: request.functionName,
      region: request.region,
      payload: request.payload,
      invocationType: request.invocationType,
      credentials,
    });
  } catch (err) {
    throw fromSdkError(err, what);
  }
  if (out.functionError) {
    throw new TriggerError(
      `lambda function ${request.functionName} failed (${out.functionError}): ${functionErrorMessage(out.payload)}`,
      { retryable: true },
    );
  }
  let result: unknown = out.payload;
  if (out.payload !== undefined) {
    try {
      result = JSON.parse(out.payload);
    } catch {
      // Keep the text.
    }
  }
  return {
    summary: `invoked lambda function ${request.functionName} (${request.invocationType}) → ${out.statusCode}`,
    status: out.statusCode,
    result,
  };
}

/** The awsLambda trigger type. */
export const awsLambdaTrigger: TriggerType<AwsLambdaTriggerSpec, AwsLambdaRequest> = {
  type: 'awsLambda',
  render: renderAwsLambda,
  execute: executeAwsLambda,
};
