/**
 * `npm run test:faults`: the full fault run on loopback, 10,000 deliveries per bus (about 7 minutes on two
 * cores; bounded by --send-seconds and --drain-seconds per bus). JetStream with two nats-server outages,
 * then SQS (fauxqs restarted) with two runners consuming the sensor's queue. Prints the figures and exits 1
 * when a delivery answered 2xx was lost, a Job was created twice, or a delivery was never answered 2xx.
 *
 * Usage: tsx test/faults/run.ts [--jetstream N] [--sqs N] [--only jetstream|sqs] [--send-seconds S]
 *   [--drain-seconds S] [--json FILE]
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { findNatsServer } from '../support/nats-server.ts';
import type { FaultReport } from './harness.ts';
import { formatReport, runFaults } from './harness.ts';

const { values } = parseArgs({
  options: {
    // Issue 10's count. On two cores the sensors create about 40 Jobs/s on JetStream and 55/s on SQS with
    // two runners under the injected faults (docs/reliability.md): about 4 and 3 minutes.
    jetstream: { type: 'string', default: '10000' },
    sqs: { type: 'string', default: '10000' },
    only: { type: 'string' },
    // How long the sender may send, and how long the sensors then get to create the last Jobs, per bus.
    'send-seconds': { type: 'string' },
    'drain-seconds': { type: 'string' },
    json: { type: 'string' },
  },
});
const seconds = (value: string | undefined, fallback: number) => (value ? Number(value) * 1000 : fallback);
const log = (line: string) => process.stdout.write(`  ${line}\n`);
const reports: FaultReport[] = [];

if (values.only !== 'sqs') {
  if (!findNatsServer()) {
    process.stdout.write('nats-server not found: skipping the JetStream run\n');
  } else {
    process.stdout.write(
      `JetStream: ${values.jetstream} deliveries, nats-server killed and restarted twice\n`,
    );
    reports.push(
      await runFaults({
        bus: 'jetstream',
        deliveries: Number(values.jetstream),
        restarts: 2,
        hangs: 3,
        concurrency: 32,
        sendBudgetMs: seconds(values['send-seconds'], 300_000),
        deadlineMs: seconds(values['drain-seconds'], 600_000),
        log,
      }),
    );
    process.stdout.write(`${formatReport(reports.at(-1)!)}\n`);
  }
}
if (values.only !== 'jetstream') {
  process.stdout.write(`SQS: ${values.sqs} deliveries, two runners, fauxqs restarted\n`);
  reports.push(
    await runFaults({
      bus: 'sqs',
      deliveries: Number(values.sqs),
      restarts: 1,
      hangs: 3,
      runners: 2,
      concurrency: 32,
      sendBudgetMs: seconds(values['send-seconds'], 300_000),
      deadlineMs: seconds(values['drain-seconds'], 600_000),
      log,
    }),
  );
  process.stdout.write(`${formatReport(reports.at(-1)!)}\n`);
}

for (const r of reports) {
  const rate = (r.deliveries / (r.durationMs / 1000)).toFixed(0);
  const requested = Number(r.bus === 'jetstream' ? values.jetstream : values.sqs);
  // The send budget bounds the run: what it left unsent is reported, not silently dropped.
  const cut = r.deliveries < requested ? ` (of ${requested} requested: the send budget ran out)` : '';
  process.stdout.write(
    `${r.bus}: ${r.deliveries} deliveries${cut}, ${r.answered2xx} answered 2xx, ${r.retries} redeliveries, ${r.jobs} Jobs, ${(r.durationMs / 1000).toFixed(1)} s (${rate}/s); lost ${r.lost.length}, duplicated ${r.duplicated.length}\n`,
  );
}
if (values.json) await writeFile(values.json, `${JSON.stringify(reports, null, 2)}\n`);
const failed = reports.some(
  (r) => r.lost.length > 0 || r.duplicated.length > 0 || r.strays.length > 0 || r.answered2xx < r.deliveries,
);
process.exit(failed ? 1 : 0);
