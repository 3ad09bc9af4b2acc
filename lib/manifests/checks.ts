/**
 * Value checks shared by the manifest schemas: Go durations, cron schedules, time zones, `HH:MM:SS`
 * times, RE2 regexes, `conditions` expressions and Go templates. Each returns a message when the value is
 * refused, or undefined; none throws.
 */
import { RE2JS } from 're2js';
import { parseGoDurationNs } from '../expr/go-duration.ts';
import { compileGovaluate } from '../expr/govaluate/index.ts';
import { compileTemplate } from '../expr/template/index.ts';

// ---------------------------------------------------------------- durations

/** Parses a Go `time.ParseDuration` string (`1h30m`, `10s`) into milliseconds; undefined when invalid. */
export function parseGoDuration(text: string): number | undefined {
  const ns = parseGoDurationNs(text);
  return ns === undefined ? undefined : ns / 1e6;
}

/** A Go duration such as `10s` or `1h30m`. */
export function checkGoDuration(text: string): string | undefined {
  return parseGoDuration(text) === undefined
    ? `\`${text}\` is not a Go duration (write e.g. \`30s\`, \`5m\`, \`1h30m\`)`
    : undefined;
}

/** A positive Go duration. */
export function checkPositiveGoDuration(text: string): string | undefined {
  const ms = parseGoDuration(text);
  if (ms === undefined) return checkGoDuration(text);
  return ms > 0 ? undefined : `\`${text}\` must be a positive duration`;
}

// ---------------------------------------------------------------- time zones and times

/** An IANA time zone name (Go's `time.LoadLocation`: empty and `UTC` mean UTC). */
export function checkTimezone(name: string): string | undefined {
  if (name === '' || name === 'UTC' || name === 'Local') return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return undefined;
  } catch {
    return `invalid timezone \`${name}\` (use an IANA name such as \`Europe/Paris\`)`;
  }
}

const clockTime = /^(\d{1,2}):(\d{2}):(\d{2})$/;

/** Seconds since midnight of an `HH:MM:SS` time (Go layout `15:04:05`), or undefined. */
export function parseClockTime(text: string): number | undefined {
  const match = clockTime.exec(text);
  if (match === null) return undefined;
  const [hours, minutes, seconds] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  return hours * 3600 + minutes * 60 + seconds;
}

/** An `HH:MM:SS` time. */
export function checkClockTime(text: string): string | undefined {
  return parseClockTime(text) === undefined
    ? `\`${text}\` is not a time of day in the form HH:MM:SS`
    : undefined;
}

// ---------------------------------------------------------------- cron

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const secondField: CronField = { name: 'second', min: 0, max: 59 };
const standardFields: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: months },
  { name: 'day of week', min: 0, max: 6, names: weekdays },
];
const descriptors = new Set([
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
]);

function cronValue(text: string, field: CronField): number | undefined {
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + (field.name === 'month' ? 1 : 0);
  if (!/^\d+$/.test(text)) return undefined;
  return Number(text);
}

function checkCronField(text: string, field: CronField): string | undefined {
  for (const part of text.split(',')) {
    const [range, step, extra] = part.split('/');
    if (extra !== undefined || range === undefined || range === '')
      return `invalid ${field.name} \`${part}\``;
    if (step !== undefined && !/^[1-9]\d*$/.test(step))
      return `invalid step \`${step}\` in the ${field.name} field`;
    if (range === '*' || range === '?') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `invalid range \`${range}\` in the ${field.name} field`;
    const values = bounds.map((bound) => cronValue(bound, field));
    for (const [index, value] of values.entries()) {
      if (value === undefined) return `invalid ${field.name} \`${bounds[index]}\``;
      if (value < field.min || value > field.max) {
        return `${field.name} \`${bounds[index]}\` is out of range ${field.min}-${field.max}`;
      }
    }
    if (values.length === 2 && values[0]! > values[1]!)
      return `range \`${range}\` in the ${field.name} field runs backwards`;
  }
  return undefined;
}

/**
 * A cron schedule as robfig/cron reads it: 5 fields (minute hour day-of-month month day-of-week), 6 with a
 * leading seconds field, a descriptor (`@hourly`, `@every 5m`), each optionally prefixed `CRON_TZ=<zone>`.
 */
export function checkCron(text: string): string | undefined {
  let spec = text.trim();
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(spec);
  if (tz) {
    const problem = checkTimezone(tz[1]!);
    if (problem) return `invalid cron \`${text}\`: ${problem}`;
    spec = spec.slice(tz[0].length);
  }
  if (spec.startsWith('@')) {
    if (descriptors.has(spec)) return undefined;
    if (spec.startsWith('@every ')) {
      const problem = checkPositiveGoDuration(spec.slice('@every '.length).trim());
      return problem ? `invalid cron \`${text}\`: ${problem}` : undefined;
    }
    return `invalid cron \`${text}\`: unknown descriptor (use @yearly, @monthly, @weekly, @daily, @hourly or @every <duration>)`;
  }
  const parts = spec.split(/\s+/).filter((part) => part !== '');
  let fields: readonly CronField[];
  if (parts.length === 5) fields = standardFields;
  else if (parts.length === 6) fields = [secondField, ...standardFields];
  else {
    return `invalid cron \`${text}\`: expected 5 fields (minute hour day-of-month month day-of-week), found ${parts.length}`;
  }
  for (const [index, part] of parts.entries()) {
    const problem = checkCronField(part, fields[index]!);
    if (problem) return `invalid cron \`${text}\`: ${problem}`;
  }
  return undefined;
}

