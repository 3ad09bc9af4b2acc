/**
 * Fuzz targets (issue 10): each is a fast-check property that feeds hostile input to one parser and holds
 * when it answers or refuses with its typed error; anything else (a TypeError, a stack overflow that
 * escapes, a hang) fails. Shared by `npm run fuzz` (a million cases) and fuzz.test.ts (a sample).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { MemoryBus } from '../../lib/bus/memory/index.ts';
import { ManifestError, OutriggerError } from '../../lib/errors.ts';
import { scanJson } from '../../lib/events/json-scan.ts';
import { get } from '../../lib/expr/gjson.ts';
import { compileGovaluate } from '../../lib/expr/govaluate/index.ts';
import { del, set } from '../../lib/expr/sjson.ts';
import { compileTemplate } from '../../lib/expr/template/index.ts';
import { loadManifestText } from '../../lib/manifests/index.ts';
import { createStaticSecretResolver } from '../../lib/secrets/local.ts';
import { toEventBridgeSchedule } from '../../lib/sources/calendar/eventbridge.ts';
import { compileCalendar, nextFireTime } from '../../lib/sources/calendar/schedule.ts';
import type { HttpRequest } from '../../lib/sources/http.ts';
import { createIngest } from '../../lib/sources/ingest.ts';
import { corpusDir, corpusSecrets } from '../bad-input/corpus.ts';

/** Typed refusals are fine; anything else is a bug. */
function tolerate(err: unknown): void {
  if (err instanceof OutriggerError) return;
  throw err;
}

function attempt(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    tolerate(err);
  }
}

const pick = <T>(...values: T[]) => fc.constantFrom(...values);
const fromChars = (chars: string, maxLength: number) =>
  fc.array(fc.constantFrom(...chars.split('')), { maxLength }).map((cs) => cs.join(''));
/** Strings mixing a grammar's tokens with arbitrary text, so parsers see both near-misses and noise. */
const tokens = (words: readonly string[], maxLength = 12) =>
  fc
    .array(fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 3 })), { maxLength })
    .map((parts) => parts.join(''));

const jsonText = fc.oneof(fc.json({ maxDepth: 3 }), fromChars('{}[]":,0123456789.eE+-truefalsn \\/u', 40));
const spacedJson = fc
  .tuple(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(undefined, 1, '\t'))
  .map(([value, space]) => Buffer.from(JSON.stringify(value, null, space) ?? 'null'));
const jsonNoise = [...'{}[]":,\\ \t\n0-.eEu'].map((c) => c.charCodeAt(0)).concat(0xff);
/** JSON documents, compact and spaced, and the same cut short, missing a byte or with one replaced; and noise. */
export const jsonBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  spacedJson,
  fc
    .tuple(spacedJson, fc.nat(), fc.constantFrom(...jsonNoise), fc.constantFrom('cut', 'drop', 'replace'))
    .map(([bytes, n, byte, how]) => {
      const at = n % (bytes.length + 1);
      if (how === 'cut') return bytes.subarray(0, at);
      if (how === 'drop') return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
      const copy = Buffer.from(bytes);
      if (at < copy.length) copy[at] = byte;
      return copy;
    }),
  jsonText.map((text) => Buffer.from(text, 'utf8')),
  fc.uint8Array({ maxLength: 40 }),
);

const gjsonPath = fc.oneof(
  fromChars('ab.|#@*?!\\[]{}()"=<>%~:,0123456789 -', 30),
  tokens([
    'a',
    'b',
    '.',
    '#',
    '#(',
    ')',
    '|',
    '@reverse',
    '@this',
    '@flatten',
    '@join',
    '==',
    '%',
    '*',
    '?',
    '\\.',
    '[',
    ']',
    '{',
    '}',
    ',',
    '"x"',
    '!',
    '..',
    '@pretty:{"indent":"  "}',
  ]),
);

