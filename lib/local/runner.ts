/**
 * The local runner behind `npm start` (DESIGN §1): the same sources, bus port and sensor engine as the
 * Lambda functions, wired in one process: an HTTP server per manifest port, the bus, and every sensor.
 */

import type { Server } from 'node:http';
import { createServer } from 'node:http';
import path from 'node:path';
import type { BusKind } from '../bus/index.ts';
import { busKindOf, findEventBus, openBus, openStateStore } from '../bus/index.ts';
import type { Bus, Subscription } from '../bus/port.ts';
import { formatIssue, ManifestError } from '../errors.ts';
import { createKubeClient } from '../kube/client.ts';
import { resolveKubeConfig } from '../kube/config.ts';
import { loadManifests } from '../manifests/load.ts';
import type { ManifestSet } from '../manifests/types.ts';
import type { LineWriter, Logger } from '../observability/log.ts';
import { batchedWriter, createLogger, errorMessage } from '../observability/log.ts';
import { defaultRegistry, initSensorMetrics } from '../observability/metrics.ts';
import { createLocalSecretResolver } from '../secrets/local.ts';
import { compileSensor, processBatch, sensorSubjects } from '../sensors/engine.ts';
import type { StateStore } from '../sensors/state.ts';
import { startCalendarTimers } from '../sources/calendar/index.ts';
import type { Ingest } from '../sources/ingest.ts';
import { createIngest } from '../sources/ingest.ts';
import { missingTriggerClients, triggerClientsFromEnv } from '../triggers/clients.ts';
import type { TriggerClients } from '../triggers/types.ts';
import { readRequest, writeResponse } from './http.ts';
import { prometheusText } from './prometheus.ts';

export interface LocalOptions {
  /** Manifest files or folders. */
  paths: string[];
  kubeconfig?: string | undefined;
  /** Deadline of each Kubernetes API request (default: the client's 10 s). */
  kubeTimeoutMs?: number;
  bus?: BusKind | undefined;
  /** Interface to listen on (default 127.0.0.1; use 0.0.0.0 to accept other machines). */
  host?: string;
  /** Overrides manifest ports, e.g. {12000: 0} in tests to pick free ports. */
  portMap?: Record<number, number>;
  /** Working directory for `.outrigger/` (dry-run output, local secrets). */
  workDir?: string;
  logger?: Logger;
  /** Human-readable progress lines (the banner, dry-run objects). */
  print?: (line: string) => void;
}

export interface LocalRunner {
  readonly set: ManifestSet;
  readonly bus: Bus;
  readonly ingest: Ingest;
  readonly store: StateStore;
  /** Listening addresses by manifest port. */
  readonly urls: ReadonlyMap<number, string>;
  /** Where Kubernetes triggers go: a server URL, or `dry-run`. */
  readonly cluster: string;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Loads manifests and starts sources, bus and sensors in this process. */
export async function startLocal(options: LocalOptions): Promise<LocalRunner> {
  // Log lines go out in one write per turn of the event loop; printed lines share it to keep their order.
  let out: LineWriter | undefined;
  const shared = () => (out ??= batchedWriter());
  const print = options.print ?? shared().write;
  const logger = options.logger ?? createLogger({ write: shared().write });
  const workDir = options.workDir ?? process.cwd();
  const set = await loadManifests(options.paths);
  for (const warning of set.warnings) print(`warning: ${formatIssue(warning)}`);

  const secrets = createLocalSecretResolver({ baseDir: path.join(workDir, '.outrigger', 'secrets') });
  const kubeconfig = await resolveKubeConfig(
    options.kubeconfig === undefined ? {} : { kubeconfigPath: options.kubeconfig },
  );
  const clients: TriggerClients = triggerClientsFromEnv(
    { log: print, dryRunDir: path.join(workDir, '.outrigger', 'dry-run') },
    secrets,
  );
  if (kubeconfig) {
    clients.kube = createKubeClient(
      kubeconfig,
      options.kubeTimeoutMs === undefined ? {} : { timeoutMs: options.kubeTimeoutMs },
    );
  }
  const cluster = clients.kube ? clients.kube.server : 'dry-run';
  // Refused before any connection opens, so nothing is left running.
  const missing = missingTriggerClients(set, clients);
  if (missing.length > 0) throw new ManifestError(missing);
  const bus = await openBus(set, {
    secrets,
    createIfMissing: true,
    ...(options.bus === undefined ? {} : { kind: options.bus }),
  });
  const store = await openStateStore(set, {
    secrets,
    createIfMissing: true,
    ...(options.bus === undefined ? {} : { kind: options.bus }),
  });

  const subscriptions: Subscription[] = [];
  for (const sensor of set.sensors) {
    const compiled = compileSensor(sensor);
    initSensorMetrics(
      compiled.name,
      compiled.triggers.map((t) => t.name),
    );
    const deps = { store, clients, logger };
    subscriptions.push(
      await bus.consume({ name: compiled.name, subjects: sensorSubjects(compiled) }, (records) =>
        processBatch(compiled, records, deps),
      ),
    );
  }

  const ingest = createIngest(set, {
    bus,
    secrets,
    // Locally each manifest port is its own listener, as in the cluster; API Gateway has one host.
    perPort: true,
    log: ({ msg, ...fields }) => logger.info(typeof msg === 'string' ? msg : 'webhook', fields),
  });
  const servers: Server[] = [];
  const urls = new Map<number, string>();
  const host = options.host ?? '127.0.0.1';
  for (const manifestPort of [...new Set(ingest.routes.map((route) => Number(route.port)))]) {
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/metrics') {
        // Argo's metric names in Prometheus text, on every listener (in-cluster they are on :7777).
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(prometheusText(defaultRegistry));
        return;
      }
      readRequest(req, manifestPort)
        .then(async (request) => {
          if (!request) {
            writeResponse(res, {
              statusCode: 413,
              // The rest of the body is not read: the connection cannot carry another request.
              headers: { 'content-type': 'application/json', connection: 'close' },
              body: JSON.stringify({ error: 'PayloadTooLarge', message: 'request body too large' }),
            });
            return;
          }
          writeResponse(res, await ingest.handle(request));
        })
        .catch((err: unknown) => {
          logger.error('request failed', { error: errorMessage(err) });
          if (!res.headersSent) {
            writeResponse(res, {
              statusCode: 500,
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ error: 'Internal', message: 'internal error' }),
            });
          }
        });
    });
    const port = await listen(server, options.portMap?.[manifestPort] ?? manifestPort, host);
    servers.push(server);
    urls.set(manifestPort, `http://${host}:${port}`);
  }

  const calendars = startCalendarTimers(set, bus, {
    log: ({ msg, ...fields }) => logger.info(typeof msg === 'string' ? msg : 'calendar', fields),
  });

  print(
    `Outrigger local runner: ${set.eventSources.length} event source(s), ${set.sensors.length} sensor(s)`,
  );
  for (const route of ingest.routes) {
    print(
      `  ${route.method} ${urls.get(Number(route.port))}${route.path} → ${route.eventSourceName}/${route.eventName}`,
    );
  }
  print(`  bus: ${options.bus ?? busKindOf(findEventBus(set))} · Kubernetes: ${cluster}`);

  return {
    set,
    bus,
    ingest,
    store,
    urls,
    cluster,
    async close() {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      calendars.stop();
      await Promise.all(subscriptions.map((s) => s.stop()));
      // The JetStream state store has a connection of its own: left open, it would reconnect forever.
      await Promise.all([bus.close(), store.close?.()]);
      out?.close();
    },
  };
}
