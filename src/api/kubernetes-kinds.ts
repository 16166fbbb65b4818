// The kinds of others that kubevdi reads and writes (KubeVirt, CDI, Kubernetes), named once.
// kubevdi's own kinds export theirs beside their schemas (vmtemplate.ts, virtualdesktoppool.ts,
// desktopclaim.ts).
import type { ResourceType } from './resource-type.js';

export const CONTROLLER_REVISIONS: ResourceType = {
  group: 'apps',
  version: 'v1',
  plural: 'controllerrevisions',
  kind: 'ControllerRevision',
  namespaced: true,
};
export const VIRTUAL_MACHINES: ResourceType = {
  group: 'kubevirt.io',
  version: 'v1',
  plural: 'virtualmachines',
  kind: 'VirtualMachine',
  namespaced: true,
};
/** A running desktop: the VirtualMachineInstance KubeVirt makes from the VirtualMachine. */
export const VIRTUAL_MACHINE_INSTANCES: ResourceType = {
  group: 'kubevirt.io',
  version: 'v1',
  plural: 'virtualmachineinstances',
  kind: 'VirtualMachineInstance',
  namespaced: true,
};
/** A live migration of a VirtualMachineInstance to another node. */
export const MIGRATIONS: ResourceType = {
  group: 'kubevirt.io',
  version: 'v1',
  plural: 'virtualmachineinstancemigrations',
  kind: 'VirtualMachineInstanceMigration',
  namespaced: true,
};
/** Nodes: where desktops run, and which are in maintenance (cluster-scoped). */
export const NODES: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'nodes',
  kind: 'Node',
  namespaced: false,
};
/** Profile disks (issue 18): the operator's own PVCs, one per person and pool. */
export const PERSISTENT_VOLUME_CLAIMS: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'persistentvolumeclaims',
  kind: 'PersistentVolumeClaim',
  namespaced: true,
};
export const SERVICES: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'services',
  kind: 'Service',
  namespaced: true,
};
/** Who may reach desktops' RDP port, for pools with rdp.enabled. */
export const NETWORK_POLICIES: ResourceType = {
  group: 'networking.k8s.io',
  version: 'v1',
  plural: 'networkpolicies',
  kind: 'NetworkPolicy',
  namespaced: true,
};
export const ROLES: ResourceType = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural: 'roles',
  kind: 'Role',
  namespaced: true,
};
export const ROLE_BINDINGS: ResourceType = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural: 'rolebindings',
  kind: 'RoleBinding',
  namespaced: true,
};
export const DATA_VOLUMES: ResourceType = {
  group: 'cdi.kubevirt.io',
  version: 'v1beta1',
  plural: 'datavolumes',
  kind: 'DataVolume',
  namespaced: true,
};
export const DATA_SOURCES: ResourceType = {
  group: 'cdi.kubevirt.io',
  version: 'v1beta1',
  plural: 'datasources',
  kind: 'DataSource',
  namespaced: true,
};
