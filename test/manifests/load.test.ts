import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue, ManifestError } from '../../lib/errors.ts';
import { loadManifests, loadManifestText } from '../../lib/manifests/index.ts';
import { sharedPath } from '../support/shared.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const article = sharedPath('article');
const fixtures = join(repoRoot, 'test/fixtures/manifests');

/** Every error of loading `text`, formatted `file:line:col: path: message`. */
function errorsOf(text: string): string[] {
  try {
    loadManifestText(text, 'm.yaml');
    return [];
  } catch (err) {
    if (err instanceof ManifestError) return err.issues.map(formatIssue);
    throw err;
  }
}

const sensorHead = `apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata:
  name: s
spec:
  dependencies:
    - name: dep-a
      eventSourceName: es
      eventName: e
`;

/** A sensor whose first dependency gets `filters` and whose only trigger is `trigger` (both indented by the caller). */
function sensor(trigger: string, filters = ''): string {
  return `${sensorHead}${filters}    - name: dep_b
      eventSourceName: es
      eventName: f
  triggers:
${trigger}`;
}

/** A Sensor whose one k8s trigger reads an s3 source with `fields` (indented for the `s3` mapping). */
function s3Sensor(fields: string): string {
  return sensor(`    - template:
        name: t
        k8s:
          source:
            s3:
${fields}`);
}

const logTrigger = `    - template:
        name: t
        log: {}
`;

