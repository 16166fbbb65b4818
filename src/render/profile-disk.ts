// A person's profile disk in one pool (issue 18): its PersistentVolumeClaim, and how a desktop
// carries it. Pure. The name is derived from pool and person, so every pass (and every replica)
// finds the same disk for the same person, and no other person's claim ever computes it; the
// person is also written on the disk itself, and checked before it is attached (names.ts says why
// names are deterministic).
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { LABELS, MANAGED_BY } from '../api/labels.js';
import { PROFILE_DISK_NAME, type ProfileDiskSpec } from '../api/profile-disk.js';
import type { VirtualDesktopPool } from '../api/virtualdesktoppool.js';
import type { Disk, Volume } from './kubevirt.js';
import { poolOwnerReference } from './owner.js';
import { hashOf } from './revisions.js';

/** Label on a profile disk: a hash of its person (user names are not label values), to select them by. */
export const PROFILE_OF_LABEL = 'kubevdi.io/profile-of';
/** Annotation on a profile disk: its person, in full. The one truth checked before attaching it. */
export const PROFILE_PERSON_ANNOTATION = 'kubevdi.io/person';
/** Annotation on a profile disk: when a desktop it was attached to was last given back (retention counts from it). */
export const PROFILE_RELEASED_ANNOTATION = 'kubevdi.io/last-released';

/** The hash that stands for a person in names and labels: 16 hex digits, collisions beyond reach. */
export function personHash(user: string): string {
  return hashOf(['person', user], 16);
}

/** `<pool>-profile-<hash of person>`: at most 50 + 9 + 16 characters, a DNS label like every name here. */
export function profileDiskName(pool: string, user: string): string {
  return `${pool}-profile-${personHash(user)}`;
}

/** The disk as the operator creates it: no owner (a reset or scale-in must not take it), or the pool when asked. */
export function renderProfileDisk(
  pool: VirtualDesktopPool,
  spec: ProfileDiskSpec,
  user: string,
  now: string,
): V1PersistentVolumeClaim {
  const poolName = pool.metadata.name as string;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: profileDiskName(poolName, user),
      namespace: pool.metadata.namespace,
      labels: { [LABELS.pool]: poolName, [PROFILE_OF_LABEL]: personHash(user), [LABELS.managedBy]: MANAGED_BY },
      // Made at the first bind: until it is first given back, that is its last use.
      annotations: { [PROFILE_PERSON_ANNOTATION]: user, [PROFILE_RELEASED_ANNOTATION]: now },
      ...(spec.deleteWithPool && {
        ownerReferences: [
          { ...poolOwnerReference({ name: poolName, uid: pool.metadata.uid as string }), controller: false },
        ],
      }),
    },
    spec: {
      accessModes: [spec.accessMode],
      resources: { requests: { storage: String(spec.size) } },
      ...(spec.storageClassName && { storageClassName: spec.storageClassName }),
      volumeMode: 'Filesystem',
    },
  };
}

/** The disk and volume a desktop carries: hotpluggable, so it can be added to and removed from a running desktop. */
export function profileAttachment(spec: ProfileDiskSpec, claimName: string): { disk: Disk; volume: Volume } {
  return {
    disk: { name: PROFILE_DISK_NAME, serial: spec.serial, disk: { bus: spec.bus } },
    volume: { name: PROFILE_DISK_NAME, persistentVolumeClaim: { claimName, hotpluggable: true } },
  };
}

/** The profile disk (PVC name) a desktop's spec carries, if any. */
export function attachedProfileDisk(vm: {
  spec?: {
    template?: { spec?: { volumes?: readonly { name?: string; persistentVolumeClaim?: { claimName?: string } }[] } };
  };
}): string | undefined {
  const volume = vm.spec?.template?.spec?.volumes?.find((v) => v.name === PROFILE_DISK_NAME);
  return volume?.persistentVolumeClaim?.claimName;
}

/** Whether a PVC read from the API server is this person's profile disk of this pool. */
export function belongsTo(pvc: V1PersistentVolumeClaim, pool: string, user: string): boolean {
  const meta = pvc.metadata;
  return (
    meta?.annotations?.[PROFILE_PERSON_ANNOTATION] === user &&
    meta?.labels?.[PROFILE_OF_LABEL] === personHash(user) &&
    meta?.labels?.[LABELS.pool] === pool
  );
}
