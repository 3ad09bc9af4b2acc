/**
 * The `outrigger` command. Exit codes: 0 ok, 1 findings or failures, 2 usage or invalid input.
 *
 * @example
 *   outrigger dev manifests/            # run the pipeline locally
 */
import { Command, CommanderError } from 'commander';
import { formatIssue, ManifestError } from '../errors.ts';
import { errorMessage } from '../observability/log.ts';

/** Builds the command tree; `argv` handling stays in `main` so tests can drive the program. */
export function buildProgram(): Command {
  const program = new Command('outrigger')
    .description('Argo Events manifests, run cluster-external: locally or on AWS Lambda')
    .exitOverride()
    .showHelpAfterError();

  program
    .command('dev')
    .description('run event sources, the bus and sensors in one process')
    .argument('[paths...]', 'manifest files or folders', ['manifests/'])
    .option('--kubeconfig <file>', 'kubeconfig of the cluster for Kubernetes triggers (default: $KUBECONFIG)')
    .option('--bus <kind>', 'bus to use: memory (default when no EventBus manifest), jetstream or sqs')
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .action(async (paths: string[], opts: { kubeconfig?: string; bus?: string; host: string }) => {
      if (opts.bus !== undefined && !['memory', 'jetstream', 'sqs'].includes(opts.bus)) {
        throw new CommanderError(
          2,
          'outrigger.usage',
          `--bus must be memory, jetstream or sqs (got "${opts.bus}")`,
        );
      }
      const { startLocal } = await import('../local/runner.ts');
      const runner = await startLocal({
        paths,
        kubeconfig: opts.kubeconfig,
        bus: opts.bus as 'memory' | 'jetstream' | 'sqs' | undefined,
        host: opts.host,
      });
      const stop = () => {
        runner.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      if (err.code === 'outrigger.usage') process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ManifestError) {
      for (const issue of err.issues) process.stderr.write(`${formatIssue(issue)}\n`);
      process.stderr.write(`${err.issues.length} error(s); nothing started\n`);
      return 2;
    }
    process.stderr.write(`error: ${errorMessage(err)}\n`);
    return 1;
  }
}
