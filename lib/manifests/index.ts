/** The manifest loader: load and validate Argo Events YAML into typed specs. */

export {
  checkCron,
  checkGoDuration,
  conditionKey,
  parseClockTime,
  parseConditions,
  parseGoDuration,
} from './checks.ts';
export { supportedSourceTypes, unsupportedSourceTypes } from './eventsource.ts';
export { apiVersion, type LoadOptions, loadManifests, loadManifestText } from './load.ts';
export { supportedTriggerSources, supportedTriggerTypes, unsupportedTriggerTypes } from './sensor.ts';
export type * from './types.ts';
