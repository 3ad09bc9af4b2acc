/**
 * Starts a real `nats-server` (the Debian package) per test file, as nats.js's test harness does: JetStream
 * on a temporary file store, a no-TLS websocket listener for `nats.ws`, and every port on 127.0.0.1.
 * The first start lets the server pick free ports (`-1`) and reads them back from its ports file, so no
 * other process can grab a port between "find a free one" and "bind it"; `restart()` reuses those ports.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface NatsServerOptions {
  /** Clients must send this token. */
  token?: string;
  /** Clients must send this user and password. */
  user?: { user: string; pass: string };
  /** Milliseconds to wait for the server to be ready (default 10 s). */
  readyTimeoutMs?: number;
}

export interface NatsServer {
  /** Websocket URL for `nats.ws`: `ws://127.0.0.1:PORT`. */
  readonly url: string;
  /** Plain client URL: `nats://127.0.0.1:PORT`. */
  readonly natsUrl: string;
  /** Monitoring URL (`/healthz`, `/jsz`). */
  readonly monitorUrl: string;
  /** JetStream store directory; survives `restart()`. */
  readonly storeDir: string;
  /** Stops the server (SIGTERM, then SIGKILL) and keeps the store. */
  kill(): Promise<void>;
  /** Starts the stopped server again on the same ports and store. */
  start(): Promise<void>;
  /** `kill()` then `start()`. */
  restart(): Promise<void>;
  /** Freezes the process for `ms` (SIGSTOP, then SIGCONT), as a long GC pause or a stalled disk would. */
  pause(ms: number): Promise<void>;
  /** Stops the server and deletes its temporary directory. */
  stop(): Promise<void>;
}

interface Ports {
  nats: string[];
  monitoring: string[];
  websocket: string[];
}

const CANDIDATES = ['/usr/sbin', '/usr/bin', '/usr/local/bin'];

/** Path of the nats-server binary: `NATS_SERVER_BIN`, else the PATH and the Debian locations. */
export function findNatsServer(): string | undefined {
  const fromEnv = process.env.NATS_SERVER_BIN;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...CANDIDATES].filter(Boolean);
  const paths = fromEnv ? [fromEnv] : dirs.map((dir) => join(dir, 'nats-server'));
  return paths.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * True when nats-server can run. When it cannot: prints a loud warning and returns false locally (the
 * caller skips its suite), and throws under CI (`CI=true`), where a silently skipped bus suite would pass.
 */
export function requireNatsServer(): boolean {
  if (findNatsServer()) return true;
  const message =
    'nats-server not found (PATH, /usr/sbin, NATS_SERVER_BIN): the JetStream bus tests cannot run. ' +
    'Install it with `apt-get install nats-server` (Debian/Ubuntu) or set NATS_SERVER_BIN.';
  if (process.env.CI === 'true') throw new Error(`${message} CI=true, so this is a failure.`);
  const bar = '!'.repeat(100);
  console.warn(`\n${bar}\n!! SKIPPING JetStream tests: ${message}\n${bar}\n`);
  return false;
}

function configText(dir: string, ports: Ports | undefined, options: NatsServerOptions): string {
  const port = (urls: string[] | undefined) => (urls?.[0] ? new URL(urls[0]).port : '-1');
  const lines = [
    `listen: "127.0.0.1:${port(ports?.nats)}"`,
    `http: "127.0.0.1:${port(ports?.monitoring)}"`,
    `ports_file_dir: ${JSON.stringify(dir)}`,
    `jetstream { store_dir: ${JSON.stringify(join(dir, 'store'))} }`,
    `websocket { listen: "127.0.0.1:${port(ports?.websocket)}", no_tls: true }`,
  ];
  if (options.token) lines.push(`authorization { token: ${JSON.stringify(options.token)} }`);
  if (options.user) {
    const { user, pass } = options.user;
    lines.push(`authorization { user: ${JSON.stringify(user)}, password: ${JSON.stringify(pass)} }`);
  }
  return `${lines.join('\n')}\n`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForPorts(dir: string, pid: number, deadline: number, exited: () => string | undefined) {
  const file = join(dir, `nats-server_${pid}.ports`);
  while (Date.now() < deadline) {
    const why = exited();
    if (why) throw new Error(why);
    const names = await readdir(dir);
    if (names.includes(`nats-server_${pid}.ports`)) {
      const text = await readFile(file, 'utf8');
      if (text.trim()) return JSON.parse(text) as Ports;
    }
    await sleep(20);
  }
  throw new Error('nats-server did not write its ports file in time');
}

async function waitForHealth(monitorUrl: string, deadline: number, exited: () => string | undefined) {
  while (Date.now() < deadline) {
    const why = exited();
    if (why) throw new Error(why);
    try {
      const response = await fetch(`${monitorUrl}/healthz?js-enabled-only=true`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  throw new Error(`nats-server at ${monitorUrl} did not become healthy in time`);
}

/** Starts nats-server with JetStream and a websocket listener on free loopback ports. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const binary = findNatsServer();
  if (!binary) throw new Error('nats-server not found; call requireNatsServer() first');
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-nats-'));
  const confPath = join(dir, 'nats.conf');
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  let ports: Ports | undefined;
  let child: ChildProcess | undefined;
  let output = '';

  const launch = async () => {
    await writeFile(confPath, configText(dir, ports, options));
    output = '';
    const proc = spawn(binary, ['-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let exitedWith: string | undefined;
    const capture = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    proc.stdout?.on('data', capture);
    proc.stderr?.on('data', capture);
    proc.once('exit', (code, signal) => {
      exitedWith = `nats-server exited (${code ?? signal}) during start:\n${output}`;
    });
    const deadline = Date.now() + readyTimeoutMs;
    const exited = () => exitedWith;
    const bound = await waitForPorts(dir, proc.pid ?? -1, deadline, exited);
    ports ??= bound;
    await waitForHealth(bound.monitoring[0] ?? '', deadline, exited);
  };

  const kill = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
    // The ports file of the old pid would confuse the next start's wait.
    for (const name of await readdir(dir)) if (name.endsWith('.ports')) await rm(join(dir, name));
  };

  try {
    await launch();
  } catch (err) {
    await kill();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const bound = ports as Ports | undefined;
  if (!bound) throw new Error('nats-server started without reporting its ports');
  return {
    url: bound.websocket[0] ?? '',
    natsUrl: bound.nats[0] ?? '',
    monitorUrl: bound.monitoring[0] ?? '',
    storeDir: join(dir, 'store'),
    kill,
    start: launch,
    restart: async () => {
      await kill();
      await launch();
    },
    pause: async (ms) => {
      const proc = child;
      if (!proc) throw new Error('nats-server is not running');
      proc.kill('SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, ms));
      proc.kill('SIGCONT');
    },
    stop: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
