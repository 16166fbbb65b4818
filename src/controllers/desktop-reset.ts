// Resetting a desktop in place — a Manual Stateless pool's logoff: the desktop stays its user's
// (so it cannot be deleted and made anew, which would hand it to the pool), but its disks must be
// the template's again before that user logs on next (oVirt's stateless VM). Steps, one per
// reconcile and each read from what the objects say, so a restarted operator carries on:
//   1. the desktop is stopped (the claim controller set runStrategy Halted with the request);
//   2. once its VMI is gone, each DataVolume older than the request is deleted (foreground, so
//      its PVC goes first), and KubeVirt makes it again from the VM's dataVolumeTemplates;
//   3. once every DataVolume is newer than the request, the request annotation goes.
// A desktop without DataVolumes (a containerDisk) is reset by the stop alone.

import { RESET_ANNOTATION } from '../api/annotations.js';
import type { VirtualMachine } from '../render/kubevirt.js';
import type { Recorder } from '../runtime/events.js';
import type { Logger } from '../runtime/log.js';

export interface DataVolumeIdentity {
  uid: string;
  creationTimestamp: string;
}

export interface ResetActions {
  readDataVolume(namespace: string, name: string): Promise<DataVolumeIdentity | undefined>;
  /** Foreground, with the uid as a precondition: only the disk we looked at is deleted. */
  deleteDataVolume(namespace: string, name: string, uid: string): Promise<void>;
  /** JSON merge patch guarded by the resourceVersion in `body.metadata`. */
  patchDesktop(namespace: string, name: string, body: object): Promise<void>;
}

export type ResetStep = 'stop' | 'wait-stopped' | 'delete-disks' | 'wait-disks' | 'done';

/** What of a VM the reset reads. */
export interface ResetView {
  metadata?: { annotations?: Record<string, string> };
  spec?: { runStrategy?: string };
  status?: { created?: boolean };
}

/** The step a desktop's reset is at, from the VM and the identities of its DataVolumes. */
export function resetStep(vm: ResetView, disks: readonly (DataVolumeIdentity | undefined)[]): ResetStep {
  const requested = Date.parse(vm.metadata?.annotations?.[RESET_ANNOTATION] ?? '');
  if (vm.spec?.runStrategy !== 'Halted') return 'stop';
  if (vm.status?.created) return 'wait-stopped';
  // creationTimestamp has whole seconds: a disk from the request's second counts as old, so at
  // worst it is made once more.
  if (disks.some((dv) => dv && Date.parse(dv.creationTimestamp) <= requested)) return 'delete-disks';
  if (disks.some((dv) => !dv)) return 'wait-disks';
  return 'done';
}

/**
 * Moves every resetting desktop one step on. Returns true while some reset is still in progress
 * (KubeVirt remaking a DataVolume is not something the pool's watches see, so the caller looks
 * again shortly; nothing is polled once no reset is left).
 */
export async function resetDesktops(
  actions: ResetActions,
  desktops: readonly VirtualMachine[],
  recorder: Recorder,
  pool: Parameters<Recorder['record']>[0],
  log: Logger,
): Promise<boolean> {
  let inProgress = false;
  for (const vm of desktops) {
    if (!vm.metadata?.annotations?.[RESET_ANNOTATION] || vm.metadata.deletionTimestamp) continue;
    const namespace = vm.metadata.namespace as string;
    const name = vm.metadata.name as string;
    const diskNames = (vm.spec?.dataVolumeTemplates ?? []).map((t) => t.metadata?.name as string);
    const disks = await Promise.all(diskNames.map((disk) => actions.readDataVolume(namespace, disk)));
    const step = resetStep(vm, disks);
    if (step === 'stop') {
      await actions.patchDesktop(namespace, name, {
        metadata: { resourceVersion: vm.metadata.resourceVersion },
        spec: { runStrategy: 'Halted' },
      });
    } else if (step === 'delete-disks') {
      const requested = Date.parse(vm.metadata.annotations[RESET_ANNOTATION]);
      for (const [i, dv] of disks.entries()) {
        if (dv && Date.parse(dv.creationTimestamp) <= requested) {
          await actions.deleteDataVolume(namespace, diskNames[i] as string, dv.uid);
        }
      }
      log.info({ desktop: name, disks: diskNames }, 'resetting: disks deleted');
    } else if (step === 'done') {
      await actions.patchDesktop(namespace, name, {
        metadata: { resourceVersion: vm.metadata.resourceVersion, annotations: { [RESET_ANNOTATION]: null } },
      });
      recorder.record(pool, 'Normal', 'DesktopReset', `Desktop ${name} was reset to fresh disks from its template`);
      log.info({ desktop: name }, 'reset');
      continue;
    }
    inProgress = true;
  }
  return inProgress;
}
