/**
 * `outrigger replay`: reads events back from the JetStream stream (time range, subject, event ids), from a
 * dead-letter subject, or from event files, and publishes them to the bus again. `--dry-run` evaluates the
 * current manifests' sensors over them instead and prints what each trigger would do, touching neither the
 * bus nor the cluster. SQS dead-letter queues are not read yet (see the README).
 */
import type { Command } from 'commander';
import type { Bus } from '../../bus/port.ts';
import type { CloudEvent, SensorEvent } from '../../events/envelope.ts';
import { newEventId, toSensorEvent } from '../../events/envelope.ts';
import { parseGoDuration } from '../../manifests/checks.ts';
import { loadManifests } from '../../manifests/load.ts';
import type { ManifestSet } from '../../manifests/types.ts';
import { errorMessage } from '../../observability/log.ts';
import type { CliContext, Output } from '../io.ts';
import { ExitCode, eprintln, println, raiseExit, usageError } from '../io.ts';
import type { TestReport } from '../simulate.ts';
import { simulateSensor } from '../simulate.ts';
import { describeRender, readEvents } from './test.ts';
import { manifestFiles } from './validate.ts';

interface ReplayOptions {
  fromEvents: string[];
  dlq?: string;
  subject?: string;
  since?: string;
  until?: string;
  eventId: string[];
  url?: string;
  stream?: string;
  secretsDir?: string;
  dryRun?: boolean;
  newIds?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `--since`/`--until`: RFC 3339, or a Go duration meaning that long before `now`. */
export function parseWhen(value: string, now: Date, flag: string): Date {
  const duration = parseGoDuration(value);
  if (duration !== undefined) return new Date(now.getTime() - duration);
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw usageError(`${flag} must be an RFC 3339 time or a duration such as 30m or 2h (got "${value}")`);
  return new Date(ms);
}

/** A CloudEvent again from the sensor view of a file event. */
function asCloudEvent(event: SensorEvent): CloudEvent {
  const { context } = event;
  return {
    specversion: '1.0',
    id: context.id,
    source: context.source,
    subject: context.subject,
    type: context.type,
    time: context.time,
    datacontenttype: 'application/json',
    data: event.data,
  };
}

/** A one-line progress bar on a terminal; nothing elsewhere. */
function progress(out: Output, label: string): { update(done: number, total: number): void; end(): void } {
  if (!out.isTTY) return { update() {}, end() {} };
  let drawn = false;
  return {
    update(done, total) {
      const width = 30;
      const filled = total > 0 ? Math.round((done / total) * width) : width;
      out.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
      drawn = true;
    },
    end() {
      if (drawn) out.write('\n');
    },
  };
}

async function jetstreamAuth(set: ManifestSet, secretsDir: string) {
  const spec = set.eventBuses.find((b) => b.metadata.name === 'default')?.spec.jetstreamExotic;
  if (!spec?.accessSecret) return undefined;
  const { createLocalSecretResolver } = await import('../../secrets/local.ts');
  const { parseJetStreamAuth } = await import('../../bus/index.ts');
  return parseJetStreamAuth(await createLocalSecretResolver({ baseDir: secretsDir }).get(spec.accessSecret));
}

/** Collects the events to replay from files or the stream, filtered by time and id. */
async function collectEvents(ctx: CliContext, set: ManifestSet, opts: ReplayOptions, secretsDir: string) {
  const now = new Date();
  const since = opts.since ? parseWhen(opts.since, now, '--since') : undefined;
  const until = opts.until ? parseWhen(opts.until, now, '--until') : undefined;
  const ids = new Set(opts.eventId);
  const keep = (event: CloudEvent, at: Date) =>
    (ids.size === 0 || ids.has(event.id)) && (!since || at >= since) && (!until || at <= until);
  if (opts.fromEvents.length > 0) {
    const events = (await readEvents(opts.fromEvents, ctx.io.cwd)).map(asCloudEvent);
    return events.filter((e) => keep(e, new Date(Date.parse(e.time))));
  }
  const manifestBus = set.eventBuses.find((b) => b.metadata.name === (opts.stream ?? 'default'));
  const url = opts.url ?? manifestBus?.spec.jetstreamExotic?.url;
  if (!url) {
    throw usageError(
      'nothing to read: give --from-events <file>, or --url <ws://…> (or an EventBus with jetstreamExotic)',
    );
  }
  const stream = opts.stream ?? 'default';
  const subject = opts.dlq ? `${stream}.dlq.${opts.dlq}` : (opts.subject ?? `${stream}.*.*`);
  const { readStream } = await import('../stream-reader.ts');
  const bar = progress(ctx.io.stderr, 'reading');
  const { events, skipped } = await readStream(
    { url, auth: opts.url ? undefined : await jetstreamAuth(set, secretsDir), stream, subject, since, until },
    bar.update,
  );
  bar.end();
  if (skipped > 0) eprintln(ctx, `skipped ${skipped} message(s) that are not CloudEvents`);
  // Dead letters are only read with --dlq: a wide subject also captures `<stream>.dlq.*`.
  return events
    .filter((s) => opts.dlq !== undefined || !s.subject.startsWith(`${stream}.dlq.`))
    .filter((s) => keep(s.event, s.storedAt))
    .map((s) => s.event);
}

async function dryRun(ctx: CliContext, set: ManifestSet, events: CloudEvent[], json: boolean): Promise<void> {
  const sensorEvents = events.map((event) => toSensorEvent(event));
  const reports: TestReport[] = [];
  for (const sensor of set.sensors) reports.push((await simulateSensor(sensor, sensorEvents)).report);
  if (json) {
    println(
      ctx,
      JSON.stringify(
        { events: events.map((e) => ({ id: e.id, source: e.source, subject: e.subject })), sensors: reports },
        null,
        2,
      ),
    );
    return;
  }
  println(ctx, `dry run over ${events.length} event(s): nothing is published and no trigger runs`);
  for (const report of reports) {
    println(ctx, `Sensor ${report.sensor}`);
    for (const trigger of report.triggers) {
      println(ctx, `  ${trigger.name}: would fire ${trigger.fired} time(s)`);
      for (const render of trigger.renders) {
        const body = render.resource ? '' : ` ${JSON.stringify(render.payload)?.slice(0, 200) ?? 'null'}`;
        println(ctx, `    ${describeRender(render)}${body}`);
      }
      for (const error of trigger.errors) println(ctx, `    error: ${error}`);
    }
  }
}

async function openTarget(set: ManifestSet, opts: ReplayOptions, secretsDir: string): Promise<Bus> {
  if (opts.url) {
    const { JetStreamBus } = await import('../../bus/jetstream/index.ts');
    return JetStreamBus.connect({ url: opts.url, streamName: opts.stream ?? 'default' });
  }
  const { busKindOf, findEventBus, openBus } = await import('../../bus/index.ts');
  if (busKindOf(findEventBus(set, opts.stream ?? 'default')) === 'memory') {
    throw usageError(
      'the memory bus lives inside `outrigger dev`; replay into JetStream with --url or an EventBus manifest',
    );
  }
  const { createLocalSecretResolver } = await import('../../secrets/local.ts');
  return openBus(set, {
    secrets: createLocalSecretResolver({ baseDir: secretsDir }),
    name: opts.stream ?? 'default',
  });
}

async function publishAll(
  ctx: CliContext,
  set: ManifestSet,
  events: CloudEvent[],
  opts: ReplayOptions,
  secretsDir: string,
): Promise<string[]> {
  const bus = await openTarget(set, opts, secretsDir);
  const published: { id: string; originalId: string }[] = [];
  const failed: { id: string; error: string }[] = [];
  const bar = progress(ctx.io.stderr, 'publishing');
  try {
    for (const [i, original] of events.entries()) {
      // Same id: the stream's duplicate window and the sensors' done-markers keep replays idempotent.
      const originalId = original.id;
      // Renamed in place: a copy would leave behind the data's text as written, which is kept beside it.
      if (opts.newIds) original.id = newEventId();
      try {
        await bus.publish(original);
        published.push({ id: original.id, originalId });
      } catch (err) {
        failed.push({ id: originalId, error: errorMessage(err) });
      }
      bar.update(i + 1, events.length);
    }
  } finally {
    bar.end();
    await bus.close();
  }
  if (opts.json) println(ctx, JSON.stringify({ published, failed }, null, 2));
  else {
    println(
      ctx,
      `published ${published.length} of ${events.length} event(s)${opts.newIds ? ' with new ids' : ''}`,
    );
    for (const f of failed) println(ctx, `  ${f.id}: ${f.error}`);
  }
  if (failed.length > 0) raiseExit(ctx, ExitCode.findings);
  return published.map((p) => p.originalId);
}

/**
 * `--dlq <sensor>` on the SQS bus: read the sensor's dead-letter queue, publish the events again, and delete
 * each message only once its event is back on the bus. A dry run makes the messages visible again at once.
 */
async function replaySqsDeadLetters(
  ctx: CliContext,
  set: ManifestSet,
  opts: ReplayOptions,
  secretsDir: string,
  sqs: NonNullable<ManifestSet['eventBuses'][number]['spec']['sqs']>,
  sensor: string,
): Promise<void> {
  const { readDeadLetters } = await import('../../bus/sqs/dead-letters.ts');
  const batch = await readDeadLetters({
    region: sqs.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(sqs.endpoint === undefined ? {} : { endpoint: sqs.endpoint }),
    queueNamePrefix: sqs.queueNamePrefix ?? 'outrigger-',
    ...(sqs.fifo === undefined ? {} : { fifo: sqs.fifo }),
    sensor,
  });
  try {
    if (batch.skipped > 0)
      eprintln(ctx, `left ${batch.skipped} message(s) that are not CloudEvents in the queue`);
    const ids = new Set(opts.eventId);
    const events = batch.events.filter((e) => ids.size === 0 || ids.has(e.id));
    if (opts.dryRun) {
      await batch.release();
      await dryRun(ctx, set, events, opts.json === true);
      return;
    }
    const published = await publishAll(ctx, set, events, opts, secretsDir);
    await batch.remove(published);
    await batch.release();
  } finally {
    batch.close();
  }
}

/** Adds `replay` to the program. */
export function registerReplay(program: Command, ctx: CliContext): void {
  program
    .command('replay')
    .description(
      'publish stored or dead-lettered events to the bus again, or --dry-run them through the sensors',
    )
    .argument(
      '<paths...>',
      'manifest files or folders (the sensors a dry run evaluates, the EventBus to use)',
    )
    .option(
      '--from-events <file>',
      'read events from a JSON file instead of the stream; repeatable',
      collect,
      [],
    )
    .option('--dlq <sensor>', "read the sensor's dead letters (<stream>.dlq.<sensor>)")
    .option('--subject <pattern>', 'NATS subject filter (default <stream>.*.*)')
    .option('--since <when>', 'RFC 3339 time, or a duration ago such as 30m or 2h')
    .option('--until <when>', 'RFC 3339 time, or a duration ago')
    .option('--event-id <id>', 'only this event id; repeatable', collect, [])
    .option('--url <ws-url>', 'JetStream websocket URL (default: the EventBus manifest jetstreamExotic.url)')
    .option('--stream <name>', 'stream (EventBus) name', 'default')
    .option('--secrets-dir <dir>', 'folder of <name>.json secrets (default .outrigger/secrets)')
    .option('--dry-run', 'evaluate the sensors and print what each trigger would do; publish nothing')
    .option(
      '--new-ids',
      'give replayed events fresh ids, so sensors fire again for events they already handled',
    )
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nReplayed events keep their ids unless --new-ids: JetStream drops an id seen within its duplicate window,\nand a sensor skips a trigger it already ran for that event. Exit codes: 0 ok, 1 a publish failed, 2 usage.',
    )
    .action(async (paths: string[], opts: ReplayOptions) => {
      const { join, resolve } = await import('node:path');
      const secretsDir = opts.secretsDir
        ? resolve(ctx.io.cwd, opts.secretsDir)
        : join(ctx.io.cwd, '.outrigger', 'secrets');
      if (opts.dlq !== undefined && opts.subject !== undefined)
        throw usageError('--dlq and --subject exclude each other');
      const set = await loadManifests(await manifestFiles(paths, ctx.io.cwd));
      const sqs = set.eventBuses.find((b) => b.metadata.name === (opts.stream ?? 'default'))?.spec.sqs;
      if (opts.dlq !== undefined && sqs && !opts.url) {
        await replaySqsDeadLetters(ctx, set, opts, secretsDir, sqs, opts.dlq);
        return;
      }
      const events = await collectEvents(ctx, set, opts, secretsDir);
      if (opts.dryRun) await dryRun(ctx, set, events, opts.json === true);
      else await publishAll(ctx, set, events, opts, secretsDir);
    });
}
