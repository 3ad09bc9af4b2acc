/** The registry of HTTP source types: type name → module. Adding a type is one line here. */
import { githubSource } from './github/index.ts';
import type { SourceModule } from './types.ts';
import { asSourceModule } from './types.ts';
import { webhookSource } from './webhook/index.ts';

/** Every webhook-style source Outrigger serves, keyed by its `spec.<type>` name. */
export const sources: Readonly<Record<string, SourceModule<unknown>>> = {
  webhook: asSourceModule(webhookSource),
  github: asSourceModule(githubSource),
};

/** The module for a type, or undefined when the type is not served over HTTP. */
export function sourceOf(type: string): SourceModule<unknown> | undefined {
  return Object.hasOwn(sources, type) ? sources[type] : undefined;
}
