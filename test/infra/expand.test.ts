import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_FILE, type ExpandOptions, expandManifests } from '../../infra/expand.ts';
import type { CfnValue } from '../../infra/iam.ts';
import { sensorQueueNames } from '../../lib/bus/sqs/names.ts';
import { ManifestError } from '../../lib/errors.ts';
import { loadManifests } from '../../lib/manifests/index.ts';
import { sharedPath } from '../support/shared.ts';

const shared = sharedPath('article');
const article = [join(shared, 'github-eventsource.yaml'), join(shared, 'github-build-sensor.yaml')];
const fixtures = join(import.meta.dirname, 'fixtures');
const options: ExpandOptions = { service: 'outrigger', stage: 'test' };

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Effect: string; Action: string[]; Resource: CfnValue[] };

function resource(resources: Record<string, CfnValue>, id: string): Resource {
  const found = resources[id] as Resource | undefined;
  if (!found) throw new Error(`no resource ${id}; have ${Object.keys(resources).join(', ')}`);
  return found;
}

function statementsOf(resources: Record<string, CfnValue>, roleId: string): Statement[] {
  const policies = resource(resources, roleId).Properties.Policies as {
    PolicyDocument: { Statement: Statement[] };
  }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

function actionsOn(statements: Statement[]): string[] {
  return statements.flatMap((s) => s.Action).sort();
}

function resourcesText(statements: Statement[]): string[] {
  return statements.flatMap((s) => s.Resource.map((r) => JSON.stringify(r)));
}

describe('expanding the article manifests', () => {
  it('routes POST /push to the webhook function and outputs its full URL', async () => {
    // Prepare
    const set = await loadManifests(article);

    // Act
    const expansion = expandManifests(set, options);

    // Assess
    expect(expansion.functions.webhook?.events).toEqual([{ httpApi: { method: 'POST', path: '/push' } }]);
    const output = expansion.outputs.GithubWebhookGithubPushWebhookUrl;
    expect(output?.Description).toContain('github-webhook/github-push');
    expect(JSON.stringify(output?.Value)).toContain('"/push"');
    expect(JSON.stringify(output?.Value)).toContain('{"Ref":"HttpApi"}');
  });

  it('uses the SQS bus when no EventBus manifest is loaded, and ships that choice in the configuration', async () => {
    // Prepare
    const set = await loadManifests(article);

    // Act
    const expansion = expandManifests(set, options);

    // Assess
    expect(expansion.bus).toBe('sqs');
    expect(expansion.config.eventBuses).toEqual([
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'EventBus',
        metadata: { name: 'default' },
        spec: { sqs: { queueNamePrefix: 'outrigger-test-', stateTable: 'outrigger-test-state' } },
      },
    ]);
    expect(expansion.config.sensors).toEqual(set.sensors);
  });

  it('gives the sensor its own function, queue with redrive DLQ and batch mapping with partial failures', async () => {
    // Prepare
    const set = await loadManifests(article);
    const names = sensorQueueNames('outrigger-test-', 'github-build-sensor');

    // Act
    const { functions, resources } = expandManifests(set, options);

    // Assess
    const sensor = functions.sensorGithubBuildSensor;
    expect(sensor?.handler).toBe('functions/sensor.handler');
    expect(sensor?.environment.OUTRIGGER_SENSOR).toBe('github-build-sensor');
    expect(sensor?.environment.OUTRIGGER_CONFIG).toBe(`/var/task/${CONFIG_FILE}`);
    const queue = resource(resources, 'SensorGithubBuildSensorQueue');
    expect(queue.Properties.QueueName).toBe(names.queue);
    expect(queue.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': ['SensorGithubBuildSensorDeadLetterQueue', 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(resource(resources, 'SensorGithubBuildSensorDeadLetterQueue').Properties.QueueName).toBe(
      names.dlq,
    );
    expect(resource(resources, 'SensorGithubBuildSensorEventSourceMapping').Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['SensorGithubBuildSensorQueue', 'Arn'] },
      FunctionName: { 'Fn::GetAtt': ['SensorGithubBuildSensorLambdaFunction', 'Arn'] },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(resource(resources, 'OutriggerStateTable').Type).toBe('AWS::DynamoDB::Table');
  });

  it('lets the webhook send only to the queues of sensors that depend on its events', async () => {
    // Prepare
    const set = await loadManifests(article);

    // Act
    const { functions, resources } = expandManifests(set, options);

    // Assess
    expect(functions.webhook?.role).toBe('WebhookIamRole');
    const statements = statementsOf(resources, 'WebhookIamRole');
    expect(actionsOn(statements)).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
    expect(resourcesText(statements)).toContain(
      JSON.stringify({ 'Fn::GetAtt': ['SensorGithubBuildSensorQueue', 'Arn'] }),
    );
    expect(resourcesText(statements).join()).toContain('/aws/lambda/outrigger-test-webhook:*');
  });
});

