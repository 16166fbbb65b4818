// The few API calls the simulator makes, over @kubernetes/client-node. Writes carry the field
// manager KubeVirt's own components would show in managedFields, and are guarded by
// resourceVersion (optimistic concurrency) like virt-controller's updates.
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { makeApiClient } from '../../src/runtime/client.js';
import {
  CDI_GROUP,
  CDI_VERSION,
  type DataSource,
  KUBEVIRT_GROUP,
  KUBEVIRT_VERSION,
  type KubeObject,
  type VirtualMachine,
} from './types.js';

export interface Resource {
  group: string;
  version: string;
  plural: string;
  kind: string;
}

export const VIRTUAL_MACHINES: Resource = {
  group: KUBEVIRT_GROUP,
  version: KUBEVIRT_VERSION,
  plural: 'virtualmachines',
  kind: 'VirtualMachine',
};
export const VIRTUAL_MACHINE_INSTANCES: Resource = {
  group: KUBEVIRT_GROUP,
  version: KUBEVIRT_VERSION,
  plural: 'virtualmachineinstances',
  kind: 'VirtualMachineInstance',
};
export const DATA_VOLUMES: Resource = {
  group: CDI_GROUP,
  version: CDI_VERSION,
  plural: 'datavolumes',
  kind: 'DataVolume',
};
export const MIGRATIONS: Resource = {
  group: KUBEVIRT_GROUP,
  version: KUBEVIRT_VERSION,
  plural: 'virtualmachineinstancemigrations',
  kind: 'VirtualMachineInstanceMigration',
};
/** Core resources (group ""): the simulator reads nodes and claims like virt-controller does. */
export const NODES: Resource = { group: '', version: 'v1', plural: 'nodes', kind: 'Node' };
export const PERSISTENT_VOLUME_CLAIMS: Resource = {
  group: '',
  version: 'v1',
  plural: 'persistentvolumeclaims',
  kind: 'PersistentVolumeClaim',
};
export const DATA_SOURCES: Resource = {
  group: CDI_GROUP,
  version: CDI_VERSION,
  plural: 'datasources',
  kind: 'DataSource',
};

/** Field managers as the real components appear in managedFields. */
export const VIRT_CONTROLLER = 'virt-controller';
export const VIRT_HANDLER = 'virt-handler';
export const CDI_CONTROLLER = 'cdi-controller';

export function errorCode(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  return undefined;
}

