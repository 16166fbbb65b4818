// virt-handler's LiveMigratable condition (pkg/virt-handler/vm.go calculateLiveMigrationCondition,
// checkVolumesForMigration), for the reasons a desktop VM can run into. Storage decides most of it:
// every PVC-backed volume (persistentVolumeClaim or dataVolume, hot-plugged ones included) must be
// shared, i.e. its PVC has the ReadWriteMany access mode; a ReadWriteOnce clone pins the VM to its
// node. KubeVirt reads the access modes from the PVC (volumeStatus.persistentVolumeClaimInfo): so
// does the simulator where the PVC exists; for a DataVolume whose PVC does not exist (the
// simulator's CDI creates none) the access modes it asks for stand in for the PVC's.
import type { Context } from './context.js';
import type { Condition, DataVolume, VirtualMachineInstance } from './types.js';

const NOT_SHARED = (claim: string) =>
  `cannot migrate VMI: PVC ${claim} is not shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)`;
const UNKNOWN = (claim: string) =>
  `cannot migrate VMI: Unable to determine if PVC ${claim} is shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)`;

/** What the simulator knows about one claim's access modes; undefined: nothing (no PVC, no DataVolume). */
export type AccessModesOf = (claimName: string) => string[] | undefined;

export function accessModesFrom(ctx: Pick<Context, 'pvcs' | 'dvs'>, namespace: string): AccessModesOf {
  return (claimName) => {
    const pvc = ctx.pvcs?.get(`${namespace}/${claimName}`);
    if (pvc) return pvc.spec?.accessModes ?? [];
    const dv: DataVolume | undefined = ctx.dvs.get(`${namespace}/${claimName}`);
    if (!dv) return undefined;
    return dv.spec.storage?.accessModes ?? dv.spec.pvc?.accessModes ?? [];
  };
}

/** The first volume that blocks live migration, with virt-handler's message; undefined when none does. */
export function unsharedVolume(vmi: VirtualMachineInstance, modesOf: AccessModesOf): string | undefined {
  for (const volume of vmi.spec.volumes ?? []) {
    const claim = volume.persistentVolumeClaim?.claimName ?? volume.dataVolume?.name;
    if (!claim) continue;
    const modes = modesOf(claim);
    if (modes === undefined) return UNKNOWN(claim);
    if (!modes.includes('ReadWriteMany')) return NOT_SHARED(claim);
  }
  return undefined;
}

export function liveMigratableCondition(vmi: VirtualMachineInstance, modesOf: AccessModesOf): Condition {
  const devices = vmi.spec.domain.devices ?? {};
  const disks = unsharedVolume(vmi, modesOf);
  const podNetwork = vmi.spec.networks?.find((n) => n.pod !== undefined)?.name;
  const podInterface = devices.interfaces?.find((i) => i.name === podNetwork);
  let reason: string | undefined;
  let message = '';
  if (disks) {
    reason = 'DisksNotLiveMigratable';
    message = disks;
  } else if (podInterface && podInterface.bridge !== undefined) {
    reason = 'InterfaceNotLiveMigratable';
    message =
      'cannot migrate VMI which does not use masquerade, bridge with kubevirt.io/allow-pod-bridge-network-live-migration VM annotation or a migratable plugin to connect to the pod network';
  } else if (
    (devices.gpus as unknown[] | undefined)?.length ||
    (devices.hostDevices as unknown[] | undefined)?.length
  ) {
    reason = 'HostDeviceNotLiveMigratable';
    message = 'cannot migrate VMI with host devices';
  }
  return reason
    ? { type: 'LiveMigratable', status: 'False', reason, message, lastProbeTime: null, lastTransitionTime: null }
    : { type: 'LiveMigratable', status: 'True', lastProbeTime: null, lastTransitionTime: null };
}

/** The condition for a VMI in the simulator's caches. */
export function liveMigratable(ctx: Pick<Context, 'pvcs' | 'dvs'>, vmi: VirtualMachineInstance): Condition {
  return liveMigratableCondition(vmi, accessModesFrom(ctx, vmi.metadata.namespace));
}

/** virtv1 VirtualMachineInstance.IsMigratable: the LiveMigratable condition is True. */
export function isMigratable(vmi: VirtualMachineInstance): boolean {
  return vmi.status?.conditions?.some((c) => c.type === 'LiveMigratable' && c.status === 'True') ?? false;
}
