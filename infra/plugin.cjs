'use strict';
/**
 * Serverless Framework plugin (osls, Serverless v3 and v4): expands the Argo Events manifests named by
 * `custom.outrigger.manifests` into functions, routes, schedules, queues, IAM and outputs before packaging.
 * The logic is TypeScript in infra/expand.ts; this CommonJS shell is what the framework can load, and
 * loads it through tsx.
 */
const { existsSync } = require('node:fs');
const path = require('node:path');

const optionsSchema = {
  type: 'object',
  properties: {
    outrigger: {
      type: 'object',
      properties: {
        manifests: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
        secrets: {
          type: 'object',
          properties: { service: { enum: ['secretsmanager', 'ssm'] }, prefix: { type: 'string' } },
          additionalProperties: false,
        },
        kubernetes: {
          type: 'object',
          properties: { eksCluster: { type: 'string' }, kubeconfigSecret: { type: 'string' } },
          additionalProperties: false,
        },
        sensor: {
          type: 'object',
          properties: {
            batchSize: { type: 'integer', minimum: 1, maximum: 10000 },
            batchingWindowSeconds: { type: 'integer', minimum: 0, maximum: 300 },
            maxReceiveCount: { type: 'integer', minimum: 1, maximum: 1000 },
            timeoutSeconds: { type: 'integer', minimum: 1, maximum: 900 },
            memorySize: { type: 'integer', minimum: 128, maximum: 10240 },
          },
          additionalProperties: false,
        },
        schedule: {
          type: 'object',
          properties: {
            maximumRetryAttempts: { type: 'integer', minimum: 0, maximum: 185 },
            maximumEventAgeSeconds: { type: 'integer', minimum: 60, maximum: 86400 },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
  },
};

/** Handlers that a build may not have yet: a manifest needing one fails packaging instead of deploying half. */
const optionalHandlers = { calendar: 'functions/calendar', awsSource: 'functions/aws-source' };

class OutriggerPlugin {
  constructor(serverless, _options, utils = {}) {
    this.serverless = serverless;
    this.log = utils.log ?? { notice: console.log, warning: console.warn, info: console.log };
    serverless.configSchemaHandler?.defineCustomProperties(optionsSchema);
    this.hooks = {
      'before:package:initialize': () => this.expand(),
    };
  }

  async expand() {
    const { serverless } = this;
    const service = serverless.service;
    const serviceDir = serverless.serviceDir ?? serverless.config.servicePath;
    const custom = service.custom?.outrigger ?? {};
    // A list, or one string of comma-separated paths (what `--param manifests=a,b` can pass).
    const manifests = [custom.manifests ?? 'manifests/']
      .flat()
      .flatMap((entry) => entry.split(',').map((p) => p.trim()));
    const handlers = {};
    for (const [role, file] of Object.entries(optionalHandlers)) {
      if (!['.ts', '.js', '.mjs'].some((ext) => existsSync(path.join(serviceDir, `${file}${ext}`)))) {
        handlers[role] = null;
      }
    }
    const { tsImport } = await import('tsx/esm/api');
    const { prepareDeployment } = await tsImport(path.join(__dirname, 'package-time.ts'), __filename);
    let result;
    try {
      result = await prepareDeployment(serviceDir, manifests, {
        service: service.service,
        stage: serverless.getProvider('aws').getStage(),
        handlers,
        ...(custom.secrets ? { secrets: custom.secrets } : {}),
        ...(custom.kubernetes ? { kubernetes: custom.kubernetes } : {}),
        ...(custom.sensor ? { sensor: custom.sensor } : {}),
        ...(custom.schedule ? { schedule: custom.schedule } : {}),
      });
    } catch (err) {
      if (err && err.code === 'ManifestInvalid') {
        throw new serverless.classes.Error(
          `Outrigger manifests are invalid:\n${err.message}`,
          'OUTRIGGER_MANIFEST_INVALID',
        );
      }
      throw err;
    }
    const { expansion } = result;
    for (const warning of result.warnings) this.log.warning(warning);
    for (const note of expansion.notes) this.log.notice(`outrigger: ${note}`);
    service.functions ??= {};
    for (const [key, fn] of Object.entries(expansion.functions)) {
      // serverless.yml may tune a generated function (memorySize, timeout, more environment).
      const own = service.functions[key] ?? {};
      service.functions[key] = {
        ...fn,
        ...own,
        environment: { ...fn.environment, ...own.environment },
        events: [...fn.events, ...(own.events ?? [])],
      };
    }
    service.resources ??= {};
    service.resources.Resources = { ...expansion.resources, ...service.resources.Resources };
    service.resources.Outputs = { ...expansion.outputs, ...service.resources.Outputs };
    const relativeConfig = path.relative(serviceDir, result.configFile).split(path.sep).join('/');
    service.package ??= {};
    service.package.patterns = [...new Set([...(service.package.patterns ?? []), relativeConfig])];
    const routes = expansion.routes.map((r) => `${r.method} ${r.path}`).join(', ');
    this.log.notice(
      `outrigger: ${Object.keys(expansion.functions).length} functions, ${expansion.bus} bus${routes ? `, routes ${routes}` : ''}`,
    );
  }
}

module.exports = OutriggerPlugin;
