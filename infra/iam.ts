/**
 * IAM building blocks for least-privilege roles: every statement names its resources, and the only
 * wildcards are those AWS requires (the log streams of a log group, the random suffix of a secret ARN).
 */
import type { SecretKeySelector } from '../lib/manifests/types.ts';
import { awsSecretId } from '../lib/secrets/aws.ts';

/** A CloudFormation value: a literal or an intrinsic function. */
export type CfnValue = string | number | boolean | null | CfnValue[] | { [key: string]: CfnValue };

export interface PolicyStatement {
  Effect: 'Allow';
  Action: string[];
  Resource: CfnValue[];
  Condition?: Record<string, CfnValue>;
}

/** Where secret selectors live on AWS (lib/secrets/aws.ts reads the same ids). */
export interface SecretStore {
  service: 'secretsmanager' | 'ssm';
  prefix: string;
}

/** `Fn::Sub` of an ARN template in this stack's partition, region and account. */
export function sub(template: string): CfnValue {
  return { 'Fn::Sub': template };
}

/** `Fn::GetAtt [logicalId, Arn]`. */
export function arnOf(logicalId: string): CfnValue {
  return { 'Fn::GetAtt': [logicalId, 'Arn'] };
}

/** Writing to its own log group (osls creates the group, so no `logs:CreateLogGroup`). */
export function logStatement(functionName: string): PolicyStatement {
  return {
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    // Log streams have generated names: `:*` is the narrowest resource AWS accepts here.
    Resource: [
      sub(
        `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName}:*`,
      ),
    ],
  };
}

/** Reading exactly the secrets `selectors` name. */
export function secretStatement(
  selectors: readonly SecretKeySelector[],
  store: SecretStore,
): PolicyStatement | undefined {
  const names = [...new Set(selectors.map((selector) => selector.name))].sort();
  if (names.length === 0) return undefined;
  if (store.service === 'ssm') {
    return {
      Effect: 'Allow',
      Action: ['ssm:GetParameter'],
      Resource: names.map((name) =>
        sub(
          `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${awsSecretId('ssm', store.prefix, name)}`,
        ),
      ),
    };
  }
  return {
    Effect: 'Allow',
    Action: ['secretsmanager:GetSecretValue'],
    // Secrets Manager appends `-` and six random characters to every secret ARN.
    Resource: names.map((name) =>
      sub(
        `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${awsSecretId('secretsmanager', store.prefix, name)}-??????`,
      ),
    ),
  };
}

/** An execution role for one function: trusted by Lambda, with only `statements`. */
export function lambdaRole(policyName: string, statements: readonly PolicyStatement[]): CfnValue {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] },
        ],
      },
      Policies: [
        {
          PolicyName: policyName,
          PolicyDocument: { Version: '2012-10-17', Statement: statements as unknown as CfnValue[] },
        },
      ],
    },
  };
}

function isSelector(value: unknown): value is SecretKeySelector {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.name === 'string' &&
    typeof record.key === 'string' &&
    Object.keys(record).every((key) => key === 'name' || key === 'key' || key === 'optional')
  );
}

/**
 * Every SecretKeySelector in a spec. Kubernetes objects a trigger creates (`k8s.source.resource`,
 * `argoWorkflow.source.resource`) are skipped: their `secretKeyRef`s name in-cluster secrets, not ours.
 * An `s3` source's accessKey and secretKey are ours.
 */
export function secretSelectors(value: unknown): SecretKeySelector[] {
  const found: SecretKeySelector[] = [];
  const visit = (node: unknown, path: string): void => {
    if (/(^|\.)(k8s|argoWorkflow)\.source\.resource$/.test(path)) return;
    if (isSelector(node)) {
      found.push(node);
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        visit(item, `${path}[${index}]`);
      });
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) visit(child, path === '' ? key : `${path}.${key}`);
    }
  };
  visit(value, '');
  return found;
}
