import { describe, expect, it } from 'vitest';
import {
  parseGoDuration,
  parseStreamConfig,
  streamSettings,
} from '../../../lib/bus/jetstream/stream-config.ts';
import { ManifestError } from '../../../lib/errors.ts';

const defaults = { streamName: 'default', subjectPrefix: 'default', duplicateWindowMs: 300_000 };

describe('parseGoDuration', () => {
  it('reads Go duration strings with mixed units', () => {
    // Prepare
    const cases: [string, number][] = [
      ['168h', 168 * 3600e9],
      ['300s', 300e9],
      ['1h30m', 5400e9],
      ['1.5s', 1.5e9],
      ['500ms', 500e6],
      ['2us', 2000],
      ['0', 0],
    ];
    // Act
    const parsed = cases.map(([text]) => parseGoDuration(text));
    // Assess
    expect(parsed).toEqual(cases.map(([, ns]) => ns));
  });

  it('reads an integer as nanoseconds, as viper does', () => {
    expect(parseGoDuration(120_000_000_000)).toBe(120e9);
    expect(parseGoDuration('42')).toBe(42);
  });

  it('refuses text that is not a duration, naming the field', () => {
    expect(() => parseGoDuration('5 minutes', 'maxAge')).toThrow(/maxAge.*not a Go duration/);
  });
});

describe('streamSettings', () => {
  it('lays the stream out as Argo does, with one replica', () => {
    // Act
    const settings = streamSettings(defaults);
    // Assess
    expect(settings).toMatchObject({
      name: 'default',
      subjects: ['default.*.*'],
      retention: 'limits',
      discard: 'old',
      max_msgs: 50_000,
      max_age: 168 * 3600e9,
      max_bytes: -1,
      storage: 'file',
      num_replicas: 1,
      duplicate_window: 300e9,
    });
  });

  it("merges Argo's streamConfig YAML text over the defaults, keys in any case", async () => {
    // Prepare
    const text = 'maxMsgs: 1000\nmaxage: 24h\nduplicates: 2m\nreplicas: 3\nretention: 1\ndiscard: new\n';
    // Act
    const settings = streamSettings(defaults, await parseStreamConfig(text));
    // Assess
    expect(settings).toMatchObject({
      max_msgs: 1000,
      max_age: 24 * 3600e9,
      duplicate_window: 120e9,
      num_replicas: 3,
      retention: 'interest',
      discard: 'new',
      max_bytes: -1,
    });
  });

  it('accepts an already parsed streamConfig object', () => {
    expect(streamSettings(defaults, { maxBytes: 1024 }).max_bytes).toBe(1024);
  });

  it('takes the duplicate window from the option when streamConfig does not set it', () => {
    expect(streamSettings({ ...defaults, duplicateWindowMs: 1_000 }).duplicate_window).toBe(1e9);
  });

  it('refuses an unknown streamConfig key with the keys Argo reads', async () => {
    // Act
    const config = await parseStreamConfig('maxMsg: 10\n');
    const act = () => streamSettings(defaults, config);
    // Assess
    expect(act).toThrow(ManifestError);
    expect(act).toThrow(/maxMsg.*unknown streamConfig key; Argo reads maxMsgs/);
  });

  it('refuses streamConfig text that is not a mapping', async () => {
    await expect(parseStreamConfig('- a\n- b\n')).rejects.toThrow(/must be a YAML mapping/);
  });

  it('refuses a retention policy out of range', () => {
    expect(() => streamSettings(defaults, { retention: 7 })).toThrow(/retention.*0\.\.2/);
  });
});
