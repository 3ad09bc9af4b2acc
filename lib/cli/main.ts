/**
 * The `outrigger` command. Exit codes: 0 ok, 1 findings or failures, 2 usage or invalid input.
 *
 * @example
 *   outrigger dev manifests/                           # run the pipeline locally
 *   outrigger validate manifests/ --json               # load errors and footgun lints
 *   outrigger test sensor.yaml --event push.json       # what would this event do?
 */
import { Command, CommanderError } from 'commander';
import { formatIssue, ManifestError } from '../errors.ts';
import { errorMessage } from '../observability/log.ts';
import { registerDev } from './commands/dev.ts';
import { registerGraph } from './commands/graph.ts';
import { registerReplay } from './commands/replay.ts';
import { registerSend } from './commands/send.ts';
import { registerTest } from './commands/test.ts';
import { registerValidate } from './commands/validate.ts';
import type { CliContext, CliIo } from './io.ts';
import { createContext, ExitCode } from './io.ts';

/** Builds the command tree; `argv` handling stays in `main` so tests can drive the program. */
export function buildProgram(ctx: CliContext = createContext()): Command {
  const program = new Command('outrigger')
    .description('Argo Events manifests, run cluster-external: locally or on AWS Lambda')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.stdout.write(text),
      writeErr: (text) => ctx.io.stderr.write(text),
    })
    .showHelpAfterError();
  registerDev(program, ctx);
  registerValidate(program, ctx);
  registerTest(program, ctx);
  registerSend(program, ctx);
  registerGraph(program, ctx);
  registerReplay(program, ctx);
  return program;
}

/** Runs the CLI; resolves to the process exit code. `io` defaults to the process's streams. */
export async function main(argv: string[], io?: CliIo): Promise<number> {
  const ctx = createContext(io);
  const program = buildProgram(ctx);
  const stderr = ctx.io.stderr;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
      // A bare `outrigger` prints help on stderr and is a usage error.
      if (err.code === 'commander.help') return ExitCode.usage;
      if (err.code === 'outrigger.usage') stderr.write(`error: ${err.message}\n`);
      return ExitCode.usage;
    }
    if (err instanceof ManifestError) {
      for (const issue of err.issues) stderr.write(`${formatIssue(issue)}\n`);
      stderr.write(`${err.issues.length} error(s); nothing started\n`);
      return ExitCode.usage;
    }
    stderr.write(`error: ${errorMessage(err)}\n`);
    return ExitCode.findings;
  }
}
