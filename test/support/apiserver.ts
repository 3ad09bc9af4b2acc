/**
 * A test Kubernetes API server on loopback.
 *
 * No real kube-apiserver can run on this machine (no container runtime, no etcd binary within Debian's
 * reach), so this is a faithful-enough stand-in for what Outrigger's lib/kube client uses.
 * Modelled as kube-apiserver does it:
 * - discovery: `/api`, `/apis`, `/api/v1`, `/apis/<group>`, `/apis/<group>/<version>` with kind, plural,
 *   singularName, namespaced and verbs (core v1 pods/configmaps/secrets/services/namespaces, batch/v1 jobs,
 *   apps/v1 deployments, argoproj.io/v1alpha1 workflows/workflowtemplates/cronworkflows);
 * - namespaced and cluster-scoped CRUD: create (generateName gets 5 characters from kube's alphabet; uid,
 *   resourceVersion, generation and creationTimestamp set), get, list with `labelSelector` (`=`, `==`,
 *   `!=`, `in`, `notin`, exists, `!` absent), update with resourceVersion conflicts, patch (merge, JSON
 *   patch, strategic merge with named lists merged by name, refused with 415 for custom resources as kube
 *   does, and server-side apply treated as a merge that requires `fieldManager` and creates when missing),
 *   delete;
 * - errors as `Status` bodies with kube's messages and reasons: 400 BadRequest (bad JSON, apiVersion/kind
 *   or namespace not matching the URL: kube refuses these with 400 rather than 422), 401 Unauthorized (a
 *   wrong bearer token), 403 Forbidden (no token, i.e. system:anonymous, or a deny rule), 404 NotFound,
 *   409 AlreadyExists / Conflict, 415 UnsupportedMediaType, 422 Invalid (no name and no generateName, an
 *   invalid name, apply without fieldManager).
 * Not modelled: watch, field selectors, admission, defaulting, finalizers, status subresource semantics,
 * managed fields and apply conflicts, pagination.
 *
 * Faults (`inject`) answer the next N (or a fraction of the) matching requests with a status, add latency,
 * drop the connection, or never answer until `close()`.
 *
 * With `tls` it serves HTTPS and also authenticates client certificates signed by the given CA (the user
 * is the certificate's common name), as kube-apiserver's `--client-ca-file` does.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { jsonPatch, mergePatch, strategicMergePatch } from './apiserver/patch.ts';
import {
  apiGroupListDoc,
  apiResourceListDoc,
  apiVersionOf,
  apiVersionsDoc,
  DEFAULT_GROUP_VERSIONS,
  type GroupVersionDef,
  type ResourceDef,
} from './apiserver/resources.ts';
import { parseLabelSelector } from './apiserver/selectors.ts';
import { failure, qualified, REASON_BY_CODE, type StatusBody } from './apiserver/status.ts';

/** A stored object as plain JSON. */
export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    generateName?: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** One request as the server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Parsed JSON (or YAML for apply patches) when it parses, else the raw text; undefined when empty. */
  body: unknown;
  /** Status answered, set once the answer is written. */
  status?: number;
  /** Common name of a verified client certificate, when one was presented (TLS only). */
  clientUser?: string;
}

export type Verb = 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete';

/** Refuses matching requests with 403 Forbidden, as an RBAC denial does. */
export interface DenyRule {
  verb?: Verb;
  /** Plural, e.g. `jobs`. */
  resource?: string;
  namespace?: string;
}

/** What a fault does to the requests it matches. */
export interface Fault {
  method?: string;
  /** Exact path, a regular expression on the path, or a predicate. */
  path?: string | RegExp | ((path: string) => boolean);
  /** How many matching requests to affect (default: all, until removed). */
  times?: number;
  /** Affect only this fraction of matching requests, spread evenly (0.5: every second one). */
  fraction?: number;
  /** Answer with this status (a kube `Status` body with the usual reason). */
  status?: number;
  reason?: string;
  message?: string;
  /** Wait this long before answering (normally or with `status`). */
  latencyMs?: number;
  /** Never answer; the request stays open until `close()`. */
  hang?: boolean;
  /** Destroy the connection without answering. */
  drop?: boolean;
}

export interface FaultHandle {
  /** How many requests the fault affected. */
  readonly hits: number;
  remove(): void;
}

