import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ManifestError } from '../../lib/errors.ts';
import { loadManifestText } from '../../lib/manifests/index.ts';
import { sharedPath } from '../support/shared.ts';

const article = sharedPath('article');

/** Loads `text`; the only failure allowed is a ManifestError whose issues all carry a position. */
function loadsOrRefuses(text: string): void {
  try {
    loadManifestText(text, 'p.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    for (const issue of (err as ManifestError).issues) {
      expect(issue.line).toBeGreaterThanOrEqual(1);
      expect(issue.column).toBeGreaterThanOrEqual(1);
    }
  }
}

const yamlish = fc.stringMatching(/^[a-zA-Z0-9 :\-[\]{}#&*!|>'"%@`,?\n\t.]*$/);

describe('the manifest loader on arbitrary input', () => {
  it('never throws anything but ManifestError on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), loadsOrRefuses), { numRuns: 300 });
  });

  it('never throws anything but ManifestError on YAML-shaped text', () => {
    fc.assert(fc.property(yamlish, loadsOrRefuses), { numRuns: 500 });
  });

  it('never throws anything but ManifestError on arbitrary documents of each kind', () => {
    // Prepare
    const document = fc.record({
      apiVersion: fc.constantFrom('argoproj.io/v1alpha1', 'v1', 'argoproj.io/v1beta1'),
      kind: fc.constantFrom('Sensor', 'EventSource', 'EventBus', 'ConfigMap'),
      metadata: fc.oneof(fc.record({ name: fc.string() }), fc.anything()),
      spec: fc.anything(),
    });
    // Act + Assess
    fc.assert(
      fc.property(document, (doc) => loadsOrRefuses(stringify(doc))),
      { numRuns: 300 },
    );
  });

  it('never throws anything but ManifestError when an article manifest is cut or spliced', () => {
    // Prepare
    const texts = ['github-build-sensor.yaml', 'github-workflow-sensor.yaml', 'github-eventsource.yaml'].map(
      (file) => readFileSync(resolve(article, file), 'utf8'),
    );
    const edit = fc.record({
      text: fc.constantFrom(...texts),
      at: fc.nat(),
      cut: fc.nat({ max: 40 }),
      insert: yamlish,
    });
    // Act + Assess
    fc.assert(
      fc.property(edit, ({ text, at, cut, insert }) => {
        const position = at % (text.length + 1);
        loadsOrRefuses(text.slice(0, position) + insert + text.slice(position + cut));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses exponential and looping aliases instead of exhausting memory or the stack', () => {
    // Prepare
    const head = 'apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nmetadata: {name: s}\nspec:\n';
    const deps = '  dependencies: [{name: a, eventSourceName: b, eventName: c}]\n';
    const bomb = `${head}${deps}  triggers:\n    - template:\n        name: t\n        k8s:\n          source:\n            resource:\n${[
      '              a: &a [x, x, x, x, x, x, x, x, x]',
      ...['b', 'c', 'd', 'e'].map(
        (name, i) => `              ${name}: &${name} [${Array(9).fill(`*${'abcd'[i]}`).join(', ')}]`,
      ),
    ].join('\n')}\n`;
    const loop = `${head}${deps}  triggers:\n    - &t\n      template: {name: t, log: {}}\n      dlqTrigger: *t\n`;
    // Act + Assess
    for (const text of [bomb, loop]) {
      expect(() => loadManifestText(text, 'p.yaml')).toThrow(ManifestError);
    }
  });
});
