import { describe, expect, it } from 'vitest';
import {
  checkCron,
  checkRe2,
  checkTemplateFunctions,
  checkTimezone,
  parseClockTime,
  parseConditions,
  parseGoDuration,
} from '../../lib/manifests/checks.ts';

describe('manifest value checks', () => {
  it('parses Go durations like time.ParseDuration', () => {
    // Assess
    expect(parseGoDuration('10s')).toBe(10_000);
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('-2m')).toBe(-120_000);
    expect(parseGoDuration('10')).toBeUndefined();
    expect(parseGoDuration('1d')).toBeUndefined();
    expect(parseGoDuration('')).toBeUndefined();
  });

  it('accepts 5-field, 6-field and descriptor cron schedules', () => {
    // Assess
    for (const schedule of [
      '* * * * *',
      '*/5 9-17 * * mon-fri',
      '0 0 1,15 jan,jul *',
      '30 * * * * *',
      '@hourly',
      '@every 5m',
      'CRON_TZ=Europe/Paris 0 6 * * *',
    ]) {
      expect(checkCron(schedule), schedule).toBeUndefined();
    }
  });

  it('refuses invalid cron schedules with the reason', () => {
    // Assess
    expect(checkCron('* * * *')).toBe(
      'invalid cron `* * * *`: expected 5 fields (minute hour day-of-month month day-of-week), found 4',
    );
    expect(checkCron('60 * * * *')).toBe('invalid cron `60 * * * *`: minute `60` is out of range 0-59');
    expect(checkCron('* * * * 7')).toBe('invalid cron `* * * * 7`: day of week `7` is out of range 0-6');
    expect(checkCron('*/0 * * * *')).toBe('invalid cron `*/0 * * * *`: invalid step `0` in the minute field');
    expect(checkCron('@every 5 minutes')).toMatch(
      /^invalid cron `@every 5 minutes`: `5 minutes` is not a Go duration/,
    );
    expect(checkCron('@fortnightly')).toMatch(/unknown descriptor/);
  });

  it('reads HH:MM:SS times and refuses single-digit seconds', () => {
    // Assess
    expect(parseClockTime('09:05:30')).toBe(9 * 3600 + 5 * 60 + 30);
    expect(parseClockTime('9:05:30')).toBe(9 * 3600 + 5 * 60 + 30);
    expect(parseClockTime('09:09:0')).toBeUndefined();
    expect(parseClockTime('24:00:00')).toBeUndefined();
  });

  it('accepts IANA time zones and refuses unknown ones', () => {
    // Assess
    expect(checkTimezone('America/New_York')).toBeUndefined();
    expect(checkTimezone('')).toBeUndefined();
    expect(checkTimezone('Invalid/Timezone')).toBe(
      'invalid timezone `Invalid/Timezone` (use an IANA name such as `Europe/Paris`)',
    );
  });

  it('compiles RE2 and refuses what RE2 refuses, with its message', () => {
    // Assess
    expect(checkRe2('^refs/heads/(main|release/.*)$')).toBeUndefined();
    expect(checkRe2('(?i)main')).toBeUndefined();
    expect(checkRe2('a(')).toBe('invalid regular expression: error parsing regexp: missing closing ): `a(`');
    expect(checkRe2('(?=x)')).toMatch(/^invalid regular expression: error parsing regexp/);
  });

  it('refuses env and expandenv inside template actions only', () => {
    // Assess
    expect(checkTemplateFunctions('{{ .Input.body.ref | replace "refs/heads/" "" }}')).toBeUndefined();
    expect(checkTemplateFunctions('env is just a word outside {{ .Input.env }}')).toBeUndefined();
    expect(checkTemplateFunctions('{{ "env" }}')).toBeUndefined();
    expect(checkTemplateFunctions('{{ env "HOME" }}')).toMatch(/^templates may not call `env`/);
    expect(checkTemplateFunctions('{{- "$HOME" | expandenv -}}')).toMatch(
      /^templates may not call `expandenv`/,
    );
  });

  it('parses conditions into dependency names', () => {
    // Assess
    expect(parseConditions('(dep-1 && dep_2) || dep3')).toEqual({ names: ['dep-1', 'dep_2', 'dep3'] });
    expect(parseConditions('a')).toEqual({ names: ['a'] });
  });

  it('refuses malformed conditions with the position', () => {
    // Assess
    expect(parseConditions('a && ')).toEqual({ error: 'expected a dependency name or `(` at the end' });
    expect(parseConditions('(a || b')).toEqual({ error: 'expected `)` at the end' });
    expect(parseConditions('a b')).toEqual({
      error: 'expected `&&`, `||` or the end at column 3, found `b`',
    });
    expect(parseConditions('!a')).toEqual({
      error: 'unexpected `!` at column 1; use dependency names, &&, || and parentheses',
    });
  });
});
