// Profile disks (issue 18): a person's data volume outlives the Stateless reset. On the real API
// server, with the simulator playing KubeVirt's hotplug: the reset keeps the person's PVC (same
// uid) and gives a fresh root disk (new uid); their next desktop gets the same PVC; nobody else
// ever gets it, even two people racing for one desktop, nor a disk whose labels name someone else.
import { CoreV1Api, CustomObjectsApi, type V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { API_VERSION } from '../src/api/index.js';
import { PROFILE_PERSON_ANNOTATION, PROFILE_RELEASED_ANNOTATION, profileDiskName } from '../src/render/profile-disk.js';
import { applyAs, kubeconfig, refusal, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('profile');
const world = useWorld(namespace);
const { templateWithDisks, pool, claim, readClaim, deleteClaim, diskUid, bound } = useDesktops(namespace);
const PROFILE = { size: '1Gi' };

interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string; hotpluggable?: boolean };
}
interface Machine {
  metadata: { name: string; uid: string };
  spec: {
    template: { spec: { volumes?: Volume[]; domain: { devices: { disks?: { name: string; serial?: string }[] } } } };
  };
  status?: { volumeStatus?: { name: string; phase?: string; hotplugVolume?: object }[] };
}

const custom = () => kubeconfig().makeApiClient(CustomObjectsApi);
const core = () => kubeconfig().makeApiClient(CoreV1Api);

async function readPvc(name: string): Promise<V1PersistentVolumeClaim | undefined> {
  return core()
    .readNamespacedPersistentVolumeClaim({ namespace: namespace(), name })
    .catch(() => undefined);
}

async function read(plural: 'virtualmachines' | 'virtualmachineinstances', name: string): Promise<Machine | undefined> {
  return (await custom()
    .getNamespacedCustomObject({ group: 'kubevirt.io', version: 'v1', plural, namespace: namespace(), name })
    .catch(() => undefined)) as Machine | undefined;
}

/** The PVC a VM or VMI carries as its profile disk. */
function profileOf(machine: Machine | undefined): string | undefined {
  return machine?.spec.template?.spec.volumes?.find((v) => v.name === 'profile')?.persistentVolumeClaim?.claimName;
}
function vmiProfileOf(vmi: Machine | undefined): string | undefined {
  return (vmi?.spec as unknown as { volumes?: Volume[] } | undefined)?.volumes?.find((v) => v.name === 'profile')
    ?.persistentVolumeClaim?.claimName;
}

/** Waits until the claim is bound with its profile disk attached, and returns the desktop and disk. */
async function boundWithProfile(claimName: string, user: string) {
  const c = await bound(claimName, { ready: true });
  const desktop = c.status?.desktop?.name as string;
  const disk = profileDiskName('sales', user);
  await eventually(async () => {
    const now = await readClaim(claimName);
    expect(now.status?.profileDisk).toEqual({ name: disk, size: '1Gi', attached: true });
    expect(profileOf(await read('virtualmachines', desktop))).toBe(disk);
    // Hot-plugged into the running desktop: in the VMI's spec, and its volume status Ready.
    const vmi = await read('virtualmachineinstances', desktop);
    expect(vmiProfileOf(vmi)).toBe(disk);
    expect(vmi?.status?.volumeStatus?.find((v) => v.name === 'profile')).toMatchObject({
      phase: 'Ready',
      hotplugVolume: expect.any(Object),
    });
  }, 45_000);
  const pvc = (await readPvc(disk)) as V1PersistentVolumeClaim;
  expect(pvc.metadata?.annotations?.[PROFILE_PERSON_ANNOTATION]).toBe(user);
  // Owned by nothing a reset or scale-in deletes.
  expect(pvc.metadata?.ownerReferences ?? []).toEqual([]);
  return { desktop, disk, pvcUid: pvc.metadata?.uid as string };
}