describe('loadManifestText', () => {
  it('loads a valid sensor into typed specs and records its origin', () => {
    // Act
    const set = loadManifestText(sensor(logTrigger), 'm.yaml');
    // Assess
    expect(set.sensors).toHaveLength(1);
    expect(set.sensors[0]?.spec.dependencies.map((dep) => dep.name)).toEqual(['dep-a', 'dep_b']);
    expect(set.sensors[0]?.spec.triggers[0]?.template.log).toEqual({});
    expect(set.origins['Sensor/s']).toEqual({ file: 'm.yaml', line: 4 });
  });

  it('refuses keys named after Object.prototype members as unknown fields, and keeps them as map keys', () => {
    // Found by the property test: `__proto__` looked up Object.prototype instead of "no such field".
    const text = `apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata:
  name: s
  __proto__: 0
  toString: x
spec: {}
`;
    expect(errorsOf(text).slice(0, 2)).toEqual([
      'm.yaml:5:3: metadata.__proto__: unknown field `__proto__`',
      'm.yaml:6:3: metadata.toString: unknown field `toString`',
    ]);
    const labelled = sensor(logTrigger).replace('  name: s\n', '  name: s\n  labels:\n    __proto__: kept\n');
    const labels = loadManifestText(labelled, 'm.yaml').sensors[0]?.metadata.labels;
    expect(Object.hasOwn(labels ?? {}, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });

  it('points an enum error at the value of a nested field', () => {
    // Prepare
    const text = sensor(`    - template:
        name: t
        k8s:
          operation: replace
          source:
            resource: {apiVersion: v1, kind: ConfigMap}
`);
    // Act
    const errors = errorsOf(text);
    // Assess
    expect(errors).toEqual([
      'm.yaml:17:22: spec.triggers[0].template.k8s.operation: must be one of create, update, patch, delete',
    ]);
  });

  it('points a missing field at the parent mapping of a list item', () => {
    // Prepare
    const text = `${sensorHead}    - eventSourceName: es
      eventName: f
  triggers:
${logTrigger}`;
    // Act
    const errors = errorsOf(text);
    // Assess
    expect(errors).toEqual(['m.yaml:10:7: spec.dependencies[1].name: missing required field `name`']);
  });

  it.each(['atLeastOnce', 'policy', 'retryStrategy', 'rateLimit'])(
    'refuses `%s` placed under template',
    (field) => {
      // Prepare
      const text = sensor(`    - template:
        name: t
        ${field}: {}
        log: {}
`);
      // Act
      const errors = errorsOf(text);
      // Assess
      expect(errors).toEqual([
        `m.yaml:16:9: spec.triggers[0].template.${field}: \`${field}\` belongs on the trigger, not on \`template\``,
      ]);
    },
  );

  it('refuses an unsupported trigger type by name', () => {
    // Prepare
    const text = sensor(`    - template:
        name: t
        custom: {serverURL: x}
`);
    // Act
    const errors = errorsOf(text);
    // Assess
    expect(errors).toEqual([
      'm.yaml:16:9: spec.triggers[0].template.custom: trigger type `custom` is not supported by Outrigger; supported: k8s, argoWorkflow, http, awsLambda, log, slack, nats, eventBridge',
    ]);
  });

  it('requires exactly one trigger type in a template', () => {
    // Prepare
    const none = sensor(`    - template:
        name: t
`);
    const two = sensor(`    - template:
        name: t
        log: {}
        http: {url: http://x}
`);
    // Act + Assess
    expect(errorsOf(none)).toEqual([
      'm.yaml:15:9: spec.triggers[0].template: needs one trigger type: `k8s`, `argoWorkflow`, `http`, `awsLambda`, `log`, `slack`, `nats` or `eventBridge`',
    ]);
    expect(errorsOf(two)).toEqual([
      'm.yaml:17:9: spec.triggers[0].template.http: only one trigger type may be set; found `log` and `http`',
    ]);
  });

  it('refuses git and file k8s sources by name', () => {
    // Prepare
    const text = sensor(`    - template:
        name: t
        k8s:
          source:
            git: {url: x}
`);
    // Act
    const errors = errorsOf(text);
    // Assess
    expect(errors).toEqual([
      'm.yaml:18:13: spec.triggers[0].template.k8s.source.git: trigger source `git` is not supported by Outrigger; supported: resource, inline, url, configmap, s3',
    ]);
  });

  it("loads an s3 source as Argo writes it, and with neither key (the function's own AWS credentials)", () => {
    // Prepare
    const minio = s3Sensor(`              bucket: {name: workflows, key: hello-world.yaml}
              endpoint: minio-service.argo-events:9000
              insecure: true
              accessKey: {key: accesskey, name: artifacts-minio}
              secretKey: {key: secretkey, name: artifacts-minio}
`);
    const aws = s3Sensor(`              bucket: {name: ci-templates, key: jobs/build.yaml}
              endpoint: s3.amazonaws.com
              region: eu-west-1
`);
    // Act + Assess
    expect(errorsOf(minio)).toEqual([]);
    expect(errorsOf(aws)).toEqual([]);
  });

  it('refuses an s3 source with a scheme in its endpoint, no key, one credential or a minio-only field', () => {
    // Prepare: a source with the bucket and endpoint given (or these defaults) and one more line.
    const s3Errors = ({ bucket = '{name: b, key: k}', endpoint = 's3.amazonaws.com', extra = '' }) =>
      errorsOf(
        s3Sensor(
          `              bucket: ${bucket}\n              endpoint: ${endpoint}\n${extra ? `              ${extra}\n` : ''}`,
        ),
      );
    // Act
    const scheme = s3Errors({ endpoint: 'https://minio.example.com:9000/' });
    const noKey = s3Errors({ bucket: '{name: b}' });
    const oneCredential = s3Errors({ extra: 'accessKey: {key: accesskey, name: artifacts}' });
    const events = s3Errors({ extra: "events: ['s3:ObjectCreated:Put']" });
    const ca = s3Errors({ extra: 'caCertificate: {key: ca, name: certs}' });
    // Assess
    expect(scheme).toEqual([
      'm.yaml:20:25: spec.triggers[0].template.k8s.source.s3.endpoint: must be a host or host:port without a scheme, e.g. `minio.example.com:9000` (set `insecure: true` for http)',
    ]);
    expect(noKey).toEqual([
      'm.yaml:19:23: spec.triggers[0].template.k8s.source.s3.bucket.key: missing required field `key`',
    ]);
    expect(oneCredential).toEqual([
      "m.yaml:19:15: spec.triggers[0].template.k8s.source.s3: `accessKey` and `secretKey` must be set together (or neither, to use the function's own AWS credentials)",
    ]);
    expect(events).toEqual([
      'm.yaml:21:15: spec.triggers[0].template.k8s.source.s3.events: `events` is read only by the minio event source, never for a trigger source; remove it',
    ]);
    expect(ca[0]).toContain(
      'source.s3.caCertificate: `caCertificate` is not used by Argo Events to read a trigger source',
    );
  });

  it('accepts every argoWorkflow operation and refuses others', () => {
    // Prepare
    const template = (op: string) =>
      sensor(`    - template:
        name: t
        argoWorkflow:
          operation: ${op}
          source: {resource: {kind: Workflow, metadata: {name: w}}}
`);
    // Act + Assess
    for (const op of [
      'submit',
      'submit-from',
      'resubmit',
      'retry',
      'resume',
      'suspend',
      'terminate',
      'stop',
    ]) {
      expect(errorsOf(template(op)), op).toEqual([]);
    }
    expect(errorsOf(template('delete'))).toEqual([
      'm.yaml:17:22: spec.triggers[0].template.argoWorkflow.operation: must be one of submit, submit-from, resubmit, retry, resume, suspend, terminate, stop',
    ]);
  });

  it('refuses conditions naming an unknown dependency, resolving - as _', () => {
    // Prepare
    const template = (conditions: string) =>
      sensor(`    - template:
        name: t
        conditions: "${conditions}"
        log: {}
`);
    // Act + Assess
    expect(errorsOf(template('dep_a && (dep-b || dep-a)'))).toEqual([]);
    expect(errorsOf(template('dep-a || dep-c'))).toEqual([
      'm.yaml:16:21: spec.triggers[0].template.conditions: names unknown dependency `dep-c` (dependencies: `dep-a`, `dep_b`)',
    ]);
    expect(errorsOf(template('dep-a &&'))).toEqual([
      'm.yaml:16:21: spec.triggers[0].template.conditions: cannot parse `dep-a &&`: expected a dependency name or `(` at the end',
    ]);
  });

  it('refuses a json data filter type and other unknown types', () => {
    // Prepare
    const filters = (type: string) => `      filters:
        data:
          - path: body
            type: ${type}
            value: ["x"]
`;
    // Act + Assess
    expect(errorsOf(sensor(logTrigger, filters('json')))).toEqual([
      'm.yaml:13:19: spec.dependencies[0].filters.data[0].type: `json` is not a data filter type (upstream accepts it, then fails every event); use string, number or bool',
    ]);
    expect(errorsOf(sensor(logTrigger, filters('int')))).toEqual([
      'm.yaml:13:19: spec.dependencies[0].filters.data[0].type: must be one of string, number, bool',
    ]);
  });

  it('refuses a string filter value that RE2 cannot compile, at the list item', () => {
    // Prepare
    const filters = `      filters:
        data:
          - path: body.ref
            type: string
            value:
              - main
              - "refs/(heads"
`;
    // Act
    const errors = errorsOf(sensor(logTrigger, filters));
    // Assess
    expect(errors).toEqual([
      'm.yaml:16:17: spec.dependencies[0].filters.data[0].value[1]: invalid regular expression: error parsing regexp: missing closing ): `refs/(heads`',
    ]);
  });

  it('refuses an unknown comparator, a bad number and a bad boolean', () => {
    // Prepare
    const filters = `      filters:
        data:
          - path: a
            type: number
            comparator: "=>"
            value: ["1"]
          - path: b
            type: number
            value: ["one"]
          - path: c
            type: bool
            value: ["yes"]
`;
    // Act
    const errors = errorsOf(sensor(logTrigger, filters));
    // Assess
    expect(errors).toEqual([
      'm.yaml:14:25: spec.dependencies[0].filters.data[0].comparator: must be one of >=, >, =, !=, <, <=',
      'm.yaml:18:21: spec.dependencies[0].filters.data[1].value[0]: `one` is not a number',
      'm.yaml:21:21: spec.dependencies[0].filters.data[2].value[0]: `yes` is not a boolean (use true or false)',
    ]);
  });

  it('refuses a time filter whose start equals its stop or is not HH:MM:SS', () => {
    // Prepare
    const filters = (start: string, stop: string) => `      filters:
        time:
          start: "${start}"
          stop: "${stop}"
`;
    // Act + Assess
    expect(errorsOf(sensor(logTrigger, filters('09:00:00', '17:00:00')))).toEqual([]);
    expect(errorsOf(sensor(logTrigger, filters('09:00:00', '09:00:00')))).toEqual([
      'm.yaml:13:17: spec.dependencies[0].filters.time.stop: must differ from `start`',
    ]);
    expect(errorsOf(sensor(logTrigger, filters('09:09:0', '10:00:00')))).toEqual([
      'm.yaml:12:18: spec.dependencies[0].filters.time.start: `09:09:0` is not a time of day in the form HH:MM:SS',
    ]);
  });

  it('accepts lower-case logical operators only', () => {
    // Prepare
    const filters = (op: string) => `      filtersLogicalOperator: ${op}
`;
    // Act + Assess
    expect(errorsOf(sensor(logTrigger, filters('or')))).toEqual([]);
    expect(errorsOf(sensor(logTrigger, filters('OR')))).toEqual([
      'm.yaml:10:31: spec.dependencies[0].filtersLogicalOperator: must be one of and, or',
    ]);
  });

  it('refuses env and expandenv in data and context templates', () => {
    // Prepare
    const text = sensor(`    - template:
        name: t
        http:
          url: http://example.com
          payload:
            - src:
                dependencyName: dep-a
                dataTemplate: '{{ env "AWS_SECRET_ACCESS_KEY" }}'
              dest: leak
`);
    // Act
    const errors = errorsOf(text);
    // Assess
    expect(errors).toEqual([
      "m.yaml:21:31: spec.triggers[0].template.http.payload[0].src.dataTemplate: templates may not call `env`: Outrigger refuses `env` and `expandenv` so a manifest cannot read the function's environment",
    ]);
  });

  it('refuses expandenv in a context template and env in a data filter template', () => {
    // Prepare
    const filters = `      filters:
        data:
          - path: body.ref
            type: string
            value: [main]
            template: '{{ .Input | expandenv }}'
`;
    const text = sensor(
      `    - template:
        name: t
        k8s:
          source: {resource: {kind: ConfigMap}}
          parameters:
            - src: {dependencyName: dep-a, contextTemplate: '{{ env "HOME" }}'}
              dest: data.home
`,
      filters,
    );
    // Act
    const errors = errorsOf(text);
    // Assess
    expect(errors.map((error) => error.replace(/: Outrigger refuses.*/, ''))).toEqual([
      'm.yaml:15:23: spec.dependencies[0].filters.data[0].template: templates may not call `expandenv`',
      'm.yaml:25:61: spec.triggers[0].template.k8s.parameters[0].src.contextTemplate: templates may not call `env`',
    ]);
  });

  it('warns once about cluster-only sensor fields', () => {
    // Prepare
    const text = sensor(logTrigger).replace(
      'spec:\n',
      'spec:\n  replicas: 2\n  template:\n    serviceAccountName: sa\n',
    );
    // Act
    const set = loadManifestText(text, 'm.yaml');
    // Assess
    expect(set.warnings.map(formatIssue)).toEqual([
      'm.yaml:6:3: spec.replicas: not used outside the cluster',
      'm.yaml:7:3: spec.template: not used outside the cluster',
    ]);
  });

  it('refuses duplicate trigger and dependency names', () => {
    // Prepare
    const text = sensor(`${logTrigger}${logTrigger}`).replace('name: dep_b', 'name: dep-a');
    // Act
    const errors = errorsOf(text);
    // Assess
    expect(errors).toEqual([
      'm.yaml:18:15: spec.triggers[1].template.name: duplicate trigger name `t`',
      'm.yaml:10:13: spec.dependencies[1].name: duplicate dependency name `dep-a`',
    ]);
  });

  it('refuses calendar schedules that are not cron and intervals that are not durations', () => {
    // Prepare
    const text = `apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata:
  name: cal
spec:
  calendar:
    a:
      schedule: "every hour"
    b:
      interval: 10
    c:
      interval: 10x
    d: {}
`;
    // Act
    const errors = errorsOf(text);
    // Assess
    expect(errors).toEqual([
      'm.yaml:8:17: spec.calendar.a.schedule: invalid cron `every hour`: expected 5 fields (minute hour day-of-month month day-of-week), found 2',
      'm.yaml:10:17: spec.calendar.b.interval: must be a string, not a number (quote it: "10")',
      'm.yaml:12:17: spec.calendar.c.interval: `10x` is not a Go duration (write e.g. `30s`, `5m`, `1h30m`)',
      'm.yaml:13:8: spec.calendar.d: needs `schedule` or `interval`',
    ]);
  });

  it('refuses an unsupported event source type by name', () => {
    // Prepare
    const text = `apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata:
  name: k
spec:
  kafka:
    example: {url: kafka:9092}
`;
    // Act + Assess
    expect(errorsOf(text)).toEqual([
      'm.yaml:6:3: spec.kafka: event source type `kafka` is not supported by Outrigger; supported: webhook, github, gitlab, bitbucket, bitbucketserver, calendar, sqs, sns, slack, stripe, eventbridge',
    ]);
  });

  it('accepts the webhook hmac extension and refuses an unknown algorithm', () => {
    // Prepare
    const text = (algorithm: string) => `apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata:
  name: w
spec:
  webhook:
    push:
      port: "12000"
      endpoint: /push
      method: POST
      hmac:
        secret: {name: gh, key: secret}
        algorithm: ${algorithm}
`;
    // Act
    const set = loadManifestText(text('sha256'), 'm.yaml');
    // Assess
    expect(set.eventSources[0]?.spec.webhook?.push?.hmac).toEqual({
      secret: { name: 'gh', key: 'secret' },
      algorithm: 'sha256',
    });
    expect(errorsOf(text('md5'))).toEqual([
      'm.yaml:13:20: spec.webhook.push.hmac.algorithm: must be one of sha1, sha256, sha512',
    ]);
  });

  it('refuses event names repeated across source types', () => {
    // Prepare
    const text = `apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata:
  name: w
spec:
  webhook:
    push: {port: "1", endpoint: /a, method: POST}
  calendar:
    push: {interval: 1m}
`;
    // Act + Assess
    expect(errorsOf(text)).toEqual([
      'm.yaml:9:5: spec.calendar.push: duplicate event name `push` (also under `webhook`)',
    ]);
  });

  it.each(['jetstream', 'nats', 'kafka'])(
    'refuses the in-cluster %s bus and says what to write instead',
    (type) => {
      // Prepare
      const text = `apiVersion: argoproj.io/v1alpha1
kind: EventBus
metadata:
  name: default
spec:
  ${type}: {}
`;
      // Act + Assess
      expect(errorsOf(text)).toEqual([
        `m.yaml:6:3: spec.${type}: the in-cluster \`${type}\` bus cannot run outside the cluster; write \`jetstreamExotic: {url: wss://…, accessSecret: {name: …, key: …}}\` to use an existing JetStream, or the Outrigger \`sqs: {}\` bus`,
      ]);
    },
  );

  it('loads jetstreamExotic with a websocket URL and refuses a nats:// URL', () => {
    // Prepare
    const text = (url: string) => `apiVersion: argoproj.io/v1alpha1
kind: EventBus
metadata:
  name: default
spec:
  jetstreamExotic:
    url: ${url}
    accessSecret: {name: js, key: token}
`;
    // Act
    const set = loadManifestText(text('wss://js.example.com:443'), 'm.yaml');
    // Assess
    expect(set.eventBuses[0]?.spec.jetstreamExotic?.url).toBe('wss://js.example.com:443');
    expect(errorsOf(text('nats://js:4222'))[0]).toMatch(
      /^m\.yaml:7:10: spec\.jetstreamExotic\.url: `nats:\/\/js:4222` is not a websocket URL/,
    );
  });

  it('reports malformed YAML with its position', () => {
    // Act
    const errors = errorsOf('apiVersion: argoproj.io/v1alpha1\nkind: [Sensor\n');
    // Assess
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^m\.yaml:\d+:\d+: invalid YAML: /);
  });

  it('reports a duplicate key as a YAML error', () => {
    // Act
    const errors = errorsOf('apiVersion: a\napiVersion: b\n');
    // Assess
    expect(errors).toEqual(['m.yaml:2:1: invalid YAML: Map keys must be unique']);
  });

  it('refuses two manifests of the same kind and name', () => {
    // Prepare
    const one = sensor(logTrigger);
    // Act
    const errors = errorsOf(`${one}---\n${one}`);
    // Assess
    expect(errors).toEqual([
      'm.yaml:21:9: metadata.name: duplicate Sensor name `s` (first defined at m.yaml:4)',
    ]);
  });

  it('skips documents of other APIs with a warning', () => {
    // Act
    const set = loadManifestText('apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n---\n', 'm.yaml');
    // Assess
    expect(set.sensors).toEqual([]);
    expect(set.warnings.map(formatIssue)).toEqual([
      'm.yaml:1:1: v1 Service `svc`: not an Argo Events manifest; ignored',
    ]);
  });
});

describe('loadManifests', () => {
  it('loads .yaml and .yml files of a folder recursively, skipping other files and other APIs', async () => {
    // Act
    const set = await loadManifests([join(fixtures, 'pipeline')]);
    // Assess
    expect(set.eventSources.map((m) => m.metadata.name)).toEqual(['hooks']);
    expect(set.sensors.map((m) => m.metadata.name)).toEqual(['builds']);
    expect(set.eventBuses.map((m) => m.spec)).toEqual([{ sqs: { region: 'eu-west-1', fifo: false } }]);
    expect(set.warnings.map((w) => w.message)).toEqual([
      'not used outside the cluster',
      'v1 ServiceAccount `sa`: not an Argo Events manifest; ignored',
    ]);
  });

  it('collects the errors of every file into one ManifestError', async () => {
    // Act
    const error = await loadManifests([join(article, 'eventbus.yaml'), join(fixtures, 'missing.yaml')]).catch(
      (err) => err,
    );
    // Assess
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).issues.map((issue) => issue.file)).toEqual([
      join(article, 'eventbus.yaml'),
      join(fixtures, 'missing.yaml'),
    ]);
  });

  it('loads the article pipeline, skipping its RBAC with warnings', async () => {
    // Act
    const set = await loadManifests(
      ['github-eventsource.yaml', 'github-build-sensor.yaml', 'github-workflow-sensor.yaml', 'rbac.yaml'].map(
        (file) => join(article, file),
      ),
    );
    // Assess
    expect(set.eventSources.map((m) => m.metadata.name)).toEqual(['github-webhook']);
    expect(set.sensors.map((m) => m.metadata.name)).toEqual([
      'github-build-sensor',
      'github-workflow-sensor',
    ]);
    expect(set.warnings.map((w) => `${w.path}: ${w.message}`)).toEqual([
      'spec.service: not used outside the cluster',
      ': v1 ServiceAccount `argo-events-sa`: not an Argo Events manifest; ignored',
      ': rbac.authorization.k8s.io/v1 Role `argo-events-role`: not an Argo Events manifest; ignored',
      ': rbac.authorization.k8s.io/v1 RoleBinding `argo-events-role-binding`: not an Argo Events manifest; ignored',
    ]);
  });

  it("refuses the article's in-cluster EventBus, pointing to jetstreamExotic and sqs", async () => {
    // Act
    const error = await loadManifests([join(article, 'eventbus.yaml')]).catch((err) => err);
    // Assess
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).issues.map(formatIssue)).toEqual([
      `${join(article, 'eventbus.yaml')}:10:3: spec.jetstream: the in-cluster \`jetstream\` bus cannot run outside the cluster; write \`jetstreamExotic: {url: wss://…, accessSecret: {name: …, key: …}}\` to use an existing JetStream, or the Outrigger \`sqs: {}\` bus`,
    ]);
  });
});
