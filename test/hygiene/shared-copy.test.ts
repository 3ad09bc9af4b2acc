import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDir, upstreamSharedDir } from '../support/shared.ts';

/** The folders of `shared/` the tests read, vendored in test/fixtures/shared. */
const VENDORED = ['article', 'compat', 'conformance', 'reference'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('the vendored copy of shared/', () => {
  it('holds the four folders the tests read', () => {
    for (const folder of VENDORED) expect(filesUnder(join(sharedDir, folder)).length).toBeGreaterThan(0);
  });

  // In the workspace the original sits beside the repository; a clone on its own has only the copy.
  it.runIf(existsSync(upstreamSharedDir))('is byte for byte what ../shared holds (refresh: cp -r)', () => {
    for (const folder of VENDORED) {
      const original = join(upstreamSharedDir, folder);
      const copy = join(sharedDir, folder);
      expect(filesUnder(copy), `files of ${folder}/`).toEqual(filesUnder(original));
      for (const file of filesUnder(original)) {
        const same = readFileSync(join(original, file)).equals(readFileSync(join(copy, file)));
        expect(same, `test/fixtures/shared/${folder}/${file} differs from ../shared/${folder}/${file}`).toBe(
          true,
        );
      }
    }
  });
});