// ---------------------------------------------------------------- regexes

/** A Go RE2 regular expression (data filter string values are matched unanchored with it). */
export function checkRe2(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (err) {
    return `invalid regular expression: ${err instanceof Error ? err.message : String(err)}`;
  }
}

// ---------------------------------------------------------------- templates

const templateAction = /\{\{(.*?)\}\}/gs;
const quoted = /"(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)*'/g;
const envCall = /(?<![\w.$])(env|expandenv)(?![\w])/;

/**
 * Refuses Go templates calling sprig's `env` or `expandenv` (a manifest must not read the function's
 * environment), and templates that do not parse: upstream finds those only when the first event arrives.
 */
export function checkTemplateFunctions(template: string): string | undefined {
  for (const action of template.matchAll(templateAction)) {
    const code = (action[1] ?? '').replace(quoted, '""');
    const call = envCall.exec(code);
    if (call) {
      return `templates may not call \`${call[1]}\`: Outrigger refuses \`env\` and \`expandenv\` so a manifest cannot read the function's environment`;
    }
  }
  try {
    compileTemplate(template);
    return undefined;
  } catch (err) {
    return `invalid Go template: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** A govaluate expression (`filters.exprs[].expr`) that parses; upstream finds errors only at run time. */
export function checkGovaluate(expression: string): string | undefined {
  try {
    compileGovaluate(expression);
    return undefined;
  } catch (err) {
    return `invalid expression: ${err instanceof Error ? err.message : String(err)}`;
  }
}

// ---------------------------------------------------------------- conditions

/** The dependency names a `conditions` expression uses, or the reason it cannot be parsed. */
export type ConditionsParse = { names: string[] } | { error: string };

/**
 * Parses a trigger's `conditions`: dependency names combined with `&&`, `||` and parentheses
 * (argoproj/argo-events: pkg/sensors/listener.go, getDependencyExpression; evaluated by govaluate).
 */
export function parseConditions(text: string): ConditionsParse {
  const tokens: { value: string; at: number }[] = [];
  const lexer = /\s*(?:(&&|\|\|)|([()])|([A-Za-z0-9_][A-Za-z0-9_-]*)|(\S))/y;
  while (lexer.lastIndex < text.length) {
    const at = lexer.lastIndex;
    const match = lexer.exec(text);
    if (match === null) break;
    if (match[4] !== undefined) {
      return {
        error: `unexpected \`${match[4]}\` at column ${at + match[0].indexOf(match[4]) + 1}; use dependency names, &&, || and parentheses`,
      };
    }
    const value = match[1] ?? match[2] ?? match[3];
    if (value !== undefined) tokens.push({ value, at: at + match[0].length - value.length });
  }
  if (tokens.length === 0) return { error: 'is empty; omit `conditions` to require every dependency' };
  const names: string[] = [];
  let position = 0;
  const isName = (value: string) => /^[A-Za-z0-9_]/.test(value);
  const fail = (expected: string): { error: string } => {
    const token = tokens[position];
    return {
      error: token
        ? `expected ${expected} at column ${token.at + 1}, found \`${token.value}\``
        : `expected ${expected} at the end`,
    };
  };
  // Recursive descent: or := and ('||' and)*; and := atom ('&&' atom)*; atom := name | '(' or ')'.
  const parseAtom = (): { error: string } | undefined => {
    const token = tokens[position];
    if (token?.value === '(') {
      position++;
      const inner = parseOr();
      if (inner) return inner;
      if (tokens[position]?.value !== ')') return fail('`)`');
      position++;
      return undefined;
    }
    if (token && isName(token.value)) {
      names.push(token.value);
      position++;
      return undefined;
    }
    return fail('a dependency name or `(`');
  };
  const parseAnd = (): { error: string } | undefined => {
    let problem = parseAtom();
    while (!problem && tokens[position]?.value === '&&') {
      position++;
      problem = parseAtom();
    }
    return problem;
  };
  const parseOr = (): { error: string } | undefined => {
    let problem = parseAnd();
    while (!problem && tokens[position]?.value === '||') {
      position++;
      problem = parseAnd();
    }
    return problem;
  };
  const problem = parseOr();
  if (problem) return problem;
  if (position < tokens.length) return fail('`&&`, `||` or the end');
  return { names };
}

/** Argo resolves condition names with `-` read as `_` (govaluate would read `-` as subtraction). */
export function conditionKey(name: string): string {
  return name.replaceAll('-', '_');
}

/**
 * An S3 endpoint as minio-go takes it (Argo's S3Artifact): `host` or `host:port`, no scheme or path;
 * `insecure: true` picks http.
 */
export function checkS3Endpoint(text: string): string | undefined {
  if (/^[A-Za-z0-9.-]+(?::\d{1,5})?$/.test(text)) return undefined;
  const bare = text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  if (bare !== text) {
    return `must be a host or host:port without a scheme, e.g. \`${bare.replace(/\/.*$/, '')}\` (set \`insecure: true\` for http)`;
  }
  return 'must be a host or host:port, e.g. `s3.amazonaws.com` or `minio.example.com:9000`';
}
