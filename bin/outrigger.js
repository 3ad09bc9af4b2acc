#!/usr/bin/env node
// Runs the CLI straight from the TypeScript sources through tsx's loader, so `npx outrigger` works after
// `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lib/cli/main.ts');
const code = await main(process.argv.slice(2));
if (code !== 0) process.exitCode = code;
