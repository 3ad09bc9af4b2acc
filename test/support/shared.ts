/**
 * The workspace's `shared/` material the tests read (conformance vectors, the article pipeline, Argo's
 * example manifests, the semantics reference), vendored in `test/fixtures/shared/` so `npm test` passes in a
 * clone on its own. `test/hygiene/shared-copy.test.ts` checks the copy against `../shared` when it is there.
 */
import { join, resolve } from 'node:path';

/** Repository root. */
const root = resolve(import.meta.dirname, '../..');

/** The vendored copy. */
export const sharedDir = join(root, 'test', 'fixtures', 'shared');

/** The original beside the repository, when the workspace has one. */
export const upstreamSharedDir = resolve(root, '..', 'shared');

/** A path inside the vendored copy, e.g. `sharedPath('conformance/argo-vectors.yaml')`. */
export function sharedPath(relative: string): string {
  return join(sharedDir, relative);
}
