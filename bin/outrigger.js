#!/usr/bin/env node
// Runs the CLI from an esbuild bundle of the TypeScript sources (bundle.js: built on first use and again after
// a change), so `npx outrigger` works after `npm install` with no build step. Where the bundle cannot be built
// or written (a read-only install), the sources run through tsx's loader instead.
import { pathToFileURL } from 'node:url';
import { bundled } from './bundle.js';

/** One line on why there is no bundle: esbuild's first error with its place, else the error's first line. */
function reason(err) {
  const first = err?.errors?.[0];
  if (first?.location) return `${first.location.file}:${first.location.line}: ${first.text}`;
  return String(err?.message ?? err).split('\n')[0];
}

let entry;
try {
  entry = pathToFileURL(await bundled('lib/cli/main.ts', 'cli')).href;
} catch (err) {
  process.stderr.write(`outrigger: running from the sources (no bundle: ${reason(err)})\n`);
  const { register } = await import('tsx/esm/api');
  register();
  entry = '../lib/cli/main.ts';
}
const { main } = await import(entry);
const code = await main(process.argv.slice(2));
if (code !== 0) process.exitCode = code;
