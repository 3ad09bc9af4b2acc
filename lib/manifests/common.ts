/**
 * Schemas shared by EventSource, Sensor and EventBus: Kubernetes selectors and metadata, TLS, basic auth,
 * backoff and trigger parameters (argoproj/argo-events: pkg/apis/events/v1alpha1/*.go).
 */
import { checkGoDuration, checkTemplateFunctions } from './checks.ts';
import {
  amount,
  any,
  arr,
  bool,
  enumOf,
  int,
  intOrString,
  obj,
  recorded,
  required,
  type Schema,
  type StringCheck,
  str,
  stringMap,
} from './schema.ts';

/** Refuses an empty string. */
export const nonEmpty: StringCheck = (value) => (value === '' ? 'must not be empty' : undefined);

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Kubernetes object name (DNS-1123 subdomain). */
export const objectName: StringCheck = (value) =>
  value.length <= 253 && dns1123Subdomain.test(value)
    ? undefined
    : `\`${value}\` is not a valid name: use lower-case letters, digits, \`-\` and \`.\`, starting and ending with a letter or digit`;

/** Kubernetes `SecretKeySelector` {name, key, optional}. */
export const secretKeySelector: Schema = obj({
  name: required(str(nonEmpty)),
  key: required(str(nonEmpty)),
  optional: bool(),
});

/** Kubernetes `ConfigMapKeySelector` {name, key, optional}. */
export const configMapKeySelector: Schema = obj({
  name: required(str(nonEmpty)),
  key: required(str(nonEmpty)),
  optional: bool(),
});

/** Argo's `TLSConfig`. */
export const tlsConfig: Schema = obj({
  caCertSecret: secretKeySelector,
  clientCertSecret: secretKeySelector,
  clientKeySecret: secretKeySelector,
  insecureSkipVerify: bool(),
  enabled: bool(),
});

/** Argo's `BasicAuth`. */
export const basicAuth: Schema = obj({ username: secretKeySelector, password: secretKeySelector });

/** Argo's `Backoff` (retryStrategy, policy backoff): duration is a Go duration or nanoseconds. */
export const backoff: Schema = obj({
  duration: intOrString(checkGoDuration),
  factor: amount(),
  jitter: amount(),
  steps: int({ min: 0 }),
});

/** The Kubernetes object metadata of a manifest; server-set fields are tolerated as `kubectl get -o yaml` prints them. */
export const objectMeta: Schema = obj({
  name: required(str(objectName)),
  namespace: str(objectName),
  labels: stringMap(),
  annotations: stringMap(),
  uid: any(),
  resourceVersion: any(),
  generation: any(),
  creationTimestamp: any(),
  deletionTimestamp: any(),
  deletionGracePeriodSeconds: any(),
  finalizers: any(),
  ownerReferences: any(),
  managedFields: any(),
  selfLink: any(),
});

/** A Go template (dataTemplate, contextTemplate, filter template): `env`/`expandenv` refused. */
export const goTemplate: Schema<string> = str(checkTemplateFunctions);

/** Argo's `TriggerParameterSource`. */
export const parameterSource: Schema = obj({
  dependencyName: required(recorded('dependencyRef', str(nonEmpty))),
  contextKey: str(),
  contextTemplate: goTemplate,
  dataKey: str(),
  dataTemplate: goTemplate,
  value: str(),
  useRawData: bool(),
});

/** Argo's `TriggerParameter`; `dest` may be empty only in an HTTP payload (the whole body). */
export function triggerParameter(options: { emptyDest?: boolean } = {}): Schema {
  return obj({
    src: required(parameterSource),
    dest: options.emptyDest ? str() : required(str((value) => (value === '' ? "can't be empty" : undefined))),
    operation: enumOf(['overwrite', 'append', 'prepend'], { allowEmpty: true }),
  });
}

/** A list of trigger parameters. */
export const parameters: Schema = arr(triggerParameter());

/** The message for a field that only matters to the in-cluster deployment. */
export const clusterOnly = 'not used outside the cluster';
