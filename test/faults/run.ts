/**
 * `npm run test:faults`: the full fault run, bounded to about four minutes on loopback. JetStream with two
 * nats-server outages, then SQS (fauxqs restarted) with two runners consuming the sensor's queue. Prints
 * the figures and exits 1 when a delivery answered 2xx was lost or a Job was created twice.
 *
 * Usage: tsx test/faults/run.ts [--jetstream N] [--sqs N] [--only jetstream|sqs] [--json FILE]
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { findNatsServer } from '../support/nats-server.ts';
import type { FaultReport } from './harness.ts';
import { formatReport, runFaults } from './harness.ts';

const { values } = parseArgs({
  options: {
    // What the sensor consumers drain within the four-minute bound on a 2-core machine (see
    // docs/reliability.md): about 7 Jobs/s on JetStream (KV state round trips), 10/s on SQS with two runners.
    jetstream: { type: 'string', default: '700' },
    sqs: { type: 'string', default: '900' },
    only: { type: 'string' },
    json: { type: 'string' },
  },
});
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
        sendBudgetMs: 60_000,
        deadlineMs: 60_000,
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
      sendBudgetMs: 50_000,
      deadlineMs: 50_000,
      log,
    }),
  );
  process.stdout.write(`${formatReport(reports.at(-1)!)}\n`);
}

for (const r of reports) {
  const rate = (r.deliveries / (r.durationMs / 1000)).toFixed(0);
  process.stdout.write(
    `${r.bus}: ${r.deliveries} deliveries, ${r.answered2xx} answered 2xx, ${r.retries} redeliveries, ${r.jobs} Jobs, ${(r.durationMs / 1000).toFixed(1)} s (${rate}/s); lost ${r.lost.length}, duplicated ${r.duplicated.length}\n`,
  );
}
if (values.json) await writeFile(values.json, `${JSON.stringify(reports, null, 2)}\n`);
const failed = reports.some(
  (r) => r.lost.length > 0 || r.duplicated.length > 0 || r.strays.length > 0 || r.answered2xx < r.deliveries,
);
process.exit(failed ? 1 : 0);
