/**
 * `outrigger send <eventsource.yaml> <event-name> <payload.json> [--to URL] [--header K=V]`: signs the
 * payload as the source's provider would, with the configured secret resolved locally, and posts it to the
 * local runner (127.0.0.1, the manifest's port and endpoint) or to `--to`. Prints status and event id.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadManifests } from '../../manifests/load.ts';
import type { EventSource } from '../../manifests/types.ts';
import { createLocalSecretResolver } from '../../secrets/local.ts';
import { sourceOf } from '../../sources/index.ts';
import type { CliContext } from '../io.ts';
import { ExitCode, println, raiseExit, usageError } from '../io.ts';
import { newDeliveryId, providerHeaders } from '../sign.ts';
import { manifestFiles } from './validate.ts';

/** The (EventSource, type, spec) serving `eventName`; `source` disambiguates when several do. */
export function findEvent(
  eventSources: readonly EventSource[],
  eventName: string,
  source: string | undefined,
): { eventSource: EventSource; type: string; spec: Record<string, unknown> } {
  const found: { eventSource: EventSource; type: string; spec: Record<string, unknown> }[] = [];
  for (const eventSource of eventSources) {
    if (source !== undefined && eventSource.metadata.name !== source) continue;
    for (const [type, events] of Object.entries(eventSource.spec)) {
      if (type === 'eventBusName' || typeof events !== 'object' || events === null) continue;
      const spec = (events as Record<string, unknown>)[eventName];
      if (Object.hasOwn(events, eventName) && typeof spec === 'object' && spec !== null) {
        found.push({ eventSource, type, spec: spec as Record<string, unknown> });
      }
    }
  }
  if (found.length === 0) {
    const names = eventSources.flatMap((es) =>
      Object.entries(es.spec)
        .filter(([t, e]) => t !== 'eventBusName' && typeof e === 'object' && e !== null)
        .flatMap(([, e]) => Object.keys(e as object).map((n) => `${es.metadata.name}/${n}`)),
    );
    throw usageError(
      `no event "${eventName}"${source ? ` in EventSource "${source}"` : ''} (have: ${names.join(', ') || 'none'})`,
    );
  }
  if (found.length > 1) {
    throw usageError(
      `event "${eventName}" is defined by ${found.map((f) => f.eventSource.metadata.name).join(', ')}; choose one with --source`,
    );
  }
  return found[0]!;
}

/** The URL to post to: `--to` (the endpoint appended unless it already ends with it) or the local runner's. */
export function targetUrl(to: string | undefined, endpoint: string, port: string): string {
  if (to === undefined) return `http://127.0.0.1:${port}${endpoint}`;
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    throw usageError(`--to must be an absolute URL (got "${to}")`);
  }
  if (!url.pathname.endsWith(endpoint)) url.pathname = `${url.pathname.replace(/\/$/, '')}${endpoint}`;
  return url.toString();
}

function parseHeader(value: string, previous: [string, string][]): [string, string][] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw usageError(`--header must be NAME=VALUE (got "${value}")`);
  return [...previous, [value.slice(0, eq), value.slice(eq + 1)]];
}

/** Adds `send` to the program. */
export function registerSend(program: Command, ctx: CliContext): void {
  program
    .command('send')
    .description('sign a payload as the provider would and post it to the local runner or a deployed URL')
    .argument('<eventsource>', 'EventSource manifest file (or folder)')
    .argument('<event-name>', 'the event name under spec.<type>')
    .argument('<payload>', 'JSON file sent as the body, byte for byte')
    .option('--to <url>', 'base URL to post to (default: http://127.0.0.1:<port> from the manifest)')
    .option('-H, --header <name=value>', 'extra or overriding header; repeatable', parseHeader, [])
    .option('--source <name>', 'the EventSource, when several define the event name')
    .option('--secrets-dir <dir>', 'folder of <name>.json secrets (default .outrigger/secrets)')
    .option('--json', 'print {status, id, url, body} as JSON')
    .addHelpText(
      'after',
      '\nSecrets resolve as the local runner does: env OUTRIGGER_SECRET_<NAME>_<KEY>, else <secrets-dir>/<name>.json.\nExit codes: 0 the endpoint answered 2xx, 1 it refused the event or could not be reached, 2 usage.',
    )
    .action(
      async (
        manifest: string,
        eventName: string,
        payloadPath: string,
        opts: {
          to?: string;
          header: [string, string][];
          source?: string;
          secretsDir?: string;
          json?: boolean;
        },
      ) => {
        const set = await loadManifests(await manifestFiles([manifest], ctx.io.cwd));
        const { eventSource, type, spec } = findEvent(set.eventSources, eventName, opts.source);
        const module = sourceOf(type);
        const context = module?.routesOf(spec);
        if (!module || !context)
          throw usageError(`${type} events are not received over HTTP; nothing to send to`);
        let body: Buffer;
        try {
          body = await readFile(resolve(ctx.io.cwd, payloadPath));
        } catch {
          throw usageError(`${payloadPath}: cannot read`);
        }
        const secrets = createLocalSecretResolver({
          baseDir: opts.secretsDir
            ? resolve(ctx.io.cwd, opts.secretsDir)
            : join(ctx.io.cwd, '.outrigger', 'secrets'),
        });
        const headers = await providerHeaders(type, spec, context, body, secrets, {
          nowSeconds: Math.floor(Date.now() / 1000),
          deliveryId: newDeliveryId(),
        });
        for (const [name, value] of opts.header) {
          for (const key of Object.keys(headers))
            if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
          headers[name] = value;
        }
        const url = targetUrl(opts.to, context.endpoint, context.port);
        const method = (context.method ?? 'POST').toUpperCase();
        let response: Response;
        try {
          response = await fetch(url, { method, headers, body: method === 'GET' ? null : body });
        } catch (err) {
          const reason = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
          println(ctx, `${method} ${url}: cannot connect (${reason}); is \`outrigger dev\` running?`);
          raiseExit(ctx, ExitCode.findings);
          return;
        }
        const text = await response.text();
        let answer: { id?: unknown; error?: unknown; message?: unknown; filtered?: unknown } = {};
        try {
          answer = JSON.parse(text) as typeof answer;
        } catch {
          // A non-JSON answer (a handshake, a proxy page) is printed as is.
        }
        const id = typeof answer.id === 'string' ? answer.id : null;
        if (opts.json) {
          println(ctx, JSON.stringify({ status: response.status, id, url, body: text }));
        } else {
          const what = `${eventSource.metadata.name}/${eventName} (${type})`;
          const detail = id
            ? `event id ${id}`
            : answer.filtered
              ? 'filtered out by the EventSource filter'
              : typeof answer.message === 'string'
                ? `${String(answer.error ?? 'error')}: ${answer.message}`
                : text.slice(0, 200);
          println(ctx, `${method} ${url} → ${response.status} ${response.statusText}: ${what}: ${detail}`);
        }
        raiseExit(ctx, response.ok ? ExitCode.ok : ExitCode.findings);
      },
    );
}