describe('expanding a richer manifest set', () => {
  it('turns each calendar into a Scheduler schedule in its time zone, with retries and a DLQ', async () => {
    // Prepare
    const set = await loadManifests([join(fixtures, 'rich')]);

    // Act
    const { resources, notes } = expandManifests(set, options);

    // Assess
    const weekdays = resource(resources, 'NightlyWeekdaysSchedule').Properties;
    expect(weekdays.ScheduleExpression).toBe('cron(30 2 ? * 2-6 *)');
    expect(weekdays.ScheduleExpressionTimezone).toBe('Europe/Berlin');
    expect(weekdays.Target).toMatchObject({
      Arn: { 'Fn::GetAtt': ['CalendarLambdaFunction', 'Arn'] },
      Input: JSON.stringify({
        eventSourceName: 'nightly',
        eventName: 'weekdays',
        scheduledTime: '<aws.scheduler.scheduled-time>',
      }),
      RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['OutriggerScheduleDeadLetterQueue', 'Arn'] } },
    });
    const every = resource(resources, 'NightlyEveryFiveSchedule').Properties;
    expect(every.ScheduleExpression).toBe('rate(5 minutes)');
    expect(every.ScheduleExpressionTimezone).toBe('UTC');
    expect(notes.join('\n')).toContain('exclusionDates');
  });

  it('maps sqs, sns and eventbridge sources to a mapping, a subscription and a rule on the aws-source function', async () => {
    // Prepare
    const set = await loadManifests([join(fixtures, 'rich')]);

    // Act
    const { resources } = expandManifests(set, options);

    // Assess
    const target = { 'Fn::GetAtt': ['AwsSourceLambdaFunction', 'Arn'] };
    expect(resource(resources, 'AwsEventsUploadsEventSourceMapping').Properties).toMatchObject({
      EventSourceArn: { 'Fn::Sub': `arn:\${AWS::Partition}:sqs:eu-west-1:111122223333:uploads` },
      FunctionName: target,
    });
    expect(resource(resources, 'AwsEventsAlarmsSubscription').Properties).toMatchObject({
      TopicArn: 'arn:aws:sns:us-east-1:111122223333:alarms',
      Protocol: 'lambda',
      Endpoint: target,
    });
    const rule = resource(resources, 'AwsEventsS3UploadRule').Properties;
    expect(rule.EventPattern).toEqual({ source: ['aws.s3'], 'detail-type': ['Object Created'] });
    expect(JSON.stringify(rule.Targets)).toContain('<aws.events.event.json>');
    expect(resource(resources, 'AwsEventsS3UploadPermission').Properties.Principal).toBe(
      'events.amazonaws.com',
    );
  });

  it('grants each sensor its own triggers and secrets, never the cluster secrets a Job refers to', async () => {
    // Prepare
    const set = await loadManifests([join(fixtures, 'rich')]);

    // Act
    const { resources } = expandManifests(set, { ...options, kubernetes: { eksCluster: 'prod' } });

    // Assess
    const deploy = statementsOf(resources, 'SensorDeploySensorIamRole');
    expect(actionsOn(deploy)).toContain('lambda:InvokeFunction');
    expect(actionsOn(deploy)).toContain('events:PutEvents');
    expect(actionsOn(deploy)).not.toContain('eks:DescribeCluster');
    expect(resourcesText(deploy).join()).toContain('secret:outrigger/ci-token-??????');
    const upload = statementsOf(resources, 'SensorUploadSensorIamRole');
    expect(actionsOn(upload)).toContain('eks:DescribeCluster');
    expect(resourcesText(upload).join()).not.toContain('in-cluster-secret');
    const beyondLookups = upload.filter(
      (st) => !(st.Action.length === 1 && st.Action[0] === 'sqs:GetQueueUrl'),
    );
    expect(resourcesText(beyondLookups).join()).not.toContain('SensorDeploySensor');
  });

  it('grants s3:GetObject on the object an s3 trigger source names without keys, any key when a parameter picks it', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'outrigger-s3-'));
    const source = (key: string, keys = '') => `
            source:
              s3:
                bucket: {name: ci-templates, key: ${key}}
                endpoint: s3.amazonaws.com${keys}`;
    await writeFile(
      join(dir, 'sensor.yaml'),
      `apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: {name: templates}
spec:
  dependencies:
    - {name: push, eventSourceName: github-webhook, eventName: github-push}
  triggers:
    - template:
        name: fixed
        k8s:${source('jobs/build.yaml')}
    - template:
        name: chosen
        argoWorkflow:${source('placeholder')}
            operation: submit
      parameters:
        - {src: {dependencyName: push, dataKey: body.template}, dest: argoWorkflow.source.s3.bucket.key}
    - template:
        name: keyed
        k8s:${source('jobs/other.yaml', '\n                accessKey: {name: store, key: id}\n                secretKey: {name: store, key: secret}')}
`,
    );
    const set = await loadManifests([article[0]!, dir]);

    // Act
    const { resources } = expandManifests(set, options);

    // Assess
    const statements = statementsOf(resources, 'SensorTemplatesIamRole');
    const reads = statements.filter((st) => st.Action.includes('s3:GetObject'));
    expect(reads).toHaveLength(1);
    expect(resourcesText(reads)).toEqual([
      JSON.stringify({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::ci-templates/jobs/build.yaml` }),
      JSON.stringify({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::ci-templates/*` }),
    ]);
    expect(resourcesText(statements).join()).toContain('secret:outrigger/store-??????');
  });

  it('lets a source send to the queues of the sensors that depend on it, and only look up the others', async () => {
    // Prepare
    const set = await loadManifests([join(fixtures, 'rich')]);

    // Act
    const { resources } = expandManifests(set, options);

    // Assess
    const webhook = statementsOf(resources, 'WebhookIamRole');
    const send = webhook.filter((st) => st.Action.includes('sqs:SendMessage'));
    expect(resourcesText(send)).toEqual([
      JSON.stringify({ 'Fn::GetAtt': ['SensorDeploySensorQueue', 'Arn'] }),
    ]);
    const lookup = webhook.find((st) => st.Action.includes('sqs:GetQueueUrl'));
    expect(lookup?.Action).toEqual(['sqs:GetQueueUrl']);
    expect(lookup?.Resource).toHaveLength(4);
  });

  it('lets the webhook read only the secrets of its own sources', async () => {
    // Prepare
    const set = await loadManifests([join(fixtures, 'rich')]);

    // Act
    const { resources } = expandManifests(set, options);

    // Assess
    const text = resourcesText(statementsOf(resources, 'WebhookIamRole')).join();
    expect(text).toContain('secret:outrigger/github-hook-??????');
    expect(text).toContain('secret:outrigger/deploy-token-??????');
    expect(text).not.toContain('ci-token');
  });

  it('uses no wildcard resources but log streams and secret suffixes', async () => {
    // Prepare
    const set = await loadManifests([join(fixtures, 'rich')]);

    // Act
    const { resources } = expandManifests(set, { ...options, kubernetes: { eksCluster: 'prod' } });

    // Assess
    const roles = Object.entries(resources).filter(([, r]) => (r as Resource).Type === 'AWS::IAM::Role');
    expect(roles.length).toBe(6);
    for (const [id] of roles) {
      for (const text of resourcesText(statementsOf(resources, id))) {
        const wildcard = text.includes('*') && !/log-group:\/aws\/lambda\/[^*"]+:\*"/.test(text);
        expect(wildcard, `${id}: ${text}`).toBe(false);
      }
    }
  });

  it('on JetStream drains each sensor every minute and lets the sources invoke the drain', async () => {
    // Prepare
    const set = await loadManifests([join(fixtures, 'rich'), join(fixtures, 'jetstream')]);

    // Act
    const expansion = expandManifests(set, options);

    // Assess
    expect(expansion.bus).toBe('jetstream');
    const sensorQueues = Object.keys(expansion.resources).filter((id) => /^Sensor.*Queue$/.test(id));
    expect(sensorQueues).toEqual([]);
    expect(expansion.resources.OutriggerStateTable).toBeUndefined();
    const drain = resource(expansion.resources, 'SensorDeploySensorDrainSchedule').Properties;
    expect(drain.ScheduleExpression).toBe('rate(1 minute)');
    const webhook = statementsOf(expansion.resources, 'WebhookIamRole');
    const invoke = webhook.find((s) => s.Action.includes('lambda:InvokeFunction'));
    expect(invoke?.Resource).toEqual([{ 'Fn::GetAtt': ['SensorDeploySensorLambdaFunction', 'Arn'] }]);
    expect(JSON.parse(expansion.functions.webhook?.environment.OUTRIGGER_DRAIN_TARGETS ?? '[]')).toEqual([
      {
        functionName: 'outrigger-test-sensor-deploy-sensor',
        subjects: ['default.git-hooks.push', 'default.nightly.weekdays'],
      },
    ]);
    expect(resourcesText(webhook).join()).toContain('secret:outrigger/nats-access-??????');
  });
});

describe('expansion errors', () => {
  it('fails with the loader file:line message for an invalid manifest', async () => {
    // Prepare
    const paths = [...article, join(fixtures, 'invalid')];

    // Act
    const loading = loadManifests(paths);

    // Assess
    await expect(loading).rejects.toBeInstanceOf(ManifestError);
    await expect(loading).rejects.toThrow(/bad-sensor\.yaml:14:9: spec\.triggers\[0\]\.template\.kafka/);
  });

  it('refuses a calendar when this build has no calendar function, naming its manifest', async () => {
    // Prepare
    const set = await loadManifests([join(fixtures, 'rich')]);

    // Act
    const expand = () => expandManifests(set, { ...options, handlers: { calendar: null } });

    // Assess
    expect(expand).toThrow(ManifestError);
    expect(expand).toThrow(
      /nightly\.yaml:\d+:1: spec\.calendar: calendar event sources need functions\/calendar\.ts/,
    );
  });
});
