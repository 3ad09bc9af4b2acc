/**
 * Webhook → Kubernetes request latency: a signed GitHub push POSTed to the local runner over JetStream on
 * loopback, until the test apiserver receives the Job create (taken at the apiserver, once the request
 * has fully arrived). Floors, same run, interleaved sample by sample: a bare HTTP POST to the apiserver
 * (timed the same way) and a raw nats.ws JetStream publish + pull fetch of the same bytes. Sequential.
 */
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { encodeEvent, newEvent } from '../../../lib/events/envelope.ts';
import { startLocal } from '../../../lib/local/runner.ts';
import { createLogger } from '../../../lib/observability/log.ts';
import { startApiServer } from '../../support/apiserver.ts';
import type { Suite } from '../support/context.ts';
import { benchManifests, pushBody, pushHeaders, SECRET_ENV } from '../support/fixtures.ts';
import type { BenchRow } from '../support/report.ts';
import { median, percentile, sleep } from '../support/stats.ts';

const JOBS_PATH = '/apis/batch/v1/namespaces/ci/jobs';
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function post(url: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url} in 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const latency: Suite = async (ctx) => {
  const natsWsUrl = await ctx.nats();
  if (!natsWsUrl) {
    return [
      {
        suite: 'latency',
        name: 'webhook → apiserver',
        value: Number.NaN,
        unit: '',
        note: 'skipped: no nats-server',
      },
    ];
  }
  const samplesWanted = ctx.quick ? 100 : 400;
  const budgetMs = ctx.quick ? 15_000 : 45_000;
  for (const [key, value] of Object.entries(SECRET_ENV)) process.env[key] = value;
  const apiserver = await startApiServer();
  const runner = await startLocal({
    paths: [await benchManifests(join(ctx.tmp, 'latency'), { jetstreamUrl: natsWsUrl })],
    kubeconfig: apiserver.kubeconfigPath,
    portMap: { 12000: 0 },
    workDir: join(ctx.tmp, 'latency-work'),
    logger: createLogger({ write: () => {} }),
    print: () => {},
  });
  const webhookUrl = `${runner.urls.get(12000)}/push`;

  // The moment a Job create has fully arrived at the apiserver.
  let arrived: ((at: number) => void) | undefined;
  const hook = apiserver.inject({
    method: 'POST',
    path: (path) => {
      if (path === JOBS_PATH) arrived?.(performance.now());
      return false;
    },
  });
  const nextArrival = () => new Promise<number>((resolve) => (arrived = resolve));

  // Raw nats.ws on its own stream and consumer.
  const scope = globalThis as { WebSocket?: unknown };
  if (scope.WebSocket === undefined) scope.WebSocket = (await import('ws')).WebSocket;
  const nats = await import('nats.ws');
  const nc = await nats.connect({ servers: natsWsUrl });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: 'benchfloor', subjects: ['benchfloor.>'] });
  await jsm.consumers.add('benchfloor', { durable_name: 'floor', ack_policy: nats.AckPolicy.Explicit });
  const js = nc.jetstream();

  const mainBody = pushBody('refs/heads/main');
  const eventBytes = new TextEncoder().encode(
    encodeEvent(
      newEvent({
        source: 'github-webhook',
        subject: 'github-push',
        type: 'webhook',
        data: JSON.parse(mainBody.toString()),
      }),
    ),
  );
  const jobBody = Buffer.from(
    JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { generateName: 'floor-', namespace: 'ci' },
      spec: { template: { spec: { containers: [{ name: 'b', image: 'x' }], restartPolicy: 'Never' } } },
    }),
  );
  const jobHeaders = { authorization: `Bearer ${apiserver.token}`, 'content-type': 'application/json' };

  let n = 0;
  const httpFloor = async () => {
    const arrival = nextArrival();
    const t0 = performance.now();
    const status = post(`${apiserver.url}${JOBS_PATH}`, jobHeaders, jobBody);
    const t1 = await withTimeout(arrival, 5_000, 'a bare POST');
    if ((await status) !== 201) throw new Error(`bare POST answered ${await status}`);
    return t1 - t0;
  };
  const natsFloor = async () => {
    const messages = js.fetch('benchfloor', 'floor', { batch: 1, expires: 5_000 });
    const t0 = performance.now();
    await js.publish('benchfloor.push', eventBytes, { msgID: `floor-${++n}` });
    for await (const message of messages) {
      const t1 = performance.now();
      message.ack();
      return t1 - t0;
    }
    throw new Error('raw fetch returned no message');
  };
  const answers: number[] = [];
  const subject = async () => {
    const arrival = nextArrival();
    const t0 = performance.now();
    const status = await post(webhookUrl, pushHeaders(mainBody, `latency-${++n}`), mainBody);
    answers.push(performance.now() - t0);
    if (status !== 200) throw new Error(`webhook answered ${status}`);
    const t1 = await withTimeout(arrival, 10_000, 'the Job create');
    return t1 - t0;
  };

  try {
    for (let i = 0; i < 30; i++) {
      await httpFloor();
      await natsFloor();
      await subject();
      await sleep(2);
    }
    answers.length = 0;
    const samples = { http: [] as number[], nats: [] as number[], subject: [] as number[] };
    const deadline = Date.now() + budgetMs;
    while (samples.subject.length < samplesWanted && Date.now() < deadline) {
      samples.http.push(await httpFloor());
      samples.nats.push(await natsFloor());
      samples.subject.push(await subject());
      // Let the sensor ack and settle before the next floor sample, so it is not timed alongside.
      await sleep(3);
    }
    ctx.progress(`  ${samples.subject.length} samples of each`);
    const floorOf = (p: (xs: number[]) => number) => 2 * p(samples.http) + p(samples.nats);
    const p50 = (xs: number[]) => median(xs);
    const p99 = (xs: number[]) => percentile(xs, 99);
    const rows: BenchRow[] = [];
    for (const [label, pick, goal] of [
      ['p50', p50, 5],
      ['p99', p99, 20],
    ] as const) {
      const value = pick(samples.subject);
      const floor = floorOf(pick);
      rows.push({
        suite: 'latency',
        name: `webhook → apiserver Job POST, JetStream, ${label}`,
        value,
        unit: 'ms',
        floor: { name: '2 × bare POST + publish/fetch', value: floor },
        ratio: value / floor,
        goal: { text: `≤ ${goal} ms`, met: value <= goal },
      });
    }
    rows.push(
      {
        suite: 'latency',
        name: 'webhook answer (after durable publish), p50',
        value: p50(answers),
        unit: 'ms',
      },
      {
        suite: 'latency',
        name: 'webhook answer (after durable publish), p99',
        value: p99(answers),
        unit: 'ms',
      },
      {
        suite: 'latency',
        name: 'floor: bare HTTP POST to apiserver, p50',
        value: p50(samples.http),
        unit: 'ms',
      },
      {
        suite: 'latency',
        name: 'floor: bare HTTP POST to apiserver, p99',
        value: p99(samples.http),
        unit: 'ms',
      },
      {
        suite: 'latency',
        name: 'floor: raw nats.ws publish + fetch, p50',
        value: p50(samples.nats),
        unit: 'ms',
      },
      {
        suite: 'latency',
        name: 'floor: raw nats.ws publish + fetch, p99',
        value: p99(samples.nats),
        unit: 'ms',
      },
    );
    return rows;
  } finally {
    hook.remove();
    await nc.close();
    await runner.close();
    await apiserver.close();
    agent.destroy();
  }
};
