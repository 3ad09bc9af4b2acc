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
