import { describe, expect, it } from 'vitest';
import type { Sensor, TriggerTemplate } from '../../lib/manifests/types.ts';
import { createStaticSecretResolver } from '../../lib/secrets/local.ts';
import { needsCluster, triggerClientsFromEnv } from '../../lib/triggers/clients.ts';

const sensorWith = (...templates: TriggerTemplate[]): Sensor => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Sensor',
  metadata: { name: 's' },
  spec: {
    dependencies: [{ name: 'd', eventSourceName: 'es', eventName: 'e' }],
    triggers: templates.map((template) => ({ template })),
  },
});

describe('trigger clients', () => {
  it('asks for cluster access only for sensors whose triggers reach the Kubernetes API', () => {
    expect(needsCluster(sensorWith({ name: 'l', log: {} }))).toBe(false);
    expect(needsCluster(sensorWith({ name: 'h', http: { url: 'https://x' } }))).toBe(false);
    expect(needsCluster(sensorWith({ name: 'k', k8s: { source: { resource: {} } } }))).toBe(true);
    expect(needsCluster(sensorWith({ name: 'w', argoWorkflow: { operation: 'submit' } }))).toBe(true);
    expect(
      needsCluster(
        sensorWith({
          name: 'h',
          http: {
            url: 'https://x',
            secureHeaders: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }],
          },
        }),
      ),
    ).toBe(true);
  });

  it('reads the Argo Server and Slack endpoints from the environment, and link-local only when told', () => {
    const secrets = createStaticSecretResolver({});

    const none = triggerClientsFromEnv({}, secrets, {});
    const all = triggerClientsFromEnv({}, secrets, {
      OUTRIGGER_ARGO_SERVER_URL: 'https://argo:2746',
      OUTRIGGER_ARGO_SERVER_TOKEN: 't',
      OUTRIGGER_SLACK_API_URL: 'http://127.0.0.1:9/api',
      OUTRIGGER_ALLOW_LINK_LOCAL: 'true',
    });

    expect(none).toEqual({ secrets });
    expect(all).toMatchObject({
      argoServer: { url: 'https://argo:2746', token: 't' },
      slackApiUrl: 'http://127.0.0.1:9/api',
      allowLinkLocal: true,
    });
  });
});
