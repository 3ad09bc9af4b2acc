import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../lib/cli/main.ts';
import { run } from './helpers.ts';

const commands = buildProgram()
  .commands.map((c) => c.name())
  .filter((name) => name !== 'help');

describe('the outrigger command', () => {
  it('has the commands of issue 8', () => {
    // Assess
    expect([...commands].sort()).toEqual(['dev', 'graph', 'replay', 'send', 'test', 'validate']);
  });

  for (const command of commands) {
    it(`prints help for ${command} on stdout and exits 0`, async () => {
      // Act
      const { code, stdout } = await run([command, '--help']);
      // Assess
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: outrigger ${command}`);
    });
  }

  it('answers 2 for no command, an unknown command and an unknown option', async () => {
    // Act
    const none = await run([]);
    const unknown = await run(['deploy']);
    const option = await run(['validate', '--nope', 'x.yaml']);
    // Assess
    expect(none.code).toBe(2);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'deploy'");
    expect(option.code).toBe(2);
  });

  it('keeps dev refusing an unknown bus before starting anything', async () => {
    // Act
    const { code, stderr } = await run(['dev', '--bus', 'kafka']);
    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain('--bus must be memory, jetstream or sqs');
  });
});
