/**
 * The API groups and resources the test apiserver serves, shaped as kube-apiserver's discovery documents
 * (APIVersions, APIGroupList, APIResourceList: https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api).
 */

/** One served resource, as an APIResourceList entry plus what the server needs to know. */
export interface ResourceDef {
  /** Plural, e.g. `jobs`; subresources are `jobs/status`. */
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  /** Custom resources do not accept strategic merge patches. */
  custom: boolean;
}

export interface GroupVersionDef {
  /** Empty for the core group. */
  group: string;
  version: string;
  resources: ResourceDef[];
}

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUB = ['get', 'patch', 'update'];

function resource(
  name: string,
  kind: string,
  namespaced: boolean,
  custom: boolean,
  shortNames?: string[],
): ResourceDef {
  const singularName = kind.toLowerCase();
  return { name, singularName, namespaced, kind, verbs: CRUD, custom, ...(shortNames ? { shortNames } : {}) };
}

function status(parent: ResourceDef): ResourceDef {
  // kube-apiserver lists subresources after their parent with the parent's kind and an empty singularName.
  return { ...parent, name: `${parent.name}/status`, singularName: '', verbs: SUB, shortNames: [] };
}

const pods = resource('pods', 'Pod', true, false, ['po']);
const services = resource('services', 'Service', true, false, ['svc']);
const namespaces = resource('namespaces', 'Namespace', false, false, ['ns']);
const jobs = resource('jobs', 'Job', true, false);
const deployments = resource('deployments', 'Deployment', true, false, ['deploy']);

/** Everything served by default. */
export const DEFAULT_GROUP_VERSIONS: readonly GroupVersionDef[] = [
  {
    group: '',
    version: 'v1',
    resources: [
      resource('configmaps', 'ConfigMap', true, false, ['cm']),
      namespaces,
      status(namespaces),
      pods,
      status(pods),
      resource('secrets', 'Secret', true, false),
      services,
      status(services),
    ],
  },
  { group: 'apps', version: 'v1', resources: [deployments, status(deployments)] },
  { group: 'batch', version: 'v1', resources: [jobs, status(jobs)] },
  {
    group: 'argoproj.io',
    version: 'v1alpha1',
    resources: [
      resource('cronworkflows', 'CronWorkflow', true, true, ['cwf', 'cronwf']),
      resource('workflows', 'Workflow', true, true, ['wf']),
      resource('workflowtemplates', 'WorkflowTemplate', true, true, ['wftmpl']),
    ],
  },
];

/** `apiVersion` as objects carry it: `v1` for core, `group/version` otherwise. */
export function apiVersionOf(gv: Pick<GroupVersionDef, 'group' | 'version'>): string {
  return gv.group ? `${gv.group}/${gv.version}` : gv.version;
}

/** Discovery document for `/api`. */
export function apiVersionsDoc(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** Discovery document for `/apis`. */
export function apiGroupListDoc(groupVersions: readonly GroupVersionDef[]): unknown {
  const groups = new Map<string, GroupVersionDef[]>();
  for (const gv of groupVersions) {
    if (!gv.group) continue;
    groups.set(gv.group, [...(groups.get(gv.group) ?? []), gv]);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => {
      const list = versions.map((v) => ({ groupVersion: apiVersionOf(v), version: v.version }));
      return { name, versions: list, preferredVersion: list[0] };
    }),
  };
}

/** Discovery document for `/api/v1` or `/apis/<group>/<version>`. */
export function apiResourceListDoc(gv: GroupVersionDef): unknown {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(gv),
    resources: gv.resources.map((r) => ({
      name: r.name,
      singularName: r.singularName,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
    })),
  };
}
