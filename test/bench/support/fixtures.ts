/**
 * What the benchmarks send: the article's manifests with HMAC verification switched on (so Outrigger does
 * the same work as the HMAC+parse floor), an optional JetStream EventBus, and real GitHub push payloads.
 */
import { createHmac } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments, stringify as toYaml } from 'yaml';
import { pushPayload } from '../../support/github-payloads.ts';

/** The webhook HMAC secret, handed to Outrigger as `OUTRIGGER_SECRET_GITHUB_SECRET`. */
export const BENCH_SECRET = 'bench-secret-not-used-anywhere-else';
export const SECRET_ENV = { OUTRIGGER_SECRET_GITHUB_SECRET: BENCH_SECRET } as const;

/** Repository root. */
export const repoRoot = join(import.meta.dirname, '..', '..', '..');

/**
 * Copies manifests/*.yaml into `dir`, adds `hmac` to every webhook event (secret `github`/`secret`), and
 * writes an EventBus with `jetstreamExotic` when `jetstreamUrl` is given. Returns `dir`.
 */
export async function benchManifests(dir: string, options: { jetstreamUrl?: string } = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const source = join(repoRoot, 'manifests');
  for (const name of (await readdir(source)).filter((n) => n.endsWith('.yaml'))) {
    const docs = parseAllDocuments(await readFile(join(source, name), 'utf8')).map((d) => d.toJS());
    for (const doc of docs as {
      kind?: string;
      spec?: { webhook?: Record<string, Record<string, unknown>> };
    }[]) {
      if (doc.kind !== 'EventSource') continue;
      for (const event of Object.values(doc.spec?.webhook ?? {})) {
        event.hmac = { secret: { name: 'github', key: 'secret' } };
      }
    }
    await writeFile(join(dir, name), docs.map((d) => toYaml(d)).join('---\n'));
  }
  if (options.jetstreamUrl) {
    const bus = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'EventBus',
      metadata: { name: 'default', namespace: 'argo-events' },
      spec: { jetstreamExotic: { url: options.jetstreamUrl } },
    };
    await writeFile(join(dir, 'eventbus.yaml'), toYaml(bus));
  }
  return dir;
}

/** A real GitHub push payload for `ref` of `repo`, as the bytes GitHub sends. */
export function pushBody(ref: string, repo = 'myorg/backend-api', after?: string): Buffer {
  return Buffer.from(JSON.stringify(pushPayload({ ref, repo, ...(after ? { after } : {}) })));
}

/** GitHub's `X-Hub-Signature-256` for `body`. */
export function signature(body: Buffer): string {
  return `sha256=${createHmac('sha256', BENCH_SECRET).update(body).digest('hex')}`;
}

/** The headers GitHub sends with a push delivery; `delivery` makes the event id unique. */
export function pushHeaders(body: Buffer, delivery: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/bench',
    'x-github-event': 'push',
    'x-github-delivery': delivery,
    'x-github-hook-id': '123456789',
    'x-hub-signature-256': signature(body),
  };
}

/**
 * Push bodies with a realistic mix: half reach the build trigger (main, release/*), half are filtered out
 * (feature branches, another repository).
 */
export function pushMix(count: number): Buffer[] {
  const refs = [
    'refs/heads/main',
    'refs/heads/feature/login',
    'refs/heads/release/1.4',
    'refs/heads/fix/typo',
  ];
  const bodies: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const repo = i % 8 === 7 ? 'myorg/frontend' : 'myorg/backend-api';
    const after = i.toString(16).padStart(40, '0');
    bodies.push(pushBody(refs[i % refs.length]!, repo, after));
  }
  return bodies;
}
