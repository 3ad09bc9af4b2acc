/**
 * `outrigger test <sensor.yaml> --event <file.json> [--event …] [--json]`: runs the sensor's filters,
 * conditions and parameters over the events with no bus and no cluster (issue 4's contract). Exit 0 when it
 * ran, 2 for an invalid manifest or event file.
 */
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import type { SensorEvent } from '../../events/envelope.ts';
import { loadManifests } from '../../manifests/load.ts';
import type { Sensor } from '../../manifests/types.ts';
import { EventFileError, readEventFile } from '../event-file.ts';
import type { CliContext } from '../io.ts';
import { println, usageError } from '../io.ts';
import type { Render, Simulation } from '../simulate.ts';
import { simulateSensor } from '../simulate.ts';
import { manifestFiles } from './validate.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

/** The sensor to test: the only one in the files, or the one named by `--sensor`. */
export function pickSensor(sensors: readonly Sensor[], name: string | undefined): Sensor {
  if (name !== undefined) {
    const sensor = sensors.find((s) => s.metadata.name === name);
    if (!sensor)
      throw usageError(
        `no Sensor named "${name}" (have: ${sensors.map((s) => s.metadata.name).join(', ') || 'none'})`,
      );
    return sensor;
  }
  if (sensors.length === 1) return sensors[0]!;
  if (sensors.length === 0) throw usageError('no Sensor manifest in the given files');
  throw usageError(
    `several Sensors (${sensors.map((s) => s.metadata.name).join(', ')}); choose one with --sensor`,
  );
}

/** Reads every event file; an unreadable or malformed one is a usage error (exit 2). */
export async function readEvents(paths: readonly string[], cwd: string): Promise<SensorEvent[]> {
  const events: SensorEvent[] = [];
  for (const path of paths) {
    try {
      events.push(...(await readEventFile(path, cwd)));
    } catch (err) {
      if (err instanceof EventFileError) throw usageError(err.message);
      throw err;
    }
  }
  return events;
}

/** One line describing a render, e.g. `k8s batch/v1 Job ci/build-x`. */
export function describeRender(render: Render): string {
  const r = render.resource;
  if (r) {
    const meta = (r.metadata ?? {}) as { name?: string; namespace?: string };
    return `${render.kind}: ${String(r.apiVersion ?? '')} ${String(r.kind ?? '')} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name ?? ''}`.trim();
  }
  return `${render.kind}: payload`;
}

function indent(text: string, by: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `${by}${line}`)
    .join('\n');
}

/** The human explanation: per event and dependency which filter passed or failed and why, then what fired. */
export function printSimulation(ctx: CliContext, simulation: Simulation): void {
  const { report, narrative, waiting } = simulation;
  println(ctx, `Sensor ${report.sensor}`);
  narrative.forEach((story, i) => {
    const { context } = story.event;
    println(ctx, '');
    println(ctx, `Event ${i + 1}: ${context.id} (${context.source}/${context.subject}, ${context.type})`);
    if (story.dependencies.length === 0) {
      println(ctx, `  no dependency listens to ${context.source}/${context.subject}; ignored`);
    }
    for (const dependency of story.dependencies) {
      println(ctx, `  dependency ${dependency.name}: ${dependency.verdict}`);
      for (const line of dependency.lines) println(ctx, `    ${line}`);
    }
    for (const fired of story.fired) {
      println(
        ctx,
        fired.error
          ? `  → trigger ${fired.trigger} fires but cannot render: ${fired.error}`
          : `  → trigger ${fired.trigger} fires: ${describeRender(fired.render!)}`,
      );
    }
  });
  println(ctx, '');
  println(ctx, 'Triggers');
  for (const trigger of report.triggers) {
    const wait = waiting.find((w) => w.trigger === trigger.name);
    const status =
      trigger.fired > 0
        ? `fired ${trigger.fired} time(s)`
        : wait
          ? `did not fire; waiting for ${wait.missing.join(', ')} (conditions: ${wait.conditions})`
          : 'did not fire';
    println(ctx, `  ${trigger.name}: ${status}`);
    trigger.renders.forEach((render, n) => {
      println(ctx, `    firing ${n + 1}, ${describeRender(render)}`);
      const body = render.resource ?? render.payload;
      if (body !== null && body !== undefined) println(ctx, indent(toYaml(body), '      '));
    });
    for (const error of trigger.errors) println(ctx, `    error: ${error}`);
  }
}

/** Adds `test` to the program. */
export function registerTest(program: Command, ctx: CliContext): void {
  program
    .command('test')
    .description(
      "run a sensor's filters, conditions and parameters over event files; print what each trigger would do",
    )
    .argument('<sensor>', 'Sensor manifest file (or folder)')
    .requiredOption(
      '-e, --event <file>',
      'event JSON: a CloudEvent or {context, data}; repeat for more, in order',
      collect,
      [],
    )
    .option('--sensor <name>', 'the Sensor to test when the files hold several')
    .option('--json', 'print one JSON object {sensor, events, triggers}')
    .addHelpText(
      'after',
      '\nNothing is sent anywhere: no bus, no cluster. Exit codes: 0 ran, 2 invalid manifest or event file.',
    )
    .action(async (path: string, opts: { event: string[]; sensor?: string; json?: boolean }) => {
      if (opts.event.length === 0) throw usageError('give at least one --event file');
      const files = await manifestFiles([path], ctx.io.cwd);
      // A ManifestError reaches main, which prints every issue and answers 2.
      const sensor = pickSensor((await loadManifests(files)).sensors, opts.sensor);
      const events = await readEvents(opts.event, ctx.io.cwd);
      const simulation = await simulateSensor(sensor, events);
      if (opts.json) println(ctx, JSON.stringify(simulation.report, null, 2));
      else printSimulation(ctx, simulation);
    });
}
