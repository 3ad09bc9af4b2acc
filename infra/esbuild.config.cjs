'use strict';
/**
 * esbuild options of every function bundle: serverless-esbuild reads them (custom.esbuild.config) and the
 * bundle-budget test builds with the same object, so what is measured is what is deployed.
 */
const options = {
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
};

module.exports = () => options;
module.exports.options = options;
