/**
 * The fault run (issue 10): signed GitHub deliveries through local runners while the bus restarts and the
 * apiserver fails, hangs and throttles Job creates; a sender that redelivers every non-2xx with the same
 * delivery id; and a ledger that checks every delivery answered 2xx produced exactly one Job.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LocalRunner } from '../../lib/local/runner.ts';
import { startLocal } from '../../lib/local/runner.ts';
import { createLogger } from '../../lib/observability/log.ts';
import type { ApiServer, FaultHandle, StoredObject } from '../support/apiserver.ts';
import { startApiServer } from '../support/apiserver.ts';
import type { DynaliteServer } from '../support/dynalite.ts';
import { startDynalite } from '../support/dynalite.ts';
import type { Fauxqs } from '../support/fauxqs.ts';
import { startFauxqs } from '../support/fauxqs.ts';
import { pushPayload } from '../support/github-payloads.ts';
import type { NatsServer } from '../support/nats-server.ts';
import { startNatsServer } from '../support/nats-server.ts';

/** Secret values the run uses; the hygiene test looks for them everywhere. */
export const FAULT_SECRETS = {
  webhook: `whsec-${randomUUID()}`,
  natsToken: `nats-${randomUUID().replaceAll('-', '')}`,
} as const;

export interface FaultRunOptions {
  bus: 'jetstream' | 'sqs';
  deliveries: number;
  /** Bus outages during the run (nats-server killed and started, fauxqs restarted). */
  restarts: number;
  /** How long each outage lasts. */
  outageMs?: number;
  /** Fraction of Job creates answered 500 or 429 (half each). */
  failFraction?: number;
  /** Job creates that never get an answer. */
  hangs?: number;
  /** Local runners consuming the same bus (each also takes half the deliveries). */
  runners?: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** Stop starting new deliveries after this long (the rest are not sent and not counted). */
  sendBudgetMs?: number;
  /** Give up redelivering this long after the send budget ends. */
  deadlineMs?: number;
  log?: (line: string) => void;
}

export interface LedgerEntry {
  delivery: string;
  sha: string;
  attempts: number;
  statuses: number[];
  answered2xx: boolean;
}

export interface FaultReport {
  bus: string;
  deliveries: number;
  answered2xx: number;
  retries: number;
  /** Non-2xx answers and connection errors by status (0: no answer). */
  refusals: Record<string, number>;
  jobs: number;
  /** Job creates the apiserver failed or left hanging. */
  injected: { failed: number; hung: number };
  restarts: number;
  durationMs: number;
  /** Deliveries answered 2xx that produced no Job. */
  lost: string[];
  /** COMMIT_SHA values found on more than one Job. */
  duplicated: string[];
  /** Jobs whose COMMIT_SHA matches no delivery. */
  strays: string[];
  /** Jobs created for deliveries never answered 2xx (allowed: the publish succeeded, the answer did not). */
  unanswered: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function manifests(bus: FaultRunOptions['bus'], busUrl: string, region: string): Record<string, string> {
  const eventBus =
    bus === 'jetstream'
      ? `apiVersion: argoproj.io/v1alpha1
kind: EventBus
metadata: {name: default}
spec:
  jetstreamExotic:
    url: ${busUrl}
    accessSecret: {name: fault-nats, key: token}
`
      : `apiVersion: argoproj.io/v1alpha1
kind: EventBus
metadata: {name: default}
spec:
  sqs:
    endpoint: ${busUrl}
    region: ${region}
    queueNamePrefix: fault-${process.pid}-
`;
  return {
    'eventbus.yaml': eventBus,
    'eventsource.yaml': `apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {name: fault-github}
spec:
  webhook:
    push:
      port: "12000"
      endpoint: /push
      method: POST
      hmac:
        secret: {name: fault-webhook, key: hmac}
`,
    'sensor.yaml': `apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: {name: fault-sensor}
spec:
  dependencies:
    - name: push
      eventSourceName: fault-github
      eventName: push
  triggers:
    - template:
        name: build
        k8s:
          operation: create
          source:
            resource:
              apiVersion: batch/v1
              kind: Job
              metadata: {generateName: build-, namespace: ci}
              spec:
                template:
                  spec:
                    containers:
                      - name: build
                        image: runner:v1
                        env:
                          - {name: COMMIT_SHA, value: ""}
                    restartPolicy: Never
          parameters:
            - src: {dependencyName: push, dataKey: body.after}
              dest: spec.template.spec.containers.0.env.0.value
      retryStrategy: {steps: 4, duration: 50ms, factor: 2}
`,
  };
}

function shaOf(job: StoredObject): string | undefined {
  const spec = job.spec as {
    template?: { spec?: { containers?: { env?: { name: string; value: string }[] }[] } };
  };
  return spec.template?.spec?.containers?.[0]?.env?.find((e) => e.name === 'COMMIT_SHA')?.value;
}

/** Checks the ledger against the Jobs the apiserver holds. */
export function audit(ledger: readonly LedgerEntry[], jobs: readonly StoredObject[]) {
  const bySha = new Map<string, number>();
  for (const job of jobs) {
    const sha = shaOf(job) ?? '';
    bySha.set(sha, (bySha.get(sha) ?? 0) + 1);
  }
  const known = new Set(ledger.map((e) => e.sha));
  return {
    lost: ledger.filter((e) => e.answered2xx && !bySha.has(e.sha)).map((e) => e.delivery),
    duplicated: [...bySha].filter(([, n]) => n > 1).map(([sha]) => sha),
    strays: [...bySha.keys()].filter((sha) => !known.has(sha)),
    unanswered: ledger.filter((e) => !e.answered2xx && bySha.has(e.sha)).length,
  };
}

/** Runs the whole fault scenario and returns the figures and the audit; always cleans up. */
export async function runFaults(options: FaultRunOptions): Promise<FaultReport> {
  const log = options.log ?? (() => {});
  const outageMs = options.outageMs ?? 1_500;
  const failFraction = options.failFraction ?? 0.2;
  const runnerCount = options.runners ?? 1;
  const concurrency = options.concurrency ?? 24;
  const sendBudgetMs = options.sendBudgetMs ?? 120_000;
  const sendUntil = Date.now() + sendBudgetMs;
  const deadline = sendUntil + (options.deadlineMs ?? 30_000);
  const workDir = await mkdtemp(path.join(tmpdir(), 'outrigger-faults-'));
  const manifestDir = path.join(workDir, 'manifests');
  await mkdir(manifestDir);

  // On SQS the runners keep sensor state in DynamoDB (dynalite here), shared as in a deployment.
  const dynalite: DynaliteServer | undefined = options.bus === 'sqs' ? await startDynalite() : undefined;
  const env = {
    ...(dynalite ? { AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint } : {}),
    OUTRIGGER_SECRET_FAULT_WEBHOOK_HMAC: FAULT_SECRETS.webhook,
    OUTRIGGER_SECRET_FAULT_NATS_TOKEN: FAULT_SECRETS.natsToken,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test-secret',
  };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);

