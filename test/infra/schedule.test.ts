import { describe, expect, it } from 'vitest';
import { calendarExpression, cronExpression, rateExpression } from '../../infra/schedule.ts';

describe('calendar schedules as EventBridge Scheduler expressions', () => {
  it.each([
    ['30 * * * *', 'cron(30 * * * ? *)'],
    ['0 9 * * 1-5', 'cron(0 9 ? * 2-6 *)'],
    ['0 9 * * 0,6', 'cron(0 9 ? * 1,7 *)'],
    ['0 9 * * MON-FRI', 'cron(0 9 ? * MON-FRI *)'],
    ['15 3 1 * *', 'cron(15 3 1 * ? *)'],
    ['*/5 * * * *', 'cron(0/5 * * * ? *)'],
    ['0 0 */2 * *', 'cron(0 0 1/2 * ? *)'],
    ['0 30 2 * * *', 'cron(30 2 * * ? *)'],
    ['@daily', 'cron(0 0 * * ? *)'],
    ['@weekly', 'cron(0 0 ? * 1 *)'],
  ])('writes robfig cron %s as %s', (schedule, expected) => {
    // Act
    const { expression } = cronExpression(schedule);

    // Assess
    expect(expression).toBe(expected);
  });

  it.each([
    ['1m', 'rate(1 minute)'],
    ['90m', 'rate(90 minutes)'],
    ['2h', 'rate(2 hours)'],
    ['24h', 'rate(1 day)'],
  ])('writes the interval %s as %s', (interval, expected) => {
    // Act
    const expression = rateExpression(interval);

    // Assess
    expect(expression).toBe(expected);
  });

  it('takes the time zone from CRON_TZ before the calendar timezone field', () => {
    // Prepare
    const spec = { schedule: 'CRON_TZ=Asia/Tokyo 0 8 * * *', timezone: 'Europe/Berlin' };

    // Act
    const result = calendarExpression(spec);

    // Assess
    expect(result).toEqual({ expression: 'cron(0 8 * * ? *)', timezone: 'Asia/Tokyo' });
  });

  it('runs @every as a rate', () => {
    // Act
    const result = calendarExpression({ schedule: '@every 15m' });

    // Assess
    expect(result.expression).toBe('rate(15 minutes)');
  });

  it.each([
    ['10s', /whole number of minutes/],
    ['90s', /whole number of minutes/],
  ])('refuses the interval %s, which Scheduler cannot run', (interval, message) => {
    // Act
    const convert = () => calendarExpression({ interval });

    // Assess
    expect(convert).toThrow(message);
  });

  it('refuses a cron that restricts both day of month and day of week', () => {
    // Act
    const convert = () => cronExpression('0 0 1 * 1');

    // Assess
    expect(convert).toThrow(/split it into two calendar events/);
  });

  it('refuses a seconds field other than 0', () => {
    // Act
    const convert = () => cronExpression('*/10 * * * * *');

    // Assess
    expect(convert).toThrow(/finest unit is the minute/);
  });
});
