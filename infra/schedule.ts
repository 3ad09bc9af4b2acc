/**
 * Argo calendar schedules (robfig/cron as Argo reads them, or a Go duration `interval`) as EventBridge
 * Scheduler expressions: `cron(min hour dom month dow year)` or `rate(n unit)`
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html).
 */
import { parseGoDuration } from '../lib/manifests/checks.ts';

/** A Scheduler expression with the time zone it is read in. */
export interface SchedulerExpression {
  expression: string;
  timezone: string | undefined;
}

const descriptors: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** `rate(...)` for a Go duration; Scheduler counts whole minutes, so shorter or uneven intervals are refused. */
export function rateExpression(duration: string): string {
  const ms = parseGoDuration(duration);
  if (ms === undefined || ms <= 0) throw new Error(`invalid interval \`${duration}\``);
  const minutes = ms / 60_000;
  if (!Number.isInteger(minutes)) {
    throw new Error(
      `interval \`${duration}\` is not a whole number of minutes; EventBridge Scheduler runs at most once a minute`,
    );
  }
  if (minutes % 1440 === 0) return `rate(${minutes / 1440} ${minutes === 1440 ? 'day' : 'days'})`;
  if (minutes % 60 === 0) return `rate(${minutes / 60} ${minutes === 60 ? 'hour' : 'hours'})`;
  return `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;
}

/** Standard day-of-week (0-6 or 7, Sunday first) as Scheduler's 1-7 (Sunday = 1); names pass through. */
function awsWeekday(value: string): string {
  if (!/^\d+$/.test(value)) return value.toUpperCase();
  return String((Number(value) % 7) + 1);
}

function convertWeekdays(field: string): string {
  return field
    .split(',')
    .map((part) => {
      const [range = '', step] = part.split('/');
      const converted = range === '*' ? '*' : range.split('-').map(awsWeekday).join('-');
      return step === undefined ? converted : `${converted === '*' ? '1' : converted}/${step}`;
    })
    .join(',');
}

/** `*\/n` is written `start/n` in Scheduler cron. */
function convertSteps(field: string, start: string): string {
  return field.replace(/(^|,)\*\//g, `$1${start}/`);
}

function isAny(field: string): boolean {
  return field === '*' || field === '?';
}

/** A robfig/cron schedule as a Scheduler `cron(...)` expression; throws what cannot be expressed. */
export function cronExpression(schedule: string): SchedulerExpression {
  let spec = schedule.trim();
  let timezone: string | undefined;
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(spec);
  if (tz) {
    timezone = tz[1];
    spec = spec.slice(tz[0].length);
  }
  if (spec.startsWith('@every ')) return { expression: rateExpression(spec.slice(7).trim()), timezone };
  spec = descriptors[spec] ?? spec;
  let fields = spec.split(/\s+/).filter((field) => field !== '');
  if (fields.length === 6) {
    const [seconds, ...rest] = fields;
    if (seconds !== '0') {
      throw new Error(
        `schedule \`${schedule}\` fires on seconds other than 0; Scheduler's finest unit is the minute`,
      );
    }
    fields = rest;
  }
  if (fields.length !== 5) throw new Error(`schedule \`${schedule}\` is not a 5-field cron`);
  const [minute = '*', hour = '*', dom = '*', month = '*', dow = '*'] = fields;
  if (!isAny(dom) && !isAny(dow)) {
    // Standard cron fires when either field matches; Scheduler cannot say "or" between them.
    throw new Error(
      `schedule \`${schedule}\` restricts both day of month and day of week; EventBridge Scheduler allows one of them: split it into two calendar events`,
    );
  }
  const awsDom = isAny(dom) ? (isAny(dow) ? '*' : '?') : convertSteps(dom, '1');
  const awsDow = isAny(dow) ? '?' : convertWeekdays(dow);
  const expression = `cron(${convertSteps(minute, '0')} ${convertSteps(hour, '0')} ${awsDom} ${convertSteps(month, '1')} ${awsDow} *)`;
  return { expression, timezone };
}

/** The Scheduler expression of an Argo calendar event spec (`schedule` wins over `interval`, as upstream). */
export function calendarExpression(spec: {
  schedule?: string;
  interval?: string;
  timezone?: string;
}): SchedulerExpression {
  if (spec.schedule) {
    const parsed = cronExpression(spec.schedule);
    return { expression: parsed.expression, timezone: parsed.timezone ?? spec.timezone };
  }
  if (spec.interval) return { expression: rateExpression(spec.interval), timezone: spec.timezone };
  throw new Error('a calendar needs `schedule` or `interval`');
}
