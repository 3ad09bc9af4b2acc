'use strict';
/**
 * esbuild options of every function bundle: serverless-esbuild reads them (custom.esbuild.config) and the
 * bundle-budget test builds with the same object, so what is measured is what is deployed.
 */
const { copyFileSync, readFileSync } = require('node:fs');
const path = require('node:path');

/** Written by infra/plugin.cjs next to the compiled configuration: `{ bus, jq, lua }`. */
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
  // A deployed function never publishes to the embedded bus: its events would stay in one instance's memory.
  memory:
    "throw new Error('the embedded bus is for npm start and tests, not a packaged function: unset OUTRIGGER_BUS=memory')",
  // And the other way round: a JetStream deployment has no SQS queues or DynamoDB state table.
  sqs: "throw new Error('this bundle was packaged for the JetStream bus: package again after switching the EventBus to sqs')",
  'jq-wasm': "throw new Error('no sensor used transform.jq when this bundle was packaged: package again')",
  wasmoon: "throw new Error('no sensor used a Lua script when this bundle was packaged: package again')",
  filter:
    "throw new Error('no EventSource used filter.expression when this bundle was packaged: package again')",
  // Lambda's nodejs22.x has a global WebSocket; the JetStream adapter imports `ws` only where there is none.
  ws: "throw new Error('the ws shim is not bundled: functions run on Node 22, which has a global WebSocket')",
};

/** What the plugin recorded for this deployment; undefined outside `serverless package`. */
function packaged(cwd) {
  try {
    return JSON.parse(readFileSync(path.join(cwd, BUILD_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Leaves out of a bundle, at its dynamic imports only, the code a deployment cannot reach: the YAML
 * loader and the embedded bus; on the SQS bus the JetStream adapter's modules and what they load (nats.ws, ws, yaml), on
 * JetStream the SQS adapter and its DynamoDB state store; jq and
 * Lua when no sensor uses them. When Lua stays, wasmoon's `glue.wasm` is copied next to the bundle, where
 * wasmoon looks for it. `deployment` defaults to what the plugin recorded.
 */
function deployOnly(deployment) {
  const root = path.resolve(__dirname, '..');
  const loaders = new Set(['lib/manifests/index.ts', 'lib/manifests/load.ts'].map((f) => path.join(root, f)));
  const jetstream = path.join(root, 'lib/bus/jetstream') + path.sep;
  const sqs = path.join(root, 'lib/bus/sqs') + path.sep;
  const memoryBus = path.join(root, 'lib/bus/memory/index.ts');
  return {
    name: 'outrigger-deploy-only',
    setup(build) {
      let lua = false;
      const current = () => deployment ?? packaged(process.cwd()) ?? {};
      build.onStart(() => {
        lua = false;
      });
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const local = args.path.startsWith('.') ? path.resolve(args.resolveDir, args.path) : undefined;
        if (local && loaders.has(local)) return { path: 'loader', namespace: 'outrigger-stub' };
        const { bus, jq, lua: usesLua } = current();
        // What the JetStream adapter loads, or loading it: unreachable once the bus is SQS.
        const jetstreamSide = args.importer.startsWith(jetstream) || local?.startsWith(jetstream);
        if (jetstreamSide && bus === 'sqs') return { path: 'nats', namespace: 'outrigger-stub' };
        if (local?.startsWith(sqs) && bus === 'jetstream')
          return { path: 'sqs', namespace: 'outrigger-stub' };
        if (local === memoryBus && bus !== undefined) return { path: 'memory', namespace: 'outrigger-stub' };
        // nats.ws itself (through lib/bus/nats-client.ts): needed by the JetStream bus or a `nats` trigger.
        const natsClient = args.importer === path.join(root, 'lib/bus/nats-client.ts');
        if (natsClient && bus === 'sqs' && current().nats === false)
          return { path: 'nats', namespace: 'outrigger-stub' };
        if (args.path === 'ws') return { path: 'ws', namespace: 'outrigger-stub' };
        // The compiled configuration holds streamConfig parsed (infra/package-time.ts): no YAML at run time.
        if (args.path === 'yaml' && jetstreamSide) return { path: 'loader', namespace: 'outrigger-stub' };
        const exprLang = path.join(root, 'lib/expr/expr-lang/index.ts');
        if (local === exprLang && current().filter === false)
          return { path: 'filter', namespace: 'outrigger-stub' };
        if (args.path === 'jq-wasm' && jq === false) return { path: 'jq-wasm', namespace: 'outrigger-stub' };
        if (args.path === 'wasmoon') {
          if (usesLua === false) return { path: 'wasmoon', namespace: 'outrigger-stub' };
          lua = true;
        }
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'outrigger-stub' }, (args) => ({
        contents: stubs[args.path],
        loader: 'js',
      }));
      build.onEnd((result) => {
        if (!lua || result.errors.length > 0) return;
        const { outdir, outfile } = build.initialOptions;
        const dir = outdir ?? path.dirname(outfile);
        copyFileSync(require.resolve('wasmoon/dist/glue.wasm'), path.join(dir, 'glue.wasm'));
      });
    },
  };
}

/**
 * The options. `deployment` (`{ bus: 'sqs' | 'jetstream', jq: boolean, lua: boolean }`) says what the
 * bundle must reach; by default, what the plugin recorded for the deployment being packaged.
 */
function esbuildOptions(deployment) {
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
    // CommonJS dependencies call require() and read __filename/__dirname inside an ES module bundle.
    banner: {
      js: [
        "import { createRequire as __outriggerRequire } from 'node:module';",
        "import { fileURLToPath as __outriggerPath } from 'node:url';",
        "import { dirname as __outriggerDirname } from 'node:path';",
        'const require = __outriggerRequire(import.meta.url);',
        'const __filename = __outriggerPath(import.meta.url);',
        'const __dirname = __outriggerDirname(__filename);',
      ].join(' '),
    },
    plugins: [deployOnly(deployment)],
  };
}

module.exports = () => esbuildOptions();
module.exports.esbuildOptions = esbuildOptions;
module.exports.BUILD_FILE = BUILD_FILE;
