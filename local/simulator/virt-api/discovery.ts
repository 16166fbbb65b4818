// Discovery documents for the group this server plays: what the API server's aggregator reads to
// mark the APIService Available and to list `subresources.kubevirt.io/v1` to clients. Only the
// subresources the simulator serves are listed (KubeVirt lists many more).

export const GROUP = 'subresources.kubevirt.io';
export const VERSION = 'v1';
export const GROUP_VERSION = `${GROUP}/${VERSION}`;

interface Subresource {
  name: string;
  kind: string;
  verbs: string[];
}

export const SUBRESOURCES: Subresource[] = [
  { name: 'virtualmachines/start', kind: 'VirtualMachine', verbs: ['update'] },
  { name: 'virtualmachines/stop', kind: 'VirtualMachine', verbs: ['update'] },
  { name: 'virtualmachines/restart', kind: 'VirtualMachine', verbs: ['update'] },
  { name: 'virtualmachines/migrate', kind: 'VirtualMachine', verbs: ['update'] },
  { name: 'virtualmachines/addvolume', kind: 'VirtualMachine', verbs: ['update'] },
  { name: 'virtualmachines/removevolume', kind: 'VirtualMachine', verbs: ['update'] },
  { name: 'virtualmachineinstances/vnc', kind: 'VirtualMachineInstance', verbs: ['get'] },
  { name: 'virtualmachineinstances/userlist', kind: 'VirtualMachineInstance', verbs: ['get'] },
  { name: 'virtualmachineinstances/guestosinfo', kind: 'VirtualMachineInstance', verbs: ['get'] },
];

const versionEntry = { groupVersion: GROUP_VERSION, version: VERSION };

function apiGroup() {
  return { name: GROUP, versions: [versionEntry], preferredVersion: versionEntry };
}

/** GET /apis */
export function apiGroupList() {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [apiGroup()] };
}

/** GET /apis/subresources.kubevirt.io */
export function apiGroupDocument() {
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup() };
}

/** GET /apis/subresources.kubevirt.io/v1 */
export function apiResourceList() {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: GROUP_VERSION,
    resources: SUBRESOURCES.map((s) => ({
      name: s.name,
      singularName: '',
      namespaced: true,
      kind: s.kind,
      verbs: s.verbs,
    })),
  };
}
