// The kinds kubevdi watches and writes, in one place: group, version, plural and kind of each.
import { GROUP, VERSION } from './api/meta.js';
import type { ResourceType } from './runtime/informer.js';

export const VMTEMPLATES: ResourceType = {
  group: GROUP,
  version: VERSION,
  plural: 'vmtemplates',
  kind: 'VMTemplate',
  namespaced: true,
};
export const POOLS: ResourceType = {
  group: GROUP,
  version: VERSION,
  plural: 'virtualdesktoppools',
  kind: 'VirtualDesktopPool',
  namespaced: true,
};
export const CLAIMS: ResourceType = {
  group: GROUP,
  version: VERSION,
  plural: 'desktopclaims',
  kind: 'DesktopClaim',
  namespaced: true,
};
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
export const SERVICES: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'services',
  kind: 'Service',
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
export const DATA_SOURCES: ResourceType = {
  group: 'cdi.kubevirt.io',
  version: 'v1beta1',
  plural: 'datasources',
  kind: 'DataSource',
  namespaced: true,
};

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}
