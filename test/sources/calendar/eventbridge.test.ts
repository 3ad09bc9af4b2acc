import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../../lib/errors.ts';
import { nextFireTimes, toEventBridgeSchedule } from '../../../lib/sources/calendar/index.ts';

describe('toEventBridgeSchedule', () => {
  it.each([
    ['* * * * *', 'cron(* * * * ? *)'],
    ['0 0 * * *', 'cron(0 0 * * ? *)'],
    ['*/15 9-17 * * 1-5', 'cron(0/15 9-17 ? * 2-6 *)'],
    ['5/20 * * * *', 'cron(5/20 * * * ? *)'],
    ['*/7 * * * *', 'cron(0/7 * * * ? *)'],
    ['0,30 8,12,18 * * *', 'cron(0,30 8,12,18 * * ? *)'],
    ['0 12 */2 * *', 'cron(0 12 1/2 * ? *)'],
    ['0 0 1,15 * *', 'cron(0 0 1,15 * ? *)'],
    ['0 0 * * 0', 'cron(0 0 ? * 1 *)'],
    ['0 0 * * 6', 'cron(0 0 ? * 7 *)'],
    ['0 0 * * sun,sat', 'cron(0 0 ? * 1,7 *)'],
    ['0 0 * * */2', 'cron(0 0 ? * 1,3,5,7 *)'],
    ['0 0 * jan,jul *', 'cron(0 0 * 1,7 ? *)'],
    ['0 0 1-31 * 1', 'cron(0 0 * * ? *)'],
    ['0 0 ? * ?', 'cron(0 0 * * ? *)'],
    ['@weekly', 'cron(0 0 ? * 1 *)'],
    ['@every 10m', 'rate(10 minutes)'],
    ['0 9 * * *', 'cron(0 9 * * ? *)'],
  ])('translates `%s` to %s', (schedule, expression) => {
    expect(toEventBridgeSchedule({ schedule })).toEqual({ expression, timezone: 'UTC' });
  });

  it.each([
    ['1m', 'rate(1 minute)'],
    ['5m', 'rate(5 minutes)'],
    ['1h30m', 'rate(90 minutes)'],
    ['1h', 'rate(1 hour)'],
    ['24h', 'rate(1 day)'],
    ['72h', 'rate(3 days)'],
  ])('translates the interval %s to %s', (interval, expression) => {
    expect(toEventBridgeSchedule({ interval, timezone: 'Europe/Paris' })).toEqual({
      expression,
      timezone: 'Europe/Paris',
    });
  });

  it('carries the time zone, a CRON_TZ prefix winning over `timezone`', () => {
    expect(toEventBridgeSchedule({ schedule: '0 9 * * 1-5', timezone: 'Europe/Paris' }).timezone).toBe(
      'Europe/Paris',
    );
    expect(
      toEventBridgeSchedule({ schedule: 'CRON_TZ=Asia/Tokyo 0 9 * * *', timezone: 'Europe/Paris' }),
    ).toEqual({
      expression: 'cron(0 9 * * ? *)',
      timezone: 'Asia/Tokyo',
    });
  });

  it.each([
    [{ schedule: '0 0 1 * 1' }, 'restricts both day of month and day of week'],
    [{ schedule: '0 0 */2 * 1-5' }, 'restricts both day of month and day of week'],
    [{ schedule: '30 * * * * *' }, 'seconds other than 0'],
    [{ schedule: '@every 30s' }, 'not a whole number of minutes'],
    [{ interval: '90s' }, 'not a whole number of minutes'],
    [{ interval: '10s' }, 'not a whole number of minutes'],
    [{ schedule: '61 * * * *' }, 'above maximum'],
  ])('refuses %j with the reason', (spec, reason) => {
    // Act
    const act = () => toEventBridgeSchedule(spec);

    // Assess
    expect(act).toThrow(ExpressionError);
    expect(act).toThrow(reason);
  });

  it('produces expressions that fire on the same minutes as the cron they come from', () => {
    // Prepare: read a few translated day-of-week lists back as robfig cron (1-7 → 0-6)
    const schedules = ['0 0 * * */2', '0 6 * * 1-5', '15 */6 * * 0,3'];

    for (const schedule of schedules) {
      // Act
      const { expression } = toEventBridgeSchedule({ schedule });
      const [minute, hour, , , dow] = expression.slice(5, -1).split(' ');
      const back = `${minute!.replace(/^0\//, '*/')} ${hour!.replace(/^0\//, '*/')} * * ${dow!
        .split(',')
        .map((part) =>
          part
            .split('-')
            .map((d) => String(Number(d) - 1))
            .join('-'),
        )
        .join(',')}`;
      const from = new Date('2024-05-01T00:00:00Z');

      // Assess
      expect(nextFireTimes({ schedule: back }, from, 20)).toEqual(nextFireTimes({ schedule }, from, 20));
    }
  });
});
