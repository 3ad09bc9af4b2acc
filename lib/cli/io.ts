/**
 * What every command writes to and how it ends: the output streams (injected so tests capture them) and
 * the exit codes of issue 8 (0 ok, 1 findings or failures, 2 usage or invalid input).
 */
import { CommanderError } from 'commander';

/** Exit codes shared by every command. */
export const ExitCode = { ok: 0, findings: 1, usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The subset of a Node stream the CLI writes to. */
export interface Output {
  write(text: string): unknown;
  /** True on a terminal: progress bars and colours only then. */
  isTTY?: boolean;
}

/** Streams and working directory of one CLI run. */
export interface CliIo {
  stdout: Output;
  stderr: Output;
  /** Directory relative paths and `.outrigger/` resolve against (default `process.cwd()`). */
  cwd: string;
}

/** One run's state: where to write, and the exit code the actions decided. */
export interface CliContext {
  readonly io: CliIo;
  exitCode: number;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() };
}

/** A fresh context over `io`. */
export function createContext(io: CliIo = processIo()): CliContext {
  return { io, exitCode: ExitCode.ok };
}

/** A usage error or invalid input (exit 2); the message is printed as `error: …`. */
export function usageError(message: string): CommanderError {
  return new CommanderError(ExitCode.usage, 'outrigger.usage', message);
}

/** Writes one line to stdout. */
export function println(ctx: CliContext, line = ''): void {
  ctx.io.stdout.write(`${line}\n`);
}

/** Writes one line to stderr. */
export function eprintln(ctx: CliContext, line = ''): void {
  ctx.io.stderr.write(`${line}\n`);
}

/** Raises the run's exit code (a later finding never lowers an earlier failure). */
export function raiseExit(ctx: CliContext, code: number): void {
  if (code > ctx.exitCode) ctx.exitCode = code;
}