describe('profile disks', () => {
  it('survive the stateless reset (same PVC, fresh root disk) and come back with the person’s next desktop', async () => {
    await world.start(['--leader-elect', 'false']);
    await templateWithDisks();
    await pool('sales', { size: 1, prestarted: 1, profileDisk: PROFILE });
    await claim('alice', 'alice');
    const first = await boundWithProfile('alice', 'alice');
    const rootBefore = await eventually(async () => {
      const uid = await diskUid(first.desktop);
      expect(uid).toBeDefined();
      return uid;
    });
    const vmBefore = (await read('virtualmachines', first.desktop))?.metadata.uid;

    await deleteClaim('alice');
    // The reset: the desktop is made anew with a fresh root disk, and without anyone's profile disk.
    const rootAfter = await eventually(async () => {
      const vm = await read('virtualmachines', first.desktop);
      expect(vm?.metadata.uid).toBeDefined();
      expect(vm?.metadata.uid).not.toBe(vmBefore);
      expect(profileOf(vm)).toBeUndefined();
      const uid = await diskUid(first.desktop);
      expect(uid).toBeDefined();
      expect(uid).not.toBe(rootBefore);
      return uid;
    }, 45_000);
    expect(rootAfter).not.toBe(rootBefore);
    const kept = await readPvc(first.disk);
    expect(kept?.metadata?.uid).toBe(first.pvcUid);
    expect(kept?.metadata?.annotations?.[PROFILE_RELEASED_ANNOTATION]).toBeDefined();

    await claim('alice-again', 'alice');
    const second = await boundWithProfile('alice-again', 'alice');
    expect(second.disk).toBe(first.disk);
    expect(second.pvcUid).toBe(first.pvcUid);
  }, 120_000);

  it('never gives one person’s disk to another, even racing for the same desktop, nor a disk that names someone else', async () => {
    await world.start(['--leader-elect', 'false']);
    await templateWithDisks();
    await pool('sales', { size: 1, prestarted: 1, profileDisk: PROFILE });
    // Two people race for the one desktop.
    await Promise.all([claim('alice', 'alice'), claim('bob', 'bob')]);
    const winner = await eventually(async () => {
      const [a, b] = await Promise.all([readClaim('alice'), readClaim('bob')]);
      const won = [a, b].filter((c) => c.status?.phase === 'Bound');
      expect(won).toHaveLength(1);
      return won[0]?.metadata?.name as string;
    }, 45_000);
    const loser = winner === 'alice' ? 'bob' : 'alice';
    const won = await boundWithProfile(winner, winner);
    expect((await readClaim(loser)).status?.phase).toBe('Pending');
    // The loser's disk is not made before they get a desktop, and never attached to the winner's.
    expect(await readPvc(profileDiskName('sales', loser))).toBeUndefined();

    await deleteClaim(winner);
    const next = await boundWithProfile(loser, loser);
    expect(next.desktop).toBe(won.desktop);
    expect(next.disk).not.toBe(won.disk);
    expect(next.pvcUid).not.toBe(won.pvcUid);
    // The winner's disk is still theirs, and still there.
    expect((await readPvc(won.disk))?.metadata?.annotations?.[PROFILE_PERSON_ANNOTATION]).toBe(winner);

    // A PVC under carol's disk name that says it is mallory's: never attached to carol's desktop.
    await deleteClaim(loser);
    await core().createNamespacedPersistentVolumeClaim({
      namespace: namespace(),
      body: {
        metadata: {
          name: profileDiskName('sales', 'carol'),
          annotations: { [PROFILE_PERSON_ANNOTATION]: 'mallory' },
        },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    });
    await claim('carol', 'carol');
    await eventually(async () => {
      const c = await readClaim('carol');
      expect(c.status?.phase).toBe('Pending');
      expect(c.status?.conditions?.find((x) => x.type === 'Bound')?.reason).toBe('ProfileDiskRefused');
    }, 45_000);
    expect(profileOf(await read('virtualmachines', won.desktop))).toBeUndefined();
  }, 150_000);

  it('is deleted once unused for longer than its retention, with an Event saying whose, and not while in use', async () => {
    await world.start(['--leader-elect', 'false']);
    await templateWithDisks();
    await pool('sales', { size: 1, prestarted: 1, profileDisk: { ...PROFILE, retainDaysAfterLastUse: 0 } });
    await claim('alice', 'alice');
    const held = await boundWithProfile('alice', 'alice');
    // Retention 0 days, but attached: kept while alice holds the desktop.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await readPvc(held.disk))?.metadata?.uid).toBe(held.pvcUid);

    await deleteClaim('alice');
    await eventually(async () => expect(await readPvc(held.disk)).toBeUndefined(), 45_000);
    const events = await eventually(async () => {
      const list = await core().listNamespacedEvent({ namespace: namespace() });
      const expired = list.items.filter((e) => e.reason === 'ProfileDiskExpired');
      expect(expired).toHaveLength(1);
      return expired;
    });
    expect(events[0]?.message).toContain(`${held.disk} of alice was deleted`);
    expect(events[0]?.involvedObject.name).toBe('sales');
  }, 120_000);

  it('is refused on Persistent pools, where the desktop keeps what people did', async () => {
    const refused = await refusal(
      applyAs()({
        apiVersion: API_VERSION,
        kind: 'VirtualDesktopPool',
        metadata: { name: 'kept', namespace: namespace() },
        spec: { templateRef: { name: 'fedora' }, size: 1, persistence: 'Persistent', profileDisk: PROFILE },
      }),
    );
    expect(refused.code).toBe(422);
    expect(refused.message).toContain('profileDisk is for Stateless pools');
  });
});
