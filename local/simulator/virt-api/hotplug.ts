// virt-api's `virtualmachines/{name}/addvolume` and `removevolume` (KubeVirt v1.9,
// pkg/virt-api/rest/subresource.go VMAddVolumeRequestHandler / VMRemoveVolumeRequestHandler): the
// request is checked and appended to the VM's `status.volumeRequests`; virt-controller (the
// simulator's hotplug.ts) does the rest. The VM is read fresh, and the write is guarded by its
// resourceVersion and tried again on a conflict while the request still makes sense.

import type { VolumeRequest } from '../hotplug.js';
import { errorMessage, isConflict } from '../kube.js';
import type { VirtualMachine } from '../types.js';
import { badRequest, conflict, internalError, notFound } from './errors.js';
import type { VirtApiClient } from './kube.js';
import type { Reply } from './subresources.js';

export const HOTPLUG_ACTIONS = ['addvolume', 'removevolume'] as const;
export type HotplugAction = (typeof HOTPLUG_ACTIONS)[number];

const MAX_ATTEMPTS = 10;

interface Options {
  name?: string;
  disk?: Record<string, unknown>;
  volumeSource?: Record<string, unknown>;
  dryRun?: string[];
}

export async function hotplug(
  client: VirtApiClient,
  action: HotplugAction,
  namespace: string,
  name: string,
  body: string,
): Promise<Reply> {
  const options = parse(body);
  const request = action === 'addvolume' ? addRequest(options) : removeRequest(options);
  for (let attempt = 1; ; attempt++) {
    let vm: VirtualMachine | undefined;
    try {
      vm = await client.getVM(namespace, name);
    } catch (err) {
      throw internalError(errorMessage(err));
    }
    if (!vm) throw notFound('virtualmachine', name);
    refuseUnlessPossible(vm, request);
    if (options.dryRun?.includes('All')) return { status: 202 };
    try {
      await client.writeVolumeRequests(vm, [...((vm.status?.volumeRequests ?? []) as VolumeRequest[]), request]);
      return { status: 202 };
    } catch (err) {
      if (!isConflict(err) || attempt >= MAX_ATTEMPTS) throw internalError(errorMessage(err));
    }
  }
}

function parse(body: string): Options {
  try {
    const parsed: unknown = JSON.parse(body || 'null');
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Options;
  } catch (err) {
    throw badRequest(`Can not unmarshal Request body to struct, error: ${errorMessage(err)}`);
  }
}

function addRequest(options: Options): VolumeRequest {
  if (!options.name) throw badRequest('AddVolumeOptions requires name to be set');
  if (!options.disk) throw badRequest('AddVolumeOptions requires disk to not be nil');
  const source = options.volumeSource;
  if (!source) throw badRequest('AddVolumeOptions requires VolumeSource to not be nil');
  const kinds = ['persistentVolumeClaim', 'dataVolume'].filter((k) => source[k] !== undefined);
  if (kinds.length !== 1) throw badRequest('AddVolumeOptions requires exactly one volume source to be set');
  return {
    addVolumeOptions: { name: options.name, disk: { ...options.disk, name: options.name }, volumeSource: source },
  };
}

function removeRequest(options: Options): VolumeRequest {
  if (!options.name) throw badRequest('RemoveVolumeOptions requires name to be set');
  return { removeVolumeOptions: { name: options.name } };
}

/** Upstream refuses a second volume of a name, a pending request for it, and unplugging what was not hot-plugged. */
function refuseUnlessPossible(vm: VirtualMachine, request: VolumeRequest): void {
  const name = request.addVolumeOptions?.name ?? request.removeVolumeOptions?.name ?? '';
  const vmName = vm.metadata.name;
  const pending = ((vm.status?.volumeRequests ?? []) as VolumeRequest[]).some(
    (r) => (r.addVolumeOptions?.name ?? r.removeVolumeOptions?.name) === name,
  );
  if (pending)
    throw conflict('virtualmachine', vmName, `unable to change volume [${name}]: a request for it is pending`);
  const volume = vm.spec.template.spec.volumes?.find((v) => v.name === name);
  if (request.addVolumeOptions && volume) {
    throw conflict(
      'virtualmachine',
      vmName,
      `Unable to add volume [${name}] because volume with that name already exists`,
    );
  }
  if (request.removeVolumeOptions) {
    if (!volume)
      throw conflict('virtualmachine', vmName, `Unable to remove volume [${name}] because it does not exist`);
    const source = (volume.persistentVolumeClaim ?? volume.dataVolume) as { hotpluggable?: boolean } | undefined;
    if (!source?.hotpluggable) throw badRequest(`Unable to remove volume [${name}] because it is not hotpluggable`);
  }
}
