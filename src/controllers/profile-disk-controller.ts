// Profile disk retention (issue 18), keyed by pool: a disk its person has not used for longer than
// the pool's `profileDisk.retainDaysAfterLastUse` is deleted (uid precondition: only the disk the
// decision was made on), with an Event on the pool saying whose and why. A pool without retention,
// and a deleted pool, keep their disks: people's data goes only when someone asked for it
// (`deleteWithPool` owns the disks by the pool, so garbage collection takes them with it).
import type { KubernetesObject, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { PROFILE_DISK_ANNOTATION } from '../api/annotations.js';
import type { DesktopClaim } from '../api/desktopclaim.js';
import { LABELS } from '../api/labels.js';
import type { VirtualDesktopPool } from '../api/virtualdesktoppool.js';
import type { VirtualMachine } from '../render/kubevirt.js';
import { attachedProfileDisk, PROFILE_PERSON_ANNOTATION, PROFILE_RELEASED_ANNOTATION } from '../render/profile-disk.js';
import { type Clock, systemClock } from '../runtime/clock.js';
import { Controller, type Key, splitKey } from '../runtime/controller.js';
import type { Recorder } from '../runtime/events.js';
import type { Informer } from '../runtime/informer.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import type { ReconcileResult } from '../runtime/workqueue.js';
import type { ProfileDiskActions } from './actions.js';
import { expiredProfileDisks, type ProfileDiskView } from './profile-retention.js';
import { BY_POOL } from './virtualdesktoppool.js';

/** Timers longer than this are cut: a day later the disk is simply looked at again. */
const MAX_RECHECK_MS = 24 * 60 * 60 * 1000;

export interface ProfileDiskControllerDeps {
  pools: Informer<VirtualDesktopPool & KubernetesObject>;
  desktops: Informer<VirtualMachine & KubernetesObject>;
  claims: Informer<DesktopClaim & KubernetesObject>;
  /** kubevdi's profile disks (by label), indexed by pool. */
  profileDisks: Informer<V1PersistentVolumeClaim>;
  actions: { profileDisks: ProfileDiskActions };
  recorder: Recorder;
  metrics: Metrics;
  log: Logger;
  clock?: Clock;
}

export function profileDiskController(deps: ProfileDiskControllerDeps): Controller {
  const byPool = (obj: KubernetesObject) => {
    const pool = obj.metadata?.labels?.[LABELS.pool];
    return pool ? [`${obj.metadata?.namespace}/${pool}`] : [];
  };
  return new Controller({ name: 'profiledisks', metrics: deps.metrics, log: deps.log }, (key, log) =>
    reconcile(deps, key, log),
  )
    .watches(deps.pools, (p) => [`${p.metadata?.namespace}/${p.metadata?.name}`])
    .watches(deps.profileDisks, byPool)
    .watches(deps.desktops, byPool)
    .watches(deps.claims, (c) => [`${c.metadata?.namespace}/${c.spec.poolRef.name}`]);
}

async function reconcile(deps: ProfileDiskControllerDeps, key: Key, log: Logger): Promise<ReconcileResult | undefined> {
  const { namespace, name } = splitKey(key);
  const pool = deps.pools.get(namespace, name);
  const retainDays = pool?.spec.profileDisk?.retainDaysAfterLastUse;
  if (!pool || retainDays === undefined || pool.metadata?.deletionTimestamp) return;
  const desktops = deps.desktops.byIndex(BY_POOL, key);
  const attached = new Set(
    desktops.flatMap((d) => [attachedProfileDisk(d), d.metadata?.annotations?.[PROFILE_DISK_ANNOTATION]]),
  );
  attached.delete(undefined);
  const claimants = new Set(
    deps.claims
      .byIndex(BY_POOL, key)
      .filter((c) => !c.metadata?.deletionTimestamp && c.status?.phase !== 'Failed' && c.status?.phase !== 'Released')
      .map((c) => c.spec.user),
  );
  // Being deleted already (a PVC stays until no pod uses it): decided, and recorded, once.
  const disks = deps.profileDisks
    .byIndex(BY_POOL, key)
    .filter((pvc) => !pvc.metadata?.deletionTimestamp)
    .map(view);
  const verdict = expiredProfileDisks({
    disks,
    attached: attached as Set<string>,
    claimants,
    retainDays,
    now: (deps.clock ?? systemClock).now(),
  });
  for (const { disk, unusedSince } of verdict.expired) {
    if (!(await deps.actions.profileDisks.delete(namespace, disk.name, disk.uid))) continue;
    deps.recorder.record(
      pool,
      'Normal',
      'ProfileDiskExpired',
      `Profile disk ${disk.name} of ${disk.person ?? 'an unknown person'} was deleted: unused since ${unusedSince}, longer than retainDaysAfterLastUse (${retainDays} days)`,
    );
    log.info({ disk: disk.name, person: disk.person, unusedSince }, 'profile disk past its retention deleted');
  }
  return verdict.recheckInMs !== undefined
    ? { requeueAfterMs: Math.min(verdict.recheckInMs + 1000, MAX_RECHECK_MS) }
    : undefined;
}

function view(pvc: V1PersistentVolumeClaim): ProfileDiskView {
  const annotations = pvc.metadata?.annotations ?? {};
  const created = pvc.metadata?.creationTimestamp;
  return {
    name: pvc.metadata?.name as string,
    uid: pvc.metadata?.uid as string,
    person: annotations[PROFILE_PERSON_ANNOTATION],
    lastReleased: annotations[PROFILE_RELEASED_ANNOTATION],
    created: created ? new Date(created).toISOString() : undefined,
  };
}
