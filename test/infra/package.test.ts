/**
 * `serverless package` (osls) end to end, offline: fake credentials and an unreachable AWS endpoint, so a
 * call to AWS would fail the run. Runs are sequential: each writes .outrigger/package/ and .esbuild/.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const outputs: string[] = [];

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> } & {
  Outputs: Record<string, { Value: unknown }>;
};

interface PackageRun {
  ok: boolean;
  output: string;
  dir: string;
}

async function slsPackage(manifests: string): Promise<PackageRun> {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-package-'));
  outputs.push(dir);
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'AKIAOUTRIGGERTEST',
    AWS_SECRET_ACCESS_KEY: 'not-a-secret',
    AWS_REGION: 'eu-west-1',
    // Nothing listens here: any AWS call would fail the packaging.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_EC2_METADATA_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
  };
  const args = [
    join(root, 'node_modules/osls/bin/serverless.js'),
    'package',
    '--stage',
    'ci',
    '--region',
    'eu-west-1',
    '--package',
    dir,
    `--param=manifests=${manifests}`,
  ];
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: root, env, timeout: 110_000 });
    return { ok: true, output: `${stdout}${stderr}`, dir };
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${stdout}${stderr}`, dir };
  }
}

async function template(dir: string): Promise<Template> {
  return JSON.parse(
    await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
}

function ofType(t: Template, type: string): string[] {
  return Object.entries(t.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id]) => id)
    .sort();
}

afterAll(async () => {
  await Promise.all(outputs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('serverless package', { timeout: 120_000 }, () => {
  it('packages the article manifests offline into a webhook route, a sensor fed by its queue and the URL output', async () => {
    // Prepare
    const manifests =
      'test/fixtures/shared/article/github-eventsource.yaml,test/fixtures/shared/article/github-build-sensor.yaml';

    // Act
    const result = await slsPackage(manifests);

    // Assess
    expect(result.ok, result.output).toBe(true);
    const t = await template(result.dir);
    expect(ofType(t, 'AWS::Lambda::Function')).toEqual([
      'SensorGithubBuildSensorLambdaFunction',
      'WebhookLambdaFunction',
    ]);
    for (const id of ofType(t, 'AWS::Lambda::Function')) {
      expect(t.Resources[id]?.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    }
    const route = Object.values(t.Resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Route');
    expect(route?.Properties.RouteKey).toBe('POST /push');
    expect(t.Resources.SensorGithubBuildSensorQueue?.Properties.QueueName).toBe(
      'outrigger-ci-github-build-sensor',
    );
    expect(t.Resources.SensorGithubBuildSensorQueue?.Properties.RedrivePolicy).toMatchObject({
      maxReceiveCount: 5,
    });
    expect(t.Resources.SensorGithubBuildSensorEventSourceMapping?.Properties.FunctionResponseTypes).toEqual([
      'ReportBatchItemFailures',
    ]);
    expect(t.Resources.WebhookLambdaFunction?.Properties.Role).toEqual({
      'Fn::GetAtt': ['WebhookIamRole', 'Arn'],
    });
    // Every function has its own role: the framework's shared role is not created.
    expect(t.Resources.IamRoleLambdaExecution).toBeUndefined();
    expect(JSON.stringify(t.Outputs.GithubWebhookGithubPushWebhookUrl?.Value)).toContain('/push');
    expect(existsSync(join(result.dir, 'webhook.zip'))).toBe(true);
    expect(existsSync(join(result.dir, 'sensorGithubBuildSensor.zip'))).toBe(true);
  });

  it('packages a richer set: two routes, secrets scoped per function, two sensors with their own queues', async () => {
    // Prepare
    const fixtures = 'test/infra/fixtures/rich';
    const manifests = `${fixtures}/git-hooks.yaml,${fixtures}/deploy-sensor.yaml,${fixtures}/upload-sensor.yaml`;

    // Act
    const result = await slsPackage(manifests);

    // Assess
    expect(result.ok, result.output).toBe(true);
    const t = await template(result.dir);
    const routes = Object.values(t.Resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => r.Properties.RouteKey)
      .sort();
    expect(routes).toEqual(['POST /github', 'PUT /deploy']);
    expect(ofType(t, 'AWS::SQS::Queue')).toEqual([
      'SensorDeploySensorDeadLetterQueue',
      'SensorDeploySensorQueue',
      'SensorUploadSensorDeadLetterQueue',
      'SensorUploadSensorQueue',
    ]);
    expect(ofType(t, 'AWS::IAM::Role')).toEqual([
      'SensorDeploySensorIamRole',
      'SensorUploadSensorIamRole',
      'WebhookIamRole',
    ]);
    const webhookPolicy = JSON.stringify(t.Resources.WebhookIamRole?.Properties.Policies);
    expect(webhookPolicy).toContain('outrigger/github-hook-??????');
    const policies = (t.Resources.WebhookIamRole?.Properties.Policies ?? []) as {
      PolicyDocument: { Statement: { Action: string[] }[] };
    }[];
    const statements = policies.flatMap((p) => p.PolicyDocument.Statement);
    const send = JSON.stringify(statements.filter((st) => st.Action.includes('sqs:SendMessage')));
    expect(send).toContain('SensorDeploySensorQueue');
    expect(send).not.toContain('SensorUploadSensorQueue');
    expect(t.Resources.OutriggerStateTable?.Properties.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
    ]);
    expect(Object.keys(t.Outputs)).toEqual(
      expect.arrayContaining(['GitHooksPushWebhookUrl', 'GitHooksDeployWebhookUrl']),
    );
  });

  it('packages calendars as schedules, or refuses them while this build has no calendar function', async () => {
    // Prepare
    const manifests = 'test/infra/fixtures/rich/nightly.yaml,test/infra/fixtures/rich/deploy-sensor.yaml';

    // Act
    const result = await slsPackage(manifests);

    // Assess
    if (existsSync(join(root, 'functions/calendar.ts'))) {
      expect(result.ok, result.output).toBe(true);
      const t = await template(result.dir);
      expect(t.Resources.NightlyWeekdaysSchedule?.Properties).toMatchObject({
        ScheduleExpression: 'cron(30 2 ? * 2-6 *)',
        ScheduleExpressionTimezone: 'Europe/Berlin',
      });
    } else {
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(
        /nightly\.yaml:\d+:1: spec\.calendar: calendar event sources need functions\/calendar\.ts/,
      );
    }
  });

  it('fails on an invalid manifest with the loader file:line:col message', async () => {
    // Prepare
    const manifests = 'test/fixtures/shared/article/github-eventsource.yaml,test/infra/fixtures/invalid';

    // Act
    const result = await slsPackage(manifests);

    // Assess
    expect(result.ok).toBe(false);
    expect(result.output).toContain('Outrigger manifests are invalid');
    expect(result.output).toMatch(
      /bad-sensor\.yaml:14:9: spec\.triggers\[0\]\.template\.kafka: trigger type `kafka` is not supported/,
    );
  });
});