  let apiserver: ApiServer | undefined;
  let nats: NatsServer | undefined;
  let fauxqs: Fauxqs | undefined;
  const runners: LocalRunner[] = [];
  const faults: FaultHandle[] = [];
  const started = Date.now();
  try {
    apiserver = await startApiServer();
    let restartBus: () => Promise<void>;
    if (options.bus === 'jetstream') {
      const server = await startNatsServer({ token: FAULT_SECRETS.natsToken });
      nats = server;
      restartBus = async () => {
        await server.kill();
        await sleep(outageMs);
        await server.start();
      };
    } else {
      const server = await startFauxqs();
      fauxqs = server;
      restartBus = async () => {
        await server.kill();
        await sleep(outageMs);
        await server.start();
      };
    }
    const busUrl = nats?.url ?? fauxqs?.endpoint ?? '';
    for (const [file, text] of Object.entries(
      manifests(options.bus, busUrl, fauxqs?.region ?? 'us-east-1'),
    )) {
      await writeFile(path.join(manifestDir, file), text);
    }
    for (let i = 0; i < runnerCount; i++) {
      runners.push(
        await startLocal({
          paths: [manifestDir],
          kubeconfig: apiserver.kubeconfigPath,
          portMap: { 12000: 0 },
          workDir,
          logger: createLogger({ level: 'error', write: () => {} }),
          print: () => {},
        }),
      );
    }
    const urls = runners.map((r) => `${r.urls.get(12000)}/push`);

    // Faults on Job creates only: hangs first (rare), then 500s, then 429s on what the 500s left.
    const jobs = /\/namespaces\/ci\/jobs$/;
    const hangs = options.hangs ?? 2;
    if (hangs > 0) {
      faults.push(apiserver.inject({ method: 'POST', path: jobs, hang: true, times: hangs, fraction: 0.01 }));
    }
    faults.push(apiserver.inject({ method: 'POST', path: jobs, status: 500, fraction: failFraction / 2 }));
    faults.push(
      apiserver.inject({
        method: 'POST',
        path: jobs,
        status: 429,
        fraction: failFraction / 2 / (1 - failFraction / 2),
      }),
    );

    const ledger: LedgerEntry[] = Array.from({ length: options.deliveries }, (_, i) => ({
      delivery: randomUUID(),
      sha: createHmac('sha1', 'sha').update(`${started}:${i}`).digest('hex'),
      attempts: 0,
      statuses: [],
      answered2xx: false,
    }));

    // Outages spread over the sending phase, at evenly spaced delivery counts.
    let sent = 0;
    const outageAt = Array.from({ length: options.restarts }, (_, i) =>
      Math.floor(((i + 1) * options.deliveries) / (options.restarts + 1)),
    );
    const outages: Promise<void>[] = [];
    let restarted = 0;

    const deliver = async (entry: LedgerEntry, index: number) => {
      const body = Buffer.from(
        JSON.stringify(pushPayload({ ref: 'refs/heads/main', repo: 'myorg/backend-api', after: entry.sha })),
      );
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/fault',
        'x-github-event': 'push',
        'x-github-delivery': entry.delivery,
        'x-github-hook-id': '4242',
        'x-hub-signature-256': `sha256=${createHmac('sha256', FAULT_SECRETS.webhook).update(body).digest('hex')}`,
      };
      // A redelivery script: same delivery id, backoff, until 2xx or the deadline.
      for (let attempt = 0; Date.now() < deadline; attempt++) {
        entry.attempts++;
        let status = 0;
        try {
          const response = await fetch(urls[(index + attempt) % urls.length]!, {
            method: 'POST',
            headers,
            body,
            signal: AbortSignal.timeout(15_000),
          });
          status = response.status;
          await response.arrayBuffer();
        } catch {
          status = 0;
        }
        entry.statuses.push(status);
        if (status >= 200 && status < 300) {
          entry.answered2xx = true;
          return;
        }
        await sleep(Math.min(1_000, 50 * 2 ** attempt));
      }
    };

