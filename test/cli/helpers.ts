/** Runs the CLI in-process with captured streams. */
import { resolve } from 'node:path';
import { main } from '../../lib/cli/main.ts';
import { sharedPath } from '../support/shared.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export const repoRoot = resolve(import.meta.dirname, '../..');
export const fixtures = resolve(repoRoot, 'test/fixtures/cli');
export const article = sharedPath('article');
export const compatCorpus = sharedPath('compat/argo-events');

/** `outrigger …argv` with stdout and stderr captured; `cwd` defaults to the repository. */
export async function run(argv: string[], cwd = repoRoot): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd,
  });
  return { code, stdout, stderr };
}
