/**
 * The manifest half of the bad-input corpus (test/fixtures/bad/manifests.yaml): every document is refused
 * with ManifestInvalid and an issue at the expected path with the expected message, never a crash.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, ManifestError } from '../../lib/errors.ts';
import { loadManifestText } from '../../lib/manifests/index.ts';
import { manifestCases } from './manifest-corpus.ts';

const cases = manifestCases();

function refusal(text: string): unknown {
  try {
    loadManifestText(text, 'bad.yaml');
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('the manifest bad-input corpus', () => {
  it('holds at least 100 distinct documents', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.name, c] as const))('refuses %s', (_name, c) => {
    // Act
    const err = refusal(c.text);

    // Assess
    expect(err).toBeInstanceOf(ManifestError);
    const error = err as ManifestError;
    expect(error.code).toBe(ErrorCode.ManifestInvalid);
    expect(error.statusCode).toBe(400);
    const matching = error.issues.filter(
      (issue) =>
        issue.severity === 'error' &&
        new RegExp(c.expect.path ?? '', 'u').test(issue.path) &&
        new RegExp(c.expect.message, 'u').test(issue.message),
    );
    expect(matching, error.issues.map((i) => `${i.path}: ${i.message}`).join('\n')).not.toHaveLength(0);
    for (const issue of error.issues) {
      expect(issue).toMatchObject({ file: 'bad.yaml', line: expect.any(Number), column: expect.any(Number) });
      expect(issue.line).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('the manifest corpus bases', () => {
  it('load without an error, so each case fails for its own patch only', () => {
    // Prepare: a case whose patch changes nothing keeps a base as it is
    const bases = ['Sensor', 'EventSource', 'CalendarSource', 'EventBus'];

    // Act / Assess
    for (const text of manifestCases.bases()) expect(refusal(text)).toBeUndefined();
    expect(manifestCases.bases()).toHaveLength(bases.length);
  });
});
