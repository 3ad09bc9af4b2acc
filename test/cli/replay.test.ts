import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JetStreamBus } from '../../lib/bus/jetstream/index.ts';
import type { TestReport } from '../../lib/cli/simulate.ts';
import { newEvent } from '../../lib/events/envelope.ts';
import { type NatsServer, requireNatsServer, startNatsServer } from '../support/nats-server.ts';
import { fixtures, run } from './helpers.ts';

const sensor = join(fixtures, 'conditions-sensor.yaml');
const fixture = (name: string) => join(fixtures, name);

describe('outrigger replay --dry-run over event files', () => {
  it('evaluates every sensor and prints what each trigger would do, as JSON', async () => {
    // Act
    const { code, stdout } = await run([
      'replay',
      sensor,
      '--dry-run',
      '--json',
      '--from-events',
      fixture('event-tests-passed.json'),
      '--from-events',
      fixture('event-tag.json'),
    ]);
    // Assess
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { events: { id: string }[]; sensors: TestReport[] };
    expect(out.events.map((e) => e.id)).toEqual(['t-1', 'g-1']);
    const announce = out.sensors[0]!.triggers.find((t) => t.name === 'announce')!;
    expect(announce.fired).toBe(1);
    expect(announce.renders[0]?.kind).toBe('http');
  });

  it('keeps only the requested event ids and time range', async () => {
    // Act
    const { stdout } = await run([
      'replay',
      sensor,
      '--dry-run',
      '--from-events',
      fixture('event-tests-passed.json'),
      '--from-events',
      fixture('event-tag.json'),
      '--event-id',
      'g-1',
      '--since',
      '2024-05-01T10:01:30Z',
    ]);
    // Assess
    expect(stdout).toContain('dry run over 1 event(s)');
    expect(stdout).toContain('announce: would fire 0 time(s)');
  });

  it('answers 2 without an event source and for the memory bus', async () => {
    // Act
    const nothing = await run(['replay', sensor, '--dry-run']);
    const memory = await run(['replay', sensor, '--from-events', fixture('event-tag.json')]);
    const badTime = await run([
      'replay',
      sensor,
      '--dry-run',
      '--from-events',
      fixture('event-tag.json'),
      '--since',
      'yesterday',
    ]);
    // Assess
    expect(nothing.code).toBe(2);
    expect(memory.code).toBe(2);
    expect(memory.stderr).toContain('memory bus');
    expect(badTime.code).toBe(2);
  });
});

describe.runIf(requireNatsServer())('outrigger replay from JetStream', () => {
  let server: NatsServer;
  let bus: JetStreamBus;
  const ids: string[] = [];

  beforeAll(async () => {
    server = await startNatsServer();
    bus = await JetStreamBus.connect({ url: server.url, streamName: 'default', createIfMissing: true });
    for (const [subject, data] of [
      ['tests', { header: {}, body: { status: 'passed' } }],
      ['tag', { header: {}, body: { version: 'v2.0.0' } }],
      ['tests', { header: {}, body: { status: 'failed' } }],
    ] as const) {
      const event = newEvent({ source: 'ci', subject, type: 'webhook', data });
      ids.push(event.id);
      await bus.publish(event);
    }
  });

  afterAll(async () => {
    await bus?.close();
    await server?.stop();
  });

  it('reads the stream back and dry-runs the sensors over it', async () => {
    // Act
    const { code, stdout } = await run(['replay', sensor, '--url', server.url, '--dry-run', '--json']);
    // Assess
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { events: { id: string }[]; sensors: TestReport[] };
    expect(out.events.map((e) => e.id)).toEqual(ids);
    const announce = out.sensors[0]!.triggers.find((t) => t.name === 'announce')!;
    expect(announce.renders).toEqual([
      { kind: 'http', resource: null, payload: { version: 'v2.0.0', status: 'passed' } },
    ]);
  });

  it('filters by subject and event id', async () => {
    // Act
    const bySubject = await run([
      'replay',
      sensor,
      '--url',
      server.url,
      '--subject',
      'default.ci.tag',
      '--dry-run',
      '--json',
    ]);
    const byId = await run([
      'replay',
      sensor,
      '--url',
      server.url,
      '--event-id',
      ids[2]!,
      '--dry-run',
      '--json',
    ]);
    // Assess
    expect((JSON.parse(bySubject.stdout) as { events: { id: string }[] }).events.map((e) => e.id)).toEqual([
      ids[1],
    ]);
    expect((JSON.parse(byId.stdout) as { events: { id: string }[] }).events.map((e) => e.id)).toEqual([
      ids[2],
    ]);
  });

  it('publishes dead letters into the bus again under their original subject', async () => {
    // Prepare: a dead letter as the bus writes one, for an event never published on its own subject.
    const lost = newEvent({
      source: 'ci',
      subject: 'tag',
      type: 'webhook',
      data: { header: {}, body: { version: 'v3' } },
    });
    // The data as another publisher wrote it: the replay must carry it unchanged, not as parsed.
    const written = '{ "header": {}, "body": { "version": "v3", "build": 12345678901234567890 } }';
    const message = `${JSON.stringify({ ...lost, data: undefined }).slice(0, -1)},"data":${written}}`;
    const { connect } = await import('nats.ws');
    const nc = await connect({ servers: server.url });
    await nc.jetstream().publish('default.dlq.release', new TextEncoder().encode(message), {
      msgID: `dlq.release.${lost.id}`,
    });
    // Act
    const { code, stdout } = await run(['replay', sensor, '--url', server.url, '--dlq', 'release', '--json']);
    const after = await run([
      'replay',
      sensor,
      '--url',
      server.url,
      '--subject',
      'default.ci.tag',
      '--dry-run',
      '--json',
    ]);
    const republished = await (await nc.jetstreamManager()).streams.getMessage('default', {
      last_by_subj: 'default.ci.tag',
    });
    await nc.close();
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ published: [{ id: lost.id, originalId: lost.id }], failed: [] });
    expect(new TextDecoder().decode(republished.data)).toContain(
      '"data":{"header":{},"body":{"version":"v3","build":12345678901234567890}}}',
    );
    expect((JSON.parse(after.stdout) as { events: { id: string }[] }).events.map((e) => e.id)).toEqual([
      ids[1],
      lost.id,
    ]);
  });

  it('answers 1 when the stream cannot be reached', async () => {
    // Act
    const { code, stderr } = await run(['replay', sensor, '--url', 'ws://127.0.0.1:9', '--dry-run']);
    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain('cannot connect');
  });
});