const templateText = tokens([
  '{{',
  '}}',
  '{{-',
  '-}}',
  '.',
  '.Input',
  '.Input.body',
  ' ',
  '|',
  'if',
  'else',
  'end',
  'range',
  'with',
  'define "x"',
  'template "x"',
  'block "b" .',
  'printf "%v"',
  '"s"',
  '1',
  '2.5',
  'nil',
  'len',
  'index',
  'and',
  'or',
  'not',
  'eq',
  'lt',
  '$x :=',
  '$x',
  '(',
  ')',
  'upper',
  'toJson',
  'b64enc',
  'default "d"',
  'split ","',
  'repeat 3',
  'until 5',
  'list 1 2',
  'dict "a" 1',
  'env',
  'expandenv',
  '/*',
  '*/',
  'break',
  'continue',
]);
const govaluateText = tokens([
  'a',
  'b',
  '[c d]',
  '1',
  '2.5',
  '0x1F',
  "'s'",
  '"t"',
  'true',
  'false',
  'nil',
  '+',
  '-',
  '*',
  '/',
  '%',
  '**',
  '&&',
  '||',
  '!',
  '==',
  '!=',
  '<',
  '>=',
  '=~',
  '!~',
  '?',
  ':',
  '??',
  '(',
  ')',
  ',',
  'IN',
  '&',
  '|',
  '^',
  '~',
  '<<',
  '>>',
  'len(',
  'foo(',
  '.',
  '2006-01-02',
  "'2006-01-02T15:04:05Z'",
  ' ',
]);
const govaluateParams = fc.dictionary(
  pick('a', 'b', 'c d', 'x'),
  fc.oneof(
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 5 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.integer(), { maxLength: 3 }),
  ),
);
const cronText = fc.oneof(
  tokens(
    [
      '*',
      '*/',
      '/',
      '-',
      ',',
      '?',
      'L',
      'W',
      '#',
      '0',
      '5',
      '7',
      '12',
      '23',
      '31',
      '59',
      '60',
      'MON',
      'jan',
      'SUN-SAT',
      ' ',
      '@hourly',
      '@every ',
      '1h',
      '90s',
      'TZ=UTC ',
      'CRON_TZ=Europe/Paris ',
    ],
    14,
  ),
  fc
    .array(
      fc.oneof(
        pick('*', '*/5', '1-5', '0', '59', '1,2,3', '?', 'MON-FRI', 'JAN'),
        fc.string({ maxLength: 3 }),
      ),
      { minLength: 4, maxLength: 7 },
    )
    .map((fields) => fields.join(' ')),
);

const manifestSecrets = createStaticSecretResolver(corpusSecrets);
const httpSet = loadManifestText(
  readFileSync(path.join(corpusDir, 'http-eventsource.yaml'), 'utf8'),
  'http-eventsource.yaml',
);
const signatureValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  tokens(
    [
      'sha1=',
      'sha256=',
      'sha512=',
      'v0=',
      'v1=',
      't=',
      ',',
      '=',
      'Bearer ',
      'tok',
      'deadbeef',
      '00',
      'zz',
      ' ',
      '\t',
      'gl-token',
      'ÿ',
    ],
    10,
  ),
);
const headerName = pick(
  'x-hub-signature-256',
  'x-hub-signature',
  'x-signature',
  'authorization',
  'x-gitlab-token',
  'content-type',
  'x-slack-signature',
  'x-slack-request-timestamp',
  'stripe-signature',
  'x-github-delivery',
  'x-github-event',
  'X-Hub-Signature-256',
  'content-length',
  '__proto__',
  'constructor',
);
const request = fc.record({
  method: pick('POST', 'PUT', 'GET', 'post', 'DELETE'),
  path: pick(
    '/plain',
    '/hmac',
    '/b64',
    '/bearer',
    '/gh',
    '/gl',
    '/slack',
    '/stripe',
    '/small',
    '/put',
    '/nope',
  ),
  headers: fc.dictionary(headerName, fc.oneof(signatureValue, fc.array(signatureValue, { maxLength: 3 })), {
    maxKeys: 5,
  }),
  body: fc.oneof(
    fc.json({ maxDepth: 2 }),
    fc.string({ maxLength: 80 }),
    fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('latin1')),
  ),
});

