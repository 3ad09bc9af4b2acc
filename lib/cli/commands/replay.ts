import type { Command } from 'commander';
import type { CliContext } from '../io.ts';
export function registerReplay(_program: Command, _ctx: CliContext): void {}
