'use strict';
/**
 * esbuild options of every function bundle: serverless-esbuild reads them (custom.esbuild.config) and the
 * bundle-budget test builds with the same object, so what is measured is what is deployed.
 */
const { readFileSync } = require('node:fs');
const path = require('node:path');

/** Written by infra/plugin.cjs next to the compiled configuration: `{ "bus": "sqs" | "jetstream" }`. */
const BUILD_FILE = '.outrigger/package/build.json';

/**
 * Modules that throw when imported: a dynamic `import()` of one rejects with the reason, so the code that
 * asked for it fails the way a missing optional dependency does, whatever names it expected.
 */
const stubs = {
  // A deployment ships compiled JSON (DESIGN §4): the YAML loader fallback is never reached on Lambda.
  loader:
    "throw new Error('this bundle reads the compiled configuration only: set OUTRIGGER_CONFIG to its .json file')",
  // The bus is fixed at package time; an SQS deployment never opens a NATS connection.
  nats: "throw new Error('this bundle was packaged for the SQS bus: package again after adding a jetstreamExotic EventBus')",
};

function packagedBus(cwd) {
  try {
    return JSON.parse(readFileSync(path.join(cwd, BUILD_FILE), 'utf8')).bus;
  } catch {
    return undefined;
  }
}

/**
 * Leaves out of a bundle the code a deployment cannot reach, at its dynamic imports only: the YAML
 * loader, and on the SQS bus the JetStream adapter's modules and what they load (nats.ws, ws, yaml). `bus` defaults to what the plugin recorded.
 */
function deployOnly(options = {}) {
  const root = path.resolve(__dirname, '..');
  const loaders = new Set(['lib/manifests/index.ts', 'lib/manifests/load.ts'].map((f) => path.join(root, f)));
  const jetstream = path.join(root, 'lib/bus/jetstream') + path.sep;
  return {
    name: 'outrigger-deploy-only',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const local = args.path.startsWith('.') ? path.resolve(args.resolveDir, args.path) : undefined;
        if (local && loaders.has(local)) return { path: 'loader', namespace: 'outrigger-stub' };
        // What the JetStream adapter loads, or loading it: unreachable once the bus is SQS.
        const jetstreamSide = args.importer.startsWith(jetstream) || local?.startsWith(jetstream);
        if (!jetstreamSide || (options.bus ?? packagedBus(process.cwd())) !== 'sqs') return undefined;
        return { path: 'nats', namespace: 'outrigger-stub' };
      });
      build.onLoad({ filter: /.*/, namespace: 'outrigger-stub' }, (args) => ({
        contents: stubs[args.path],
        loader: 'js',
      }));
    },
  };
}

/** The options, for a bus (`sqs`, `jetstream`) or the one the plugin recorded. */
function esbuildOptions(bus) {
  return {
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    outputFileExtension: '.mjs',
    // The Lambda runtime ships the AWS SDK v3.
    exclude: ['@aws-sdk/*'],
    // CommonJS dependencies call require() inside an ES module bundle.
    banner: {
      js: "import { createRequire as __outriggerCreateRequire } from 'node:module'; const require = __outriggerCreateRequire(import.meta.url);",
    },
    plugins: [deployOnly(bus ? { bus } : {})],
  };
}

module.exports = () => esbuildOptions();
module.exports.esbuildOptions = esbuildOptions;
module.exports.BUILD_FILE = BUILD_FILE;