/** The API server's own message (e.g. `datasources.cdi.kubevirt.io "x" not found`), else the error text. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiException) {
    let body: unknown = err.body;
    if (typeof err.body === 'string') {
      const text: string = err.body;
      try {
        body = JSON.parse(text);
      } catch {
        return text || `HTTP ${err.code}`;
      }
    }
    const message = (body as { message?: unknown } | undefined)?.message;
    return typeof message === 'string' ? message : `HTTP ${err.code}`;
  }
  return err instanceof Error ? err.message : String(err);
}

export function isNotFound(err: unknown): boolean {
  return errorCode(err) === 404;
}

export function isConflict(err: unknown): boolean {
  return errorCode(err) === 409;
}

export function resourcePath(resource: Resource, namespace?: string): string {
  const ns = namespace ? `/namespaces/${namespace}` : '';
  const root = resource.group ? `/apis/${resource.group}` : '/api';
  return `${root}/${resource.version}${ns}/${resource.plural}`;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export class Api {
  private readonly custom: CustomObjectsApi;
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;

  constructor(readonly kc: KubeConfig) {
    // Connections kept alive, as client-go's are in virt-controller: client-node's own clients
    // open a TLS connection per request, which made the simulator (and so every benchmark figure
    // that waits for it) far slower than KubeVirt.
    this.custom = makeApiClient(kc, CustomObjectsApi);
    this.apps = makeApiClient(kc, AppsV1Api);
    this.core = makeApiClient(kc, CoreV1Api);
  }

  async list<T>(resource: Resource, namespace?: string): Promise<ListResult<T>> {
    const items: T[] = [];
    let resourceVersion = '';
    let cont: string | undefined;
    do {
      const page = (
        !resource.group
          ? await this.listCore(resource, namespace, cont)
          : namespace
            ? await this.custom.listNamespacedCustomObject({ ...gvp(resource), namespace, limit: 500, _continue: cont })
            : await this.custom.listClusterCustomObject({ ...gvp(resource), limit: 500, _continue: cont })
      ) as { items: T[]; metadata?: { resourceVersion?: string; continue?: string } };
      items.push(...page.items);
      // The first page's resourceVersion is the list's snapshot.
      resourceVersion ||= page.metadata?.resourceVersion ?? '';
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return { items, resourceVersion };
  }

  private async listCore(
    resource: Resource,
    namespace: string | undefined,
    cont: string | undefined,
  ): Promise<unknown> {
    if (resource === NODES) return this.core.listNode({ limit: 500, _continue: cont });
    if (resource !== PERSISTENT_VOLUME_CLAIMS) throw new Error(`no core list for ${resource.plural}`);
    return namespace
      ? this.core.listNamespacedPersistentVolumeClaim({ namespace, limit: 500, _continue: cont })
      : this.core.listPersistentVolumeClaimForAllNamespaces({ limit: 500, _continue: cont });
  }

  /** Creates a Node (status included: the API server keeps a Node's status on create, as kubelet relies on). */
  async createNode(node: object): Promise<void> {
    try {
      await this.core.createNode({ body: node as never, fieldManager: 'kubelet' });
    } catch (err) {
      if (errorCode(err) !== 409) throw err;
    }
  }

  /** Replaces a node's taints (merge patch guarded by its resourceVersion), as the node lifecycle controller does. */
  async setNodeTaints(name: string, resourceVersion: string, taints: object[]): Promise<void> {
    await this.core.patchNode(
      { name, body: { metadata: { resourceVersion }, spec: { taints } }, fieldManager: 'node-lifecycle-controller' },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async getDataSource(namespace: string, name: string): Promise<DataSource> {
    return (await this.custom.getNamespacedCustomObject({ ...gvp(DATA_SOURCES), namespace, name })) as DataSource;
  }

  async create<T extends KubeObject>(resource: Resource, obj: T, fieldManager: string): Promise<T> {
    return (await this.custom.createNamespacedCustomObject({
      ...gvp(resource),
      namespace: obj.metadata.namespace,
      body: obj,
      fieldManager,
    })) as T;
  }

  /** PUT of the whole object (the VMI has no status subresource: virt-controller updates it like this). */
  async replace<T extends KubeObject>(resource: Resource, obj: T, fieldManager: string): Promise<T> {
    return (await this.custom.replaceNamespacedCustomObject({
      ...gvp(resource),
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      body: obj,
      fieldManager,
    })) as T;
  }

  /** PUT on /status with the object's resourceVersion (UpdateStatus). */
  async replaceStatus<T extends KubeObject>(resource: Resource, obj: T, fieldManager: string): Promise<T> {
    return (await this.custom.replaceNamespacedCustomObjectStatus({
      ...gvp(resource),
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      body: obj,
      fieldManager,
    })) as T;
  }

  /** JSON merge patch guarded by the resourceVersion the change was computed from. */
  async mergePatch<T extends KubeObject>(
    resource: Resource,
    obj: KubeObject,
    patch: Record<string, unknown>,
    fieldManager: string,
  ): Promise<T> {
    const metadata = {
      ...((patch.metadata as object | undefined) ?? {}),
      resourceVersion: obj.metadata.resourceVersion,
    };
    return (await this.custom.patchNamespacedCustomObject(
      {
        ...gvp(resource),
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        body: { ...patch, metadata },
        fieldManager,
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as T;
  }

  /** DELETE with a UID precondition, so a newer object of the same name is never hit. */
  async delete(resource: Resource, obj: KubeObject): Promise<KubeObject | undefined> {
    try {
      return (await this.custom.deleteNamespacedCustomObject({
        ...gvp(resource),
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        body: { preconditions: { uid: obj.metadata.uid } },
      })) as KubeObject;
    } catch (err) {
      // Gone already, or replaced by a newer object with the same name (precondition failed).
      if (isNotFound(err) || isConflict(err)) return undefined;
      throw err;
    }
  }

  // ControllerRevisions `revision-start-vm-<uid>-<generation>` hold the VM spec a VMI was started
  // from, as virt-controller keeps them.

  async createRevision(vm: VirtualMachine, name: string, ownerRef: object): Promise<void> {
    try {
      await this.apps.createNamespacedControllerRevision({
        namespace: vm.metadata.namespace,
        fieldManager: VIRT_CONTROLLER,
        body: {
          apiVersion: 'apps/v1',
          kind: 'ControllerRevision',
          metadata: { name, namespace: vm.metadata.namespace, ownerReferences: [ownerRef as never] },
          data: { spec: vm.spec },
          revision: vm.metadata.generation ?? 1,
        },
      });
    } catch (err) {
      if (errorCode(err) !== 409) throw err;
    }
  }

  async readRevisionSpec(namespace: string, name: string): Promise<VirtualMachine['spec'] | undefined> {
    try {
      const rev = await this.apps.readNamespacedControllerRevision({ namespace, name });
      return (rev.data as { spec?: VirtualMachine['spec'] } | undefined)?.spec;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async deleteOlderRevisions(vm: VirtualMachine, keep: string): Promise<void> {
    const prefix = `revision-start-vm-${vm.metadata.uid}-`;
    const list = await this.apps.listNamespacedControllerRevision({ namespace: vm.metadata.namespace });
    for (const rev of list.items) {
      const name = rev.metadata?.name ?? '';
      if (!name.startsWith(prefix) || name === keep) continue;
      await this.apps
        .deleteNamespacedControllerRevision({ namespace: vm.metadata.namespace, name })
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
    }
  }
}

function gvp(resource: Resource): { group: string; version: string; plural: string } {
  return { group: resource.group, version: resource.version, plural: resource.plural };
}