    let next = 0;
    const worker = async () => {
      while (next < ledger.length && Date.now() < sendUntil) {
        const index = next++;
        const dueAt = ((restarted + 1) * sendBudgetMs) / (options.restarts + 1);
        if (
          outageAt[restarted] !== undefined &&
          (sent >= outageAt[restarted]! || Date.now() - started >= dueAt)
        ) {
          restarted++;
          log(`bus outage ${restarted} after ${sent} deliveries`);
          outages.push(restartBus());
        }
        sent++;
        await deliver(ledger[index]!, index);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    await Promise.all(outages);
    const sendingMs = Date.now() - started;
    // Deliveries the budget left unsent are not part of the run.
    ledger.splice(next);
    log(`sent ${ledger.length} deliveries in ${sendingMs} ms; waiting for the sensors`);

    // Wait until every 2xx delivery has its Job (or the deadline), then a little more for strays.
    const want = new Set(ledger.filter((e) => e.answered2xx).map((e) => e.sha));
    while (Date.now() < deadline) {
      const have = new Set(apiserver.objects('Job').map(shaOf));
      if ([...want].every((sha) => have.has(sha))) break;
      await sleep(250);
    }
    await sleep(500);
    const durationMs = Date.now() - started;

    const all = apiserver.objects('Job');
    const refusals: Record<string, number> = {};
    for (const entry of ledger) {
      for (const status of entry.statuses) {
        if (status < 200 || status >= 300) refusals[String(status)] = (refusals[String(status)] ?? 0) + 1;
      }
    }
    const result = audit(ledger, all);
    return {
      bus: options.bus,
      deliveries: ledger.length,
      answered2xx: ledger.filter((e) => e.answered2xx).length,
      retries: ledger.reduce((n, e) => n + e.attempts - 1, 0),
      refusals,
      jobs: all.length,
      injected: {
        failed: faults.slice(hangs > 0 ? 1 : 0).reduce((n, f) => n + f.hits, 0),
        hung: hangs > 0 ? faults[0]!.hits : 0,
      },
      restarts: restarted,
      durationMs,
      ...result,
    };
  } finally {
    for (const fault of faults) fault.remove();
    await Promise.all(runners.map((r) => r.close().catch(() => {})));
    await apiserver?.close();
    await nats?.stop();
    await fauxqs?.stop();
    await dynalite?.stop();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await rm(workDir, { recursive: true, force: true });
  }
}

/** One line of figures for the report and docs/reliability.md. */
export function formatReport(r: FaultReport): string {
  return [
    `bus=${r.bus}`,
    `deliveries=${r.deliveries}`,
    `2xx=${r.answered2xx}`,
    `retries=${r.retries}`,
    `refusals=${JSON.stringify(r.refusals)}`,
    `jobs=${r.jobs}`,
    `injected=${JSON.stringify(r.injected)}`,
    `restarts=${r.restarts}`,
    `lost=${r.lost.length}`,
    `duplicated=${r.duplicated.length}`,
    `strays=${r.strays.length}`,
    `unanswered-with-job=${r.unanswered}`,
    `duration=${(r.durationMs / 1000).toFixed(1)}s`,
  ].join(' ');
}
