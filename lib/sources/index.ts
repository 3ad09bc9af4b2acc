/** The registry of HTTP source types: type name → module. Adding a type is one line here. */
import { bitbucketSource } from './bitbucket/index.ts';
import { bitbucketServerSource } from './bitbucketserver/index.ts';
import { githubSource } from './github/index.ts';
import { gitlabSource } from './gitlab/index.ts';
import { slackSource } from './slack/index.ts';
import { snsSource } from './sns/index.ts';
import { stripeSource } from './stripe/index.ts';
import type { SourceModule } from './types.ts';
import { asSourceModule } from './types.ts';
import { webhookSource } from './webhook/index.ts';

/** Every webhook-style source Outrigger serves, keyed by its `spec.<type>` name. */
export const sources: Readonly<Record<string, SourceModule<unknown>>> = {
  webhook: asSourceModule(webhookSource),
  github: asSourceModule(githubSource),
  gitlab: asSourceModule(gitlabSource),
  bitbucket: asSourceModule(bitbucketSource),
  bitbucketserver: asSourceModule(bitbucketServerSource),
  slack: asSourceModule(slackSource),
  stripe: asSourceModule(stripeSource),
  sns: asSourceModule(snsSource),
};

/** The module for a type, or undefined when the type is not served over HTTP. */
export function sourceOf(type: string): SourceModule<unknown> | undefined {
  return Object.hasOwn(sources, type) ? sources[type] : undefined;
}
