// A person's profile disk at bind and release (issue 18), for the claim controller. The disk is a
// PVC named from pool and person (render/profile-disk.ts): made the first time that person gets a
// desktop of the pool, checked to be theirs (read live, never from a cache) before every attach,
// attached with KubeVirt's `addvolume` (into the VM's spec, and hot-plugged when it runs), and
// stamped with the time it was last given back, which retention counts from.
//
// Detaching: the desktop of an Automatic Stateless pool is deleted at release — the reset — and
// the disk leaves with it, the guest shut down cleanly rather than a disk pulled from under a
// running session; the desktop the pool makes anew has no profile disk until the next bind. A
// Manual Stateless desktop stays its person's, so their disk stays in it across the reset (which
// remakes only its DataVolumes). Persistent pools have none (refused by the CRD).
import type { KubernetesObject } from '@kubernetes/client-node';
import { PROFILE_DISK_ANNOTATION } from '../api/annotations.js';
import type { DesktopClaim } from '../api/desktopclaim.js';
import { PROFILE_DISK_NAME, type ProfileDiskStatus } from '../api/profile-disk.js';
import type { VirtualDesktopPool } from '../api/virtualdesktoppool.js';
import type { VirtualMachine } from '../render/kubevirt.js';
import {
  attachedProfileDisk,
  belongsTo,
  PROFILE_RELEASED_ANNOTATION,
  profileAttachment,
  profileDiskName,
  renderProfileDisk,
} from '../render/profile-disk.js';
import { isApiError } from '../runtime/api-errors.js';
import { isoSeconds } from '../runtime/conditions.js';
import type { Recorder } from '../runtime/events.js';
import type { ProfileDiskActions } from './actions.js';

// As claim-handover.ts names them (which imports this module).
type Claim = DesktopClaim & KubernetesObject;
type Desktop = VirtualMachine & KubernetesObject;

export interface ProfileDiskDeps {
  actions: { profileDisks: ProfileDiskActions };
  recorder: Recorder;
}

/** Refused: a disk of that name exists and is not this person's of this pool. Never attached. */
export class ProfileDiskRefused extends Error {}

/** The person's disk is being deleted: the claim waits, and is looked at again shortly. */
export class ProfileDiskBusy extends Error {}

/** How soon a claim waiting for its person's disk to go is looked at again (PVCs are not watched here). */
export const PROFILE_DISK_BUSY_RECHECK_MS = 5000;

/** The claim's person's profile disk of the pool, made if it does not exist yet. */
export async function ensureProfileDisk(
  deps: ProfileDiskDeps,
  pool: VirtualDesktopPool,
  claim: Claim,
  now: Date,
): Promise<string> {
  const spec = pool.spec.profileDisk;
  if (!spec) throw new Error('the pool has no profile disks');
  const poolName = pool.metadata.name as string;
  const user = claim.spec.user;
  const namespace = pool.metadata.namespace as string;
  const name = profileDiskName(poolName, user);
  let pvc = await deps.actions.profileDisks.read(namespace, name);
  if (!pvc) {
    pvc = await deps.actions.profileDisks.create(renderProfileDisk(pool, spec, user, isoSeconds(now)));
    if (pvc.metadata?.uid && belongsTo(pvc, poolName, user)) {
      deps.recorder.record(
        claim,
        'Normal',
        'ProfileDiskCreated',
        `Profile disk ${name} (${spec.size}) was created for ${user}`,
      );
    }
  }
  if (pvc.metadata?.deletionTimestamp) {
    // Deleted (retention, an administrator) but still in use somewhere, or its storage still being
    // released: the person gets a new disk once it is gone, never one on its way out.
    throw new ProfileDiskBusy(
      `profile disk ${name} of ${user} is being deleted; the claim is bound once it is gone and a new one is made`,
    );
  }
  if (!belongsTo(pvc, poolName, user)) {
    const message = `PersistentVolumeClaim ${name} is not ${user}'s profile disk of pool ${poolName} (its labels or annotations say otherwise); it is not attached to anyone's desktop`;
    deps.recorder.record(claim, 'Warning', 'ProfileDiskRefused', message);
    throw new ProfileDiskRefused(message);
  }
  return name;
}

/**
 * Attaches the person's disk to the desktop just bound to them (or already theirs): KubeVirt's
 * `addvolume` puts it in the VM's spec and, if the VM runs, hot-plugs it. Nothing to do when the
 * desktop's spec carries it already; refused when it carries another disk under the profile name.
 */
export async function attachProfileDisk(
  deps: ProfileDiskDeps,
  pool: VirtualDesktopPool,
  desktop: Desktop,
  pvcName: string,
): Promise<void> {
  const spec = pool.spec.profileDisk;
  if (!spec) return;
  const attached = attachedProfileDisk(desktop);
  if (attached === pvcName) return;
  const desktopName = desktop.metadata?.name as string;
  if (attached) {
    throw new ProfileDiskRefused(
      `desktop ${desktopName} carries profile disk ${attached}, not ${pvcName}; the disk is not attached`,
    );
  }
  const { disk, volume } = profileAttachment(spec, pvcName);
  const { name: _name, ...volumeSource } = volume;
  try {
    await deps.actions.profileDisks.addVolume(desktop.metadata?.namespace as string, desktopName, {
      name: PROFILE_DISK_NAME,
      disk,
      volumeSource,
    });
  } catch (err) {
    // A request for it is pending, or KubeVirt put it in the spec a moment ago: the desktop's
    // next change shows it, and the claim is looked at again then.
    if (!isApiError(err, 409)) throw err;
  }
}

/** The desktop's annotation that says which profile disk it was bound with (for the bind patch). */
export function profileAnnotation(pvcName: string | undefined): Record<string, string> {
  return pvcName ? { [PROFILE_DISK_ANNOTATION]: pvcName } : {};
}

/** A desktop carrying this disk was given back: retention counts from now. */
export async function markReleased(
  deps: ProfileDiskDeps,
  namespace: string,
  pvcName: string,
  now: Date,
): Promise<void> {
  await deps.actions.profileDisks.annotate(namespace, pvcName, { [PROFILE_RELEASED_ANNOTATION]: isoSeconds(now) });
}

/** What the claim's status says of the person's disk, from the bound desktop as the cache shows it. */
export function profileDiskStatus(
  pool: VirtualDesktopPool,
  user: string,
  desktop: Desktop | undefined,
): ProfileDiskStatus | undefined {
  const spec = pool.spec.profileDisk;
  if (!spec) return undefined;
  const name = profileDiskName(pool.metadata.name as string, user);
  return { name, size: String(spec.size), attached: desktop !== undefined && attachedProfileDisk(desktop) === name };
}
