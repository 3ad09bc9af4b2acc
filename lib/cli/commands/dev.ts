/** `outrigger dev`: the local runner (event sources, bus and sensors in one process). */
import type { Command } from 'commander';
import type { CliContext } from '../io.ts';
import { usageError } from '../io.ts';

/** Adds `dev` to the program. */
export function registerDev(program: Command, _ctx: CliContext): void {
  program
    .command('dev')
    .description('run event sources, the bus and sensors in one process')
    .argument('[paths...]', 'manifest files or folders', ['manifests/'])
    .option('--kubeconfig <file>', 'kubeconfig of the cluster for Kubernetes triggers (default: $KUBECONFIG)')
    .option('--bus <kind>', 'bus to use: memory (default when no EventBus manifest), jetstream or sqs')
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .action(async (paths: string[], opts: { kubeconfig?: string; bus?: string; host: string }) => {
      if (opts.bus !== undefined && !['memory', 'jetstream', 'sqs'].includes(opts.bus)) {
        throw usageError(`--bus must be memory, jetstream or sqs (got "${opts.bus}")`);
      }
      const { startLocal } = await import('../../local/runner.ts');
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
}
