import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManifestError } from '../../lib/errors.ts';
import { startLocal } from '../../lib/local/runner.ts';
import { createLogger } from '../../lib/observability/log.ts';
import { benchManifests } from '../bench/support/fixtures.ts';
import { until } from '../support/bus-consumer.ts';
import { startNatsServer } from '../support/nats-server.ts';

const resubmitSensor = `apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata:
  name: rerun
spec:
  dependencies:
    - name: d
      eventSourceName: es
      eventName: e
  triggers:
    - template:
        name: again
        argoWorkflow:
          operation: resubmit
          source:
            resource:
              apiVersion: argoproj.io/v1alpha1
              kind: Workflow
              metadata:
                name: nightly
`;

describe('the local runner at start', () => {
  const saved = { ...process.env };
  let dir: string | undefined;

  afterEach(async () => {
    process.env = { ...saved };
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses an argoWorkflow resubmit when no Argo Server is configured, before opening anything', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'outrigger-runner-'));
    await writeFile(path.join(dir, 'sensor.yaml'), resubmitSensor);
    delete process.env.OUTRIGGER_ARGO_SERVER_URL;
    const printed: string[] = [];

    const started = startLocal({
      paths: [dir],
      workDir: dir,
      logger: createLogger({ write: () => {} }),
      print: (line) => printed.push(line),
    });

    const error = await started.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).issues).toEqual([
      expect.objectContaining({
        file: path.join(dir, 'sensor.yaml'),
        path: 'spec.triggers[0].template.argoWorkflow.operation',
        message: expect.stringContaining('resubmit needs the Argo Server'),
      }),
    ]);
    expect(printed.some((line) => line.startsWith('Outrigger local runner'))).toBe(false);
  });

  it('starts the same sensor when the Argo Server is configured', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'outrigger-runner-'));
    await writeFile(path.join(dir, 'sensor.yaml'), resubmitSensor);
    process.env.OUTRIGGER_ARGO_SERVER_URL = 'http://127.0.0.1:1';
    process.env.OUTRIGGER_ARGO_SERVER_TOKEN = 'token';

    const runner = await startLocal({
      paths: [dir],
      workDir: dir,
      logger: createLogger({ write: () => {} }),
      print: () => {},
    });

    expect(runner.set.sensors.map((s) => s.metadata.name)).toEqual(['rerun']);
    await runner.close();
  });
});

describe('closing the local runner', () => {
  it('closes every JetStream connection it opened (bus and state store), so nothing reconnects after', async () => {
    // Prepare
    const nats = await startNatsServer();
    const dir = await mkdtemp(path.join(tmpdir(), 'outrigger-runner-'));
    try {
      const runner = await startLocal({
        paths: [await benchManifests(path.join(dir, 'manifests'), { jetstreamUrl: nats.url })],
        workDir: dir,
        portMap: { 12000: 0 },
        logger: createLogger({ write: () => {} }),
        print: () => {},
      });
      const open = await clientConnections(nats.monitorUrl);

      // Act
      await runner.close();

      // Assess: the bus and the sensor state store each had a connection; none is left once nats-server has
      // seen the sockets close (it counts them a moment after the client's close resolves; a leaked
      // connection reconnects and stays counted).
      expect(open).toBeGreaterThanOrEqual(2);
      await until(async () => (await clientConnections(nats.monitorUrl)) === 0, 3_000).catch(() => {});
      expect(await clientConnections(nats.monitorUrl)).toBe(0);
    } finally {
      await nats.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Client connections nats-server counts now (`/connz`). */
async function clientConnections(monitorUrl: string): Promise<number> {
  const connz = (await fetch(`${monitorUrl}/connz`).then((r) => r.json())) as { num_connections: number };
  return connz.num_connections;
}
