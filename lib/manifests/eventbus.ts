/**
 * The EventBus schema. Outrigger cannot deploy an in-cluster bus, so `jetstream`, `nats` and `kafka` are
 * refused with what to write instead: `jetstreamExotic` (an existing JetStream reached over websocket,
 * argoproj/argo-events: pkg/apis/events/v1alpha1/jetstream_eventbus.go) or the Outrigger `sqs` bus.
 */
import { nonEmpty, secretKeySelector, tlsConfig } from './common.ts';
import { bool, obj, required, type Schema, str } from './schema.ts';

const instead =
  'write `jetstreamExotic: {url: wss://…, accessSecret: {name: …, key: …}}` to use an existing JetStream, or the Outrigger `sqs: {}` bus';

function inCluster(type: string): string {
  return `the in-cluster \`${type}\` bus cannot run outside the cluster; ${instead}`;
}

const websocketUrl = str((value) =>
  /^wss?:\/\/[^\s/]/.test(value)
    ? undefined
    : `\`${value}\` is not a websocket URL: Outrigger reaches JetStream with nats.ws, so write \`wss://host:443\` (or \`ws://\` locally) and enable websockets on the server`,
);

/** The `spec` of an EventBus. */
export const eventBusSpec: Schema = obj(
  {
    jetstreamExotic: obj({
      url: required(websocketUrl),
      accessSecret: secretKeySelector,
      streamConfig: str(),
      tls: tlsConfig,
    }),
    sqs: obj({
      region: str(nonEmpty),
      endpoint: str(nonEmpty),
      fifo: bool(),
      queueNamePrefix: str(),
      stateTable: str(nonEmpty),
    }),
  },
  {
    oneOf: [{ keys: ['jetstreamExotic', 'sqs'], label: 'bus', required: true }],
    refused: { jetstream: inCluster('jetstream'), nats: inCluster('nats'), kafka: inCluster('kafka') },
  },
);
