import { describe, expect, it } from 'vitest';
import { ManifestError } from '../../lib/errors.ts';
import { loadManifestText } from '../../lib/manifests/index.ts';

const sensor = (filters: string, parameter: string) => `apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata:
  name: s
spec:
  dependencies:
    - name: d
      eventSourceName: es
      eventName: e
      filters:
${filters}
  triggers:
    - template:
        name: t
        log: {}
      parameters:
        - src:
            dependencyName: d
${parameter}
          dest: log.x
`;

function issuesOf(text: string) {
  try {
    loadManifestText(text, 'sensor.yaml');
  } catch (err) {
    if (err instanceof ManifestError) return err.issues;
    throw err;
  }
  return [];
}

describe('expressions and templates are checked when manifests load, not when the first event arrives', () => {
  it('refuses an exprs filter that does not parse, at its line', () => {
    const issues = issuesOf(
      sensor(
        '        exprs:\n          - expr: a == (1\n            fields:\n              - name: a\n                path: body.a',
        '            dataKey: body',
      ),
    );

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 12, path: 'spec.dependencies[0].filters.exprs[0].expr' });
    expect(issues[0]!.message).toMatch(/^invalid expression: /);
  });

  it('refuses a dataTemplate that does not parse', () => {
    const issues = issuesOf(
      sensor('        context:\n          type: webhook', '            dataTemplate: "{{ .Input.body"'),
    );

    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('spec.triggers[0].parameters[0].src.dataTemplate');
    expect(issues[0]!.message).toMatch(/^invalid Go template: template: /);
  });

  it('accepts the expressions and templates the article uses', () => {
    const issues = issuesOf(
      sensor(
        '        exprs:\n          - expr: a == "x" && b > 2\n            fields:\n              - name: a\n                path: body.a\n              - name: b\n                path: body.b',
        '            dataTemplate: \'refs/heads/{{ .Input.body.ref | replace "refs/heads/" "" }}\'',
      ),
    );

    expect(issues).toEqual([]);
  });
});

describe('a misspelled kind or apiVersion is refused rather than skipped', () => {
  it('refuses `kind: Sensors` in the argoproj.io group with the kind it probably meant', () => {
    const issues = issuesOf(
      'apiVersion: argoproj.io/v1alpha1\nkind: Sensors\nmetadata:\n  name: s\nspec: {}\n',
    );

    expect(issues).toEqual([
      expect.objectContaining({
        line: 2,
        path: 'kind',
        message: expect.stringContaining('did you mean `Sensor`?'),
      }),
    ]);
  });

  it('refuses a Sensor whose apiVersion is not argoproj.io', () => {
    const issues = issuesOf('apiVersion: v1\nkind: Sensor\nmetadata:\n  name: s\nspec: {}\n');

    expect(issues).toEqual([
      expect.objectContaining({
        line: 1,
        path: 'apiVersion',
        message: 'must be argoproj.io/v1alpha1 for a Sensor',
      }),
    ]);
  });

  it('still skips Argo Workflows kinds and plain Kubernetes objects with a warning', () => {
    const set = loadManifestText(
      'apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata:\n  name: w\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n',
      'mixed.yaml',
    );

    expect(set.warnings.map((w) => w.message)).toEqual([
      expect.stringContaining('not an Argo Events manifest; ignored'),
      expect.stringContaining('not an Argo Events manifest; ignored'),
    ]);
  });
});
