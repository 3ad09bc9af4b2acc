/**
 * The JetStream stream as Argo Events lays it out (argoproj/argo-events: pkg/eventbus/jetstream/base/jetstream.go
 * `CreateStream`), and the EventBus `streamConfig` text merged over its defaults. Pure: no nats.ws import.
 */
import { ManifestError } from '../../errors.ts';
import { parseGoDurationNs } from '../../expr/go-duration.ts';

/** Stream settings in nats-server's JSON API names (durations in nanoseconds). */
export interface StreamSettings {
  name: string;
  subjects: string[];
  retention: 'limits' | 'interest' | 'workqueue';
  discard: 'old' | 'new';
  max_msgs: number;
  max_age: number;
  max_bytes: number;
  storage: 'file';
  num_replicas: number;
  duplicate_window: number;
}

/** Argo's `streamConfig` keys (viper reads them case-insensitively), as a parsed object. */
export type ArgoStreamConfig = Record<string, unknown>;

/** Parses a Go `time.Duration` string (`168h`, `1m30s`, `500ms`) or an integer of nanoseconds. */
export function parseGoDuration(value: unknown, field = 'duration'): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value !== 'string')
    throw configError(field, `expected a Go duration such as "300s", got ${JSON.stringify(value)}`);
  const text = value.trim();
  if (/^-?\d+$/.test(text)) return Number(text);
  const ns = parseGoDurationNs(text);
  if (ns !== undefined) return Math.round(ns);
  if (text.replace(/^[-+]/, '') === '') throw configError(field, 'empty duration');
  throw configError(field, `"${value}" is not a Go duration (use units h, m, s, ms, us, ns)`);
}

function configError(field: string, message: string): ManifestError {
  return new ManifestError([
    {
      file: '<EventBus>',
      line: 0,
      column: 0,
      path: `spec.jetstreamExotic.streamConfig.${field}`,
      message,
      severity: 'error',
    },
  ]);
}

const RETENTION = ['limits', 'interest', 'workqueue'] as const;
const DISCARD = ['old', 'new'] as const;

function integer(value: unknown, field: string): number {
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw configError(field, `expected an integer, got ${JSON.stringify(value)}`);
  return n;
}

function policy<T extends string>(value: unknown, names: readonly T[], field: string): T {
  // Argo stores these as Go enum integers (0 = limits / old); the names are accepted too.
  if (typeof value === 'string' && (names as readonly string[]).includes(value.toLowerCase())) {
    return value.toLowerCase() as T;
  }
  const name = names[integer(value, field)];
  if (name === undefined) throw configError(field, `expected 0..${names.length - 1} (${names.join(', ')})`);
  return name;
}

/** Each Argo key (lower-cased) and how it lands in the stream settings. */
const APPLY: Record<string, (settings: StreamSettings, value: unknown) => void> = {
  maxmsgs: (s, v) => {
    s.max_msgs = integer(v, 'maxMsgs');
  },
  maxage: (s, v) => {
    s.max_age = parseGoDuration(v, 'maxAge');
  },
  maxbytes: (s, v) => {
    s.max_bytes = integer(v, 'maxBytes');
  },
  replicas: (s, v) => {
    s.num_replicas = integer(v, 'replicas');
  },
  duplicates: (s, v) => {
    s.duplicate_window = parseGoDuration(v, 'duplicates');
  },
  retention: (s, v) => {
    s.retention = policy(v, RETENTION, 'retention');
  },
  discard: (s, v) => {
    s.discard = policy(v, DISCARD, 'discard');
  },
};

/**
 * Parses `streamConfig` given as Argo's YAML text or as an already parsed object. `yaml` is imported only
 * for text, so a deployment that ships the compiled (parsed) configuration never loads it.
 */
export async function parseStreamConfig(
  config: string | ArgoStreamConfig | undefined,
): Promise<ArgoStreamConfig> {
  if (config === undefined) return {};
  if (typeof config !== 'string') return config;
  const { parse } = await import('yaml');
  const parsed: unknown = parse(config);
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw configError('', 'streamConfig must be a YAML mapping');
  return parsed as ArgoStreamConfig;
}

export interface StreamDefaults {
  streamName: string;
  subjectPrefix: string;
  duplicateWindowMs: number;
}

/**
 * The stream Outrigger creates when it is missing: Argo's layout and controller defaults
 * (argoproj/argo-events: manifests/base/controller-manager/controller-config.yaml) with one replica, since
 * a local or single-node server refuses three; `streamConfig` (parsed) is merged over them.
 */
export function streamSettings(defaults: StreamDefaults, config: ArgoStreamConfig = {}): StreamSettings {
  const settings: StreamSettings = {
    name: defaults.streamName,
    subjects: [`${defaults.subjectPrefix}.*.*`],
    retention: 'limits',
    discard: 'old',
    max_msgs: 50_000,
    max_age: 168 * 3600e9,
    max_bytes: -1,
    storage: 'file',
    num_replicas: 1,
    duplicate_window: defaults.duplicateWindowMs * 1e6,
  };
  for (const [key, value] of Object.entries(config)) {
    const apply = APPLY[key.toLowerCase()];
    if (!apply) {
      throw configError(
        key,
        `unknown streamConfig key; Argo reads ${['maxMsgs', 'maxAge', 'maxBytes', 'replicas', 'duplicates', 'retention', 'discard'].join(', ')}`,
      );
    }
    apply(settings, value);
  }
  return settings;
}