export interface ApiServerOptions {
  /** Bearer token the server accepts (default: random). */
  token?: string;
  /** Namespace of the kubeconfig context (default `default`). */
  namespace?: string;
  deny?: DenyRule[];
  /** Served API groups (default: see the header comment). */
  groupVersions?: readonly GroupVersionDef[];
  /** Name used in Forbidden messages. */
  user?: string;
  /** Serve HTTPS with this server certificate; client certificates signed by `ca` authenticate. */
  tls?: {
    ca: string;
    cert: string;
    key: string;
    /** Put this client certificate in the kubeconfig instead of the bearer token. */
    client?: { cert: string; key: string };
  };
}

export interface ApiServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly token: string;
  /** A kubeconfig file pointing at this server with the bearer token. */
  readonly kubeconfigPath: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Copies of stored objects, optionally only those of one kind. */
  objects(kind?: string): StoredObject[];
  /** Stores objects directly (no request recorded), as if created earlier. */
  seed(...objects: Record<string, unknown>[]): StoredObject[];
  inject(fault: Fault): FaultHandle;
  deny(rule: DenyRule): void;
  close(): Promise<void>;
}

/** kube's generateName suffix alphabet (k8s.io/apimachinery/pkg/util/rand: no vowels, no 0/1/3). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const PATCH_TYPES = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
} as const;

class HttpFailure extends Error {
  constructor(readonly body: StatusBody) {
    super(body.message);
  }
}

function fail(code: number, message: string, reason?: string, details?: Record<string, unknown>): never {
  throw new HttpFailure(failure(code, message, reason, details));
}

interface Target {
  gv: GroupVersionDef;
  resource: ResourceDef;
  namespace: string | undefined;
  name: string | undefined;
}

interface ActiveFault {
  fault: Fault;
  matched: number;
  hits: number;
  removed: boolean;
}

/** Starts a test apiserver on 127.0.0.1 with an ephemeral port. */
export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const token = options.token ?? randomUUID();
  const user = options.user ?? 'system:serviceaccount:outrigger:sensor';
  const groupVersions = options.groupVersions ?? DEFAULT_GROUP_VERSIONS;
  const denyRules = [...(options.deny ?? [])];
  const store = new Map<string, StoredObject>();
  const requests: RecordedRequest[] = [];
  const faults: ActiveFault[] = [];
  const hanging = new Set<ServerResponse>();
  let resourceVersion = 1000;

  const keyOf = (t: Target, name: string) => `${t.gv.group}/${t.resource.name}/${t.namespace ?? ''}/${name}`;

  function stamp(object: Record<string, unknown>, namespace: string | undefined): StoredObject {
    const stored = structuredClone(object) as StoredObject;
    const metadata = stored.metadata;
    metadata.uid = randomUUID();
    metadata.resourceVersion = String(++resourceVersion);
    metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    metadata.generation = 1;
    if (namespace !== undefined) metadata.namespace = namespace;
    else delete metadata.namespace;
    return stored;
  }

  function findTarget(segments: string[]): Target | 'discovery' {
    let group = '';
    let rest: string[];
    let version: string | undefined;
    if (segments[0] === 'api') {
      version = segments[1];
      rest = segments.slice(2);
    } else if (segments[0] === 'apis') {
      group = segments[1] ?? '';
      version = segments[2];
      rest = segments.slice(3);
    } else {
      fail(404, 'the server could not find the requested resource', 'NotFound', {});
    }
    const gv = groupVersions.find((g) => g.group === group && g.version === version);
    if (!gv) fail(404, 'the server could not find the requested resource', 'NotFound', {});
    if (rest.length === 0) return 'discovery';
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [plural, name, sub] = rest;
    const resource = gv.resources.find((r) => r.name === plural);
    if (
      !resource ||
      sub !== undefined ||
      rest.length > 2 ||
      (namespace !== undefined && !resource.namespaced)
    ) {
      fail(404, 'the server could not find the requested resource', 'NotFound', {});
    }
    return { gv, resource, namespace, name };
  }

  function verbOf(method: string, target: Target): Verb {
    switch (method) {
      case 'GET':
        return target.name === undefined ? 'list' : 'get';
      case 'POST':
        return 'create';
      case 'PUT':
        return 'update';
      case 'PATCH':
        return 'patch';
      case 'DELETE':
        return 'delete';
      default:
        fail(405, `the server does not allow this method on the requested resource`, 'MethodNotAllowed');
    }
  }

  function authorize(req: RecordedRequest, verb: Verb | 'get', target: Target | undefined): void {
    const header = req.headers.authorization;
    if (header !== undefined && header !== `Bearer ${token}`) fail(401, 'Unauthorized');
    const anonymous = header === undefined && req.clientUser === undefined;
    const who = anonymous ? 'system:anonymous' : (req.clientUser ?? user);
    const denied =
      anonymous ||
      (target !== undefined &&
        denyRules.some(
          (r) =>
            (r.verb === undefined || r.verb === verb) &&
            (r.resource === undefined || r.resource === target.resource.name) &&
            (r.namespace === undefined || r.namespace === target.namespace),
        ));
    if (!denied) return;
    if (target === undefined) fail(403, `forbidden: User "${who}" cannot get path "${req.path}"`);
    const what = qualified(target.resource.name, target.gv.group);
    const named = target.name === undefined ? what : `${what} "${target.name}"`;
    const scope =
      target.namespace === undefined ? 'at the cluster scope' : `in the namespace "${target.namespace}"`;
    fail(
      403,
      `${named} is forbidden: User "${who}" cannot ${verb} resource "${target.resource.name}" in API group "${target.gv.group}" ${scope}`,
      'Forbidden',
      { ...(target.name ? { name: target.name } : {}), group: target.gv.group, kind: target.resource.name },
    );
  }

  function notFound(t: Target, name: string): never {
    fail(404, `${qualified(t.resource.name, t.gv.group)} "${name}" not found`, 'NotFound', {
      name,
      group: t.gv.group,
      kind: t.resource.name,
    });
  }

  function invalid(t: Target, name: string, field: string, detail: string, value?: string): never {
    const kindGroup = t.gv.group ? `${t.resource.kind}.${t.gv.group}` : t.resource.kind;
    const shown = value === undefined ? detail : `Invalid value: "${value}": ${detail}`;
    fail(422, `${kindGroup} "${name}" is invalid: ${field}: ${shown}`, 'Invalid', {
      name,
      group: t.gv.group,
      kind: t.resource.kind,
      causes: [
        { reason: value === undefined ? 'FieldValueRequired' : 'FieldValueInvalid', message: shown, field },
      ],
    });
  }

  function checkBody(
    t: Target,
    body: unknown,
  ): Record<string, unknown> & { metadata: Record<string, unknown> } {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      fail(400, "couldn't get version/kind; json parse error: the request body is not a JSON object");
    }
    const object = body as Record<string, unknown>;
    const expected = apiVersionOf(t.gv);
    if (typeof object.kind !== 'string' || object.kind === '') {
      fail(400, `Object 'Kind' is missing in '${JSON.stringify(object)}'`);
    }
    if (object.apiVersion !== expected) {
      fail(
        400,
        `the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${expected})`,
      );
    }
    if (object.kind !== t.resource.kind) {
      fail(
        400,
        `the kind in the data (${object.kind}) does not match the expected kind (${t.resource.kind})`,
      );
    }
    const metadata = (object.metadata ?? {}) as Record<string, unknown>;
    object.metadata = metadata;
    if (t.resource.namespaced && metadata.namespace !== undefined && metadata.namespace !== t.namespace) {
      fail(400, 'the namespace of the provided object does not match the namespace sent on the request');
    }
    return object as Record<string, unknown> & { metadata: Record<string, unknown> };
  }

  function list(t: Target, query: Record<string, string>): unknown {
    let select: (labels: Record<string, string>) => boolean = () => true;
    if (query.labelSelector) {
      try {
        select = parseLabelSelector(query.labelSelector);
      } catch (err) {
        fail(400, `unable to parse requirement: ${(err as Error).message}`);
      }
    }
    const prefix = `${t.gv.group}/${t.resource.name}/${t.namespace === undefined ? '' : `${t.namespace}/`}`;
    const items = [...store.entries()]
      .filter(([key, o]) => key.startsWith(prefix) && select(o.metadata.labels ?? {}))
      .map(([, o]) => structuredClone(o))
      .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion));
    return {
      kind: `${t.resource.kind}List`,
      apiVersion: apiVersionOf(t.gv),
      metadata: { resourceVersion: String(resourceVersion) },
      items,
    };
  }

  function create(t: Target, body: unknown): StoredObject {
    const object = checkBody(t, body);
    const metadata = object.metadata;
    let name = typeof metadata.name === 'string' ? metadata.name : '';
    if (!name) {
      const generateName = typeof metadata.generateName === 'string' ? metadata.generateName : '';
      if (!generateName) invalid(t, '', 'metadata.name', 'Required value: name or generateName is required');
      // kube truncates the prefix so the name stays within 63 characters, then adds 5 random characters.
      const suffix = () =>
        Array.from({ length: 5 }, () => SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)]).join('');
      do name = `${generateName.slice(0, 58)}${suffix()}`;
      while (store.has(keyOf(t, name)));
      metadata.name = name;
    }
    if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
      invalid(
        t,
        name,
        'metadata.name',
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        name,
      );
    }
    if (store.has(keyOf(t, name))) {
      fail(409, `${qualified(t.resource.name, t.gv.group)} "${name}" already exists`, 'AlreadyExists', {
        name,
        group: t.gv.group,
        kind: t.resource.name,
      });
    }
    const stored = stamp(object, t.resource.namespaced ? t.namespace : undefined);
    store.set(keyOf(t, name), stored);
    return structuredClone(stored);
  }

  function existing(t: Target): StoredObject {
    const name = t.name ?? '';
    const current = store.get(keyOf(t, name));
    if (!current) notFound(t, name);
    return current;
  }

  /** Keeps server-owned metadata, bumps the resourceVersion and stores the new state. */
  function replace(t: Target, current: StoredObject, next: Record<string, unknown>): StoredObject {
    const metadata = (next.metadata ?? {}) as Record<string, unknown>;
    const rv = metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion) {
      fail(
        409,
        `Operation cannot be fulfilled on ${qualified(t.resource.name, t.gv.group)} "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
        'Conflict',
        { name: current.metadata.name, group: t.gv.group, kind: t.resource.name },
      );
    }
    const stored = structuredClone(next) as StoredObject;
    stored.apiVersion = current.apiVersion;
    stored.kind = current.kind;
    stored.metadata = {
      ...metadata,
      name: current.metadata.name,
      uid: current.metadata.uid,
      creationTimestamp: current.metadata.creationTimestamp,
      resourceVersion: String(++resourceVersion),
      generation: Number(current.metadata.generation ?? 1) + 1,
      ...(current.metadata.namespace === undefined ? {} : { namespace: current.metadata.namespace }),
    };
    store.set(keyOf(t, current.metadata.name), stored);
    return structuredClone(stored);
  }

  function update(t: Target, body: unknown): StoredObject {
    const object = checkBody(t, body);
    if (object.metadata.name !== t.name) {
      fail(
        400,
        `the name of the object (${String(object.metadata.name)}) does not match the name on the URL (${t.name})`,
      );
    }
    return replace(t, existing(t), object);
  }

  function patch(t: Target, req: RecordedRequest): { status: number; object: StoredObject } {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const type = PATCH_TYPES[contentType as keyof typeof PATCH_TYPES];
    const accepted = Object.keys(PATCH_TYPES).filter(
      (k) => !(t.resource.custom && k === 'application/strategic-merge-patch+json'),
    );
    if (type === undefined || !accepted.includes(contentType)) {
      fail(
        415,
        `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
        'UnsupportedMediaType',
      );
    }
    if (type === 'apply' && !req.query.fieldManager) {
      fail(
        422,
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        'Invalid',
      );
    }
    const name = t.name ?? '';
    const current = store.get(keyOf(t, name));
    if (!current) {
      if (type !== 'apply') notFound(t, name);
      // Server-side apply creates what does not exist yet.
      const object = checkBody(t, req.body);
      object.metadata.name = name;
      return { status: 201, object: create(t, object) };
    }
    if (type === 'json') {
      if (!Array.isArray(req.body))
        fail(400, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
      try {
        return { status: 200, object: replace(t, current, jsonPatch(current, req.body) as StoredObject) };
      } catch (err) {
        if (err instanceof HttpFailure) throw err;
        invalid(t, name, 'patch', (err as Error).message);
      }
    }
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      fail(400, 'the request body is not a JSON object');
    }
    const merged =
      type === 'strategic' ? strategicMergePatch(current, req.body) : mergePatch(current, req.body);
    return { status: 200, object: replace(t, current, merged as StoredObject) };
  }

  function remove(t: Target): unknown {
    const current = existing(t);
    store.delete(keyOf(t, current.metadata.name));
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name: current.metadata.name,
        group: t.gv.group,
        kind: t.resource.name,
        uid: current.metadata.uid,
      },
    };
  }

  function discovery(segments: string[], serverAddress: string): unknown {
    const path = `/${segments.join('/')}`;
    if (path === '/api') return apiVersionsDoc(serverAddress);
    if (path === '/apis') return apiGroupListDoc(groupVersions);
    if (segments[0] === 'apis' && segments.length === 2) {
      const versions = groupVersions.filter((g) => g.group === segments[1]);
      if (versions.length === 0)
        fail(404, 'the server could not find the requested resource', 'NotFound', {});
      const doc = apiGroupListDoc(versions) as { groups: unknown[] };
      return { kind: 'APIGroup', apiVersion: 'v1', ...(doc.groups[0] as object) };
    }
    const target = findTarget(segments);
    if (target !== 'discovery') throw new Error('not a discovery path');
    const gv = groupVersions.find(
      (g) => g.group === (segments[0] === 'apis' ? segments[1] : '') && g.version === segments.at(-1),
    );
    return apiResourceListDoc(gv as GroupVersionDef);
  }

  function handle(req: RecordedRequest, serverAddress: string): { status: number; body: unknown } {
    const segments = req.path.split('/').filter((s) => s !== '');
    if (req.path === '/version') {
      authorize(req, 'get', undefined);
      return { status: 200, body: { major: '1', minor: '33', gitVersion: 'v1.33.0-outrigger-test' } };
    }
    const isDiscovery =
      req.method === 'GET' &&
      (req.path === '/api' ||
        req.path === '/apis' ||
        (segments[0] === 'api' && segments.length === 2) ||
        (segments[0] === 'apis' && (segments.length === 2 || segments.length === 3)));
    if (isDiscovery) {
      authorize(req, 'get', undefined);
      return { status: 200, body: discovery(segments, serverAddress) };
    }
    const target = findTarget(segments);
    if (target === 'discovery') fail(405, 'the server does not allow this method on the requested resource');
    const verb = verbOf(req.method, target);
    authorize(req, verb, target);
    if (target.resource.namespaced && target.namespace === undefined && verb !== 'list') {
      fail(404, 'the server could not find the requested resource', 'NotFound', {});
    }
    if (verb !== 'list' && verb !== 'create' && target.name === undefined) {
      fail(405, 'the server does not allow this method on the requested resource', 'MethodNotAllowed');
    }
    switch (verb) {
      case 'get':
        return { status: 200, body: structuredClone(existing(target)) };
      case 'list':
        return { status: 200, body: list(target, req.query) };
      case 'create':
        if (target.name !== undefined)
          fail(405, 'the server does not allow this method on the requested resource');
        return { status: 201, body: create(target, req.body) };
      case 'update':
        return { status: 200, body: update(target, req.body) };
      case 'patch': {
        const { status, object } = patch(target, req);
        return { status, body: object };
      }
      case 'delete':
        return { status: 200, body: remove(target) };
    }
  }

  function matchingFault(req: RecordedRequest): Fault | undefined {
    for (const active of faults) {
      const { fault } = active;
      if (active.removed) continue;
      if (fault.method !== undefined && fault.method.toUpperCase() !== req.method) continue;
      const { path } = fault;
      if (typeof path === 'string' && path !== req.path) continue;
      if (path instanceof RegExp && !path.test(req.path)) continue;
      if (typeof path === 'function' && !path(req.path)) continue;
      active.matched++;
      const fraction = fault.fraction ?? 1;
      const picked = Math.floor(active.matched * fraction) > Math.floor((active.matched - 1) * fraction);
      if (!picked) continue;
      active.hits++;
      if (fault.times !== undefined && active.hits >= fault.times) active.removed = true;
      return fault;
    }
    return undefined;
  }

  function send(res: ServerResponse, record: RecordedRequest, status: number, body: unknown): void {
    record.status = status;
    const text = JSON.stringify(body);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(text)),
      'Audit-Id': randomUUID(),
    };
    if (status === 429) headers['Retry-After'] = '1';
    res.writeHead(status, headers);
    res.end(text);
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    let body: unknown;
    if (text !== '') {
      try {
        body = headers['content-type']?.startsWith('application/apply-patch+yaml')
          ? parseYaml(text)
          : JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname.replace(/\/+$/, '') || '/',
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    };
    const peer = req.socket as {
      authorized?: boolean;
      getPeerCertificate?: () => { subject?: { CN?: string } };
    };
    if (peer.authorized && peer.getPeerCertificate) {
      const cn = peer.getPeerCertificate().subject?.CN;
      if (cn) record.clientUser = cn;
    }
    requests.push(record);

    const fault = matchingFault(record);
    if (fault?.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
    if (fault?.hang) {
      hanging.add(res);
      return;
    }
    if (fault?.drop) {
      req.socket.destroy();
      return;
    }
    if (fault?.status !== undefined) {
      const reason = fault.reason ?? REASON_BY_CODE[fault.status] ?? 'Unknown';
      const details = fault.status === 429 ? { retryAfterSeconds: 1 } : undefined;
      send(
        res,
        record,
        fault.status,
        failure(fault.status, fault.message ?? `injected ${reason}`, reason, details),
      );
      return;
    }
    if (typeof body === 'string' && record.method !== 'GET' && record.method !== 'DELETE') {
      send(
        res,
        record,
        400,
        failure(400, `couldn't get version/kind; json parse error: ${body.slice(0, 40)}`),
      );
      return;
    }
    try {
      const answer = handle(record, `${req.socket.localAddress}:${req.socket.localPort}`);
      send(res, record, answer.status, answer.body);
    } catch (err) {
      if (err instanceof HttpFailure) send(res, record, err.body.code, err.body);
      else send(res, record, 500, failure(500, (err as Error).message));
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    onRequest(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  };
  const tls = options.tls;
  // A client certificate is asked for but optional: bearer tokens work over TLS too.
  const server = tls
    ? createHttpsServer(
        { ca: tls.ca, cert: tls.cert, key: tls.key, requestCert: true, rejectUnauthorized: false },
        listener,
      )
    : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const base64 = (pem: string) => Buffer.from(pem).toString('base64');

  const dir = await mkdtemp(join(tmpdir(), 'outrigger-apiserver-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfigPath,
    toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'test',
          cluster: tls
            ? { server: url, 'certificate-authority-data': base64(tls.ca) }
            : // Plain http: some clients (client-node) refuse it unless verification is explicitly skipped.
              { server: url, 'insecure-skip-tls-verify': true },
        },
      ],
      users: [
        {
          name: 'test',
          user: tls?.client
            ? {
                'client-certificate-data': base64(tls.client.cert),
                'client-key-data': base64(tls.client.key),
              }
            : { token },
        },
      ],
      contexts: [
        {
          name: 'test',
          context: { cluster: 'test', user: 'test', namespace: options.namespace ?? 'default' },
        },
      ],
      'current-context': 'test',
    }),
  );

  function targetFor(object: Record<string, unknown>): Target {
    const apiVersion = String(object.apiVersion);
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const gv = groupVersions.find((g) => g.group === group && g.version === version);
    const resource = gv?.resources.find((r) => r.kind === object.kind && !r.name.includes('/'));
    if (!gv || !resource)
      throw new Error(`test apiserver does not serve ${apiVersion} ${String(object.kind)}`);
    const metadata = (object.metadata ?? {}) as Record<string, unknown>;
    const namespace = resource.namespaced ? String(metadata.namespace ?? 'default') : undefined;
    return { gv, resource, namespace, name: undefined };
  }

  return {
    url,
    token,
    kubeconfigPath,
    requests,
    objects(kind?: string) {
      return [...store.values()]
        .filter((o) => kind === undefined || o.kind === kind)
        .map((o) => structuredClone(o));
    },
    seed(...objects) {
      return objects.map((o) => create(targetFor(o), structuredClone(o)));
    },
    inject(fault) {
      const active: ActiveFault = { fault, matched: 0, hits: 0, removed: false };
      faults.push(active);
      return {
        get hits() {
          return active.hits;
        },
        remove() {
          active.removed = true;
        },
      };
    },
    deny(rule) {
      denyRules.push(rule);
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
