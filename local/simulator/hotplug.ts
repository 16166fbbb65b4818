// Volume hotplug, as KubeVirt v1.9 does it for a VirtualMachine (pkg/virt-api/rest/subresource.go
// VMAddVolumeRequestHandler / VMRemoveVolumeRequestHandler, pkg/virt-controller/watch/vm/vm.go
// applyVolumeRequests, virt-handler's hotplug volume mounter), reduced to what a cluster without
// KVM can show:
//   1. virt-api's `virtualmachines/{name}/addvolume` (or `removevolume`) checks the request and
//      appends it to the VM's `status.volumeRequests` (virt-api/hotplug.ts);
//   2. virt-controller moves each request into the VM's template (a disk and a volume of the same
//      name) and, when a VMI runs, into the VMI's spec; once both show it, it drops the requests;
//   3. virt-handler attaches the disk: the VMI's `status.volumeStatus` entry of a hotpluggable
//      volume gets `hotplugVolume` and phase `Ready` (upstream walks Pending → Bound →
//      AttachedToNode → MountedToPod → Ready through an attachment pod; there are no pods here).
// A hot-plugged volume does not make the VM RestartRequired (restartRequired ignores it).
import { type Context, queueKey } from './context.js';
import { hotplugStatus, isHotpluggable } from './hotplug-volume.js';
import { isConflict, VIRT_CONTROLLER, VIRTUAL_MACHINE_INSTANCES, VIRTUAL_MACHINES } from './kube.js';
import { canonical, isFinal } from './status.js';
import type { VirtualMachine, VirtualMachineInstance, VMISpec } from './types.js';

type Disk = NonNullable<NonNullable<VMISpec['domain']['devices']>['disks']>[number];

/** KubeVirt's VirtualMachineVolumeRequest: exactly one of the two. */
export interface VolumeRequest {
  addVolumeOptions?: { name: string; disk: Disk; volumeSource: Record<string, unknown> };
  removeVolumeOptions?: { name: string };
}

/** A spec without its hot-plugged volumes and their disks: what RestartRequired compares. */
export function withoutHotplugged(spec: VMISpec): VMISpec {
  const hot = new Set((spec.volumes ?? []).filter(isHotpluggable).map((v) => v.name));
  if (hot.size === 0) return spec;
  const devices = spec.domain.devices ?? {};
  return {
    ...spec,
    volumes: (spec.volumes ?? []).filter((v) => !hot.has(v.name)),
    domain: { ...spec.domain, devices: { ...devices, disks: (devices.disks ?? []).filter((d) => !hot.has(d.name)) } },
  };
}

/** A spec with the requests applied, in order (vm.go applyVolumeRequests): added at the end, removed by name. */
export function applyRequests(spec: VMISpec, requests: readonly VolumeRequest[]): VMISpec {
  let volumes = [...(spec.volumes ?? [])];
  let disks = [...(spec.domain.devices?.disks ?? [])];
  for (const request of requests) {
    const add = request.addVolumeOptions;
    if (add && !volumes.some((v) => v.name === add.name)) {
      volumes.push({ name: add.name, ...add.volumeSource });
      disks.push({ ...add.disk, name: add.name });
    }
    const remove = request.removeVolumeOptions;
    if (remove) {
      volumes = volumes.filter((v) => v.name !== remove.name);
      disks = disks.filter((d) => d.name !== remove.name);
    }
  }
  return { ...spec, volumes, domain: { ...spec.domain, devices: { ...spec.domain.devices, disks } } };
}

/**
 * virt-controller's part, one write per pass: the VM's template, then the running VMI, then the
 * requests dropped. True when it wrote (the write's event brings the VM back).
 */
export async function applyVolumeRequests(
  ctx: Context,
  vm: VirtualMachine,
  vmi: VirtualMachineInstance | undefined,
): Promise<boolean> {
  const requests = (vm.status?.volumeRequests ?? []) as VolumeRequest[];
  if (requests.length === 0) return false;
  const k = `${vm.metadata.namespace}/${vm.metadata.name}`;
  try {
    const template = applyRequests(vm.spec.template.spec, requests);
    if (canonical(template) !== canonical(vm.spec.template.spec)) {
      await ctx.api.mergePatch(
        VIRTUAL_MACHINES,
        vm,
        { spec: { template: { spec: specPatch(template) } } },
        VIRT_CONTROLLER,
      );
      ctx.log('VirtualMachine', k, `volume requests applied to the template: ${names(requests)}`);
      return true;
    }
    if (vmi && !isFinal(vmi) && !vmi.metadata.deletionTimestamp) {
      const running = applyRequests(vmi.spec, requests);
      if (canonical(running) !== canonical(vmi.spec)) {
        // The VMI has no status subresource: its spec and virt-handler's volume status in one write.
        const withStatus = { ...vmi, spec: running };
        await ctx.api.mergePatch(
          VIRTUAL_MACHINE_INSTANCES,
          vmi,
          { spec: specPatch(running), status: { volumeStatus: hotplugVolumeStatus(withStatus) } },
          VIRT_CONTROLLER,
        );
        ctx.queue.add(queueKey.vmi(k));
        ctx.log('VirtualMachineInstance', k, `volumes hot-plugged: ${names(requests)}`);
        return true;
      }
    }
    await ctx.api.replaceStatus(
      VIRTUAL_MACHINES,
      { ...vm, status: { ...vm.status, volumeRequests: undefined } },
      VIRT_CONTROLLER,
    );
    return true;
  } catch (err) {
    if (!isConflict(err)) throw err;
    ctx.queue.addAfter(queueKey.vm(k), 20);
    return true;
  }
}

/** The VMI's volumeStatus after a hotplug: every volume's entry kept, the hot-plugged ones Ready. */
function hotplugVolumeStatus(vmi: VirtualMachineInstance): Array<Record<string, unknown>> {
  const old = (vmi.status?.volumeStatus ?? []) as Array<Record<string, unknown>>;
  return (vmi.spec.volumes ?? []).map((v) => {
    const kept = old.find((s) => s.name === v.name);
    if (kept) return kept;
    const claimName = v.persistentVolumeClaim?.claimName ?? v.dataVolume?.name;
    return {
      name: v.name,
      target: '',
      ...(claimName ? { persistentVolumeClaimInfo: { claimName, volumeMode: 'Filesystem' } } : {}),
      ...hotplugStatus(v),
    };
  });
}

/** Lists are replaced whole by a merge patch: the volumes, and the disks inside domain.devices. */
function specPatch(spec: VMISpec): Record<string, unknown> {
  return { volumes: spec.volumes, domain: { devices: { disks: spec.domain.devices?.disks ?? [] } } };
}

function names(requests: readonly VolumeRequest[]): string {
  return requests
    .map((r) => (r.addVolumeOptions ? `+${r.addVolumeOptions.name}` : `-${r.removeVolumeOptions?.name}`))
    .join(' ');
}
