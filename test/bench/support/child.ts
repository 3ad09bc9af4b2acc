/** Starts a target server (support/target-server.ts) in a child process and talks to it over IPC. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join, relative } from 'node:path';
import { bundled, packageRoot } from '../../../bin/bundle.js';
import { repoRoot, SECRET_ENV } from './fixtures.ts';

export interface Target {
  readonly url: string;
  readonly pid: number;
  /** Peak resident set size of the child so far, bytes. */
  peakRss(): Promise<number>;
  stop(): Promise<void>;
}

function reply<T>(child: ChildProcess, key: string, timeoutMs: number, stderr: () => string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`target did not answer ${key} in ${timeoutMs} ms: ${stderr()}`)),
      timeoutMs,
    );
    const onMessage = (message: Record<string, unknown>) => {
      if (key in message) done(undefined, message[key] as T);
    };
    const onExit = (code: number | null) => done(new Error(`target exited (${code}): ${stderr()}`));
    function done(err: Error | undefined, value?: T) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(value as T);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/**
 * target-server.ts bundled as bin/outrigger.js bundles the CLI, so the local runner measured is the code
 * `npm start` runs (the floors are bundled alike).
 */
function targetScript(): Promise<string> {
  script ??= bundled(relative(packageRoot, join(import.meta.dirname, 'target-server.ts')), 'bench-target');
  return script;
}
let script: Promise<string> | undefined;

/** Spawns `target-server.ts <args>` (bundled) with `nodeArgs` and waits until it listens. */
export async function startTarget(
  args: string[],
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<Target> {
  const child = spawn(process.execPath, [...nodeArgs, await targetScript(), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...SECRET_ENV, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  try {
    const url = await reply<string>(child, 'url', 30_000, () => stderr);
    return {
      url,
      pid: child.pid ?? -1,
      peakRss: () => {
        const answer = reply<number>(child, 'rss', 5_000, () => stderr);
        child.send({ cmd: 'rss' });
        return answer;
      },
      stop: async () => {
        if (child.exitCode !== null) return;
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.send({ cmd: 'stop' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await gone;
        clearTimeout(timer);
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}