const yamlish = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9 :\-[\]{}#&*!|>'"%@`,?\n\t.]*$/),
  tokens(
    [
      'apiVersion: argoproj.io/v1alpha1\n',
      'kind: Sensor\n',
      'kind: EventSource\n',
      'kind: EventBus\n',
      'metadata:\n',
      '  name: s\n',
      'spec:\n',
      '  dependencies:\n',
      '    - name: d\n',
      '      eventSourceName: es\n',
      '      eventName: e\n',
      '  triggers:\n',
      '    - template:\n',
      '        name: t\n',
      '        log: {}\n',
      '  webhook:\n',
      '    e:\n',
      '      endpoint: /e\n',
      '      port: "12000"\n',
      '---\n',
      '&a ',
      '*a',
      '<<: ',
      '!!binary ',
      '{',
      '}',
      '[',
      ']',
      '\t',
    ],
    16,
  ),
);

export interface FuzzTarget {
  name: string;
  /** Share of the full run's cases. */
  weight: number;
  property: () => fc.IRawProperty<unknown, boolean>;
}

/** Every target; `property()` builds a fresh property (the ingest target gets its own bus). */
export const fuzzTargets: FuzzTarget[] = [
  {
    name: 'gjson get',
    weight: 0.59,
    property: () =>
      fc.property(jsonText, gjsonPath, (json, p) => {
        // gjson answers every input; it has no errors to throw.
        const result = get(json, p);
        void result.raw;
        void result.value();
      }),
  },
  {
    name: 'JSON scan against JSON.parse',
    weight: 0.05,
    property: () =>
      fc.property(jsonBytes, (bytes) => {
        // The source function's check must accept exactly what the sensor's JSON.parse will.
        let parses = true;
        try {
          JSON.parse(Buffer.from(bytes).toString('utf8'));
        } catch {
          parses = false;
        }
        if ((scanJson(bytes) !== undefined) !== parses) throw new Error(`scanJson disagrees with JSON.parse`);
      }),
  },
  {
    name: 'sjson set/delete',
    weight: 0.08,
    property: () =>
      fc.property(jsonText, gjsonPath, fc.json({ maxDepth: 2 }), (json, p, value) => {
        attempt(() => set(json, p, JSON.parse(value)));
        attempt(() => del(json, p));
      }),
  },
  {
    name: 'Go templates',
    weight: 0.12,
    property: () =>
      fc.property(templateText, fc.json({ maxDepth: 2 }), (text, data) => {
        attempt(() => compileTemplate(text).execute({ Input: JSON.parse(data) }));
      }),
  },
  {
    name: 'govaluate',
    weight: 0.08,
    property: () =>
      fc.property(govaluateText, govaluateParams, (text, params) => {
        attempt(() => compileGovaluate(text).evaluate(params));
      }),
  },
  {
    name: 'cron translation',
    weight: 0.08,
    property: () =>
      fc.property(
        cronText,
        pick(undefined, 'UTC', 'Europe/Paris', 'America/New_York'),
        (schedule, timezone) => {
          const spec = { schedule, ...(timezone === undefined ? {} : { timezone }) };
          attempt(() => nextFireTime(compileCalendar(spec), Date.UTC(2025, 2, 30, 0, 30)));
          attempt(() => toEventBridgeSchedule(spec));
        },
      ),
  },
  {
    name: 'headers and signatures',
    weight: 0.03,
    property: () => {
      const bus = new MemoryBus();
      const ingest = createIngest(httpSet, { bus, secrets: manifestSecrets });
      return fc.asyncProperty(request, async (r) => {
        const req: HttpRequest = { ...r, rawQuery: '', body: Buffer.from(r.body, 'latin1') };
        const before = bus.log.length;
        const response = await ingest.handle(req);
        // A random request is refused, and never with a 5xx (the bus is healthy): no crash, no publish.
        if (response.statusCode >= 500) throw new Error(`answered ${response.statusCode}: ${response.body}`);
        if (response.statusCode < 300 && !['/plain', '/put', '/small'].includes(req.path)) {
          throw new Error(`accepted ${req.path} without credentials`);
        }
        if (response.statusCode >= 300 && bus.log.length !== before) {
          throw new Error(`refused with ${response.statusCode}, yet published`);
        }
      });
    },
  },
  {
    name: 'manifest loading',
    weight: 0.02,
    property: () =>
      fc.property(yamlish, (text) => {
        try {
          loadManifestText(text, 'fuzz.yaml');
        } catch (err) {
          if (!(err instanceof ManifestError)) throw err;
        }
      }),
  },
];
