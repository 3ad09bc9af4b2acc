/**
 * The only module that talks to the Kubernetes API (DESIGN §2). Triggers see this narrow interface;
 * the implementation wraps `@kubernetes/client-node` with discovery-based resource resolution.
 */

/** A Kubernetes object as plain JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export type PatchStrategy = 'merge' | 'json' | 'strategic' | 'apply';

export interface KubeClient {
  /** Where the client points, for messages (`https://127.0.0.1:6443`). */
  readonly server: string;
  create(object: KubeObject): Promise<KubeObject>;
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubeObject>;
  update(object: KubeObject): Promise<KubeObject>;
  patch(object: KubeObject, strategy: PatchStrategy): Promise<KubeObject>;
  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<void>;
}
