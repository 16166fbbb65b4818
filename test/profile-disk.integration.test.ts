// Profile disks (issue 18): a person's data volume outlives the Stateless reset. On the real API
// server, with the simulator playing KubeVirt's hotplug: the reset keeps the person's PVC (same
// uid) and gives a fresh root disk (new uid); their next desktop gets the same PVC; nobody else
// ever gets it, even two people racing for one desktop, nor a disk whose labels name someone else.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, type V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { API_VERSION } from '../src/api/index.js';
import { ProfileDiskList } from '../src/portal/admin/types.js';
import { Claim, ClaimList } from '../src/portal/api-types.js';
import { PROFILE_PERSON_ANNOTATION, PROFILE_RELEASED_ANNOTATION, profileDiskName } from '../src/render/profile-disk.js';
import { applyAs, kubeconfig, refusal, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { serviceAccountToken, usePortals } from './support/portal.js';
import { type PortalClient, signInWithToken } from './support/portal-client.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('profile');
const world = useWorld(namespace);
const startPortal = usePortals();
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

/**
 * Gone, or going: with no kube-controller-manager here, nothing removes the PVC's
 * kubernetes.io/pvc-protection finalizer, so a deleted PVC stays Terminating.
 */
function deleted(pvc: V1PersistentVolumeClaim | undefined): boolean {
  return pvc === undefined || pvc.metadata?.deletionTimestamp !== undefined;
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
    await eventually(async () => expect(deleted(await readPvc(held.disk))).toBe(true), 45_000);
    const events = await eventually(async () => {
      const list = await core().listNamespacedEvent({ namespace: namespace() });
      const expired = list.items.filter((e) => e.reason === 'ProfileDiskExpired');
      expect(expired).toHaveLength(1);
      return expired;
    });
    expect(events[0]?.message).toContain(`${held.disk} of alice was deleted`);
    expect(events[0]?.involvedObject.name).toBe('sales');
  }, 120_000);

  it('stays attached across the in-place reset of a Manual Stateless desktop, which gets a fresh root disk', async () => {
    await world.start(['--leader-elect', 'false']);
    await templateWithDisks();
    await pool('sales', { size: 1, assignment: 'Manual', profileDisk: PROFILE });
    await claim('alice', 'alice');
    const first = await boundWithProfile('alice', 'alice');
    const rootBefore = await diskUid(first.desktop);
    expect(rootBefore).toBeDefined();

    await deleteClaim('alice');
    await claim('alice-again', 'alice');
    // Reset in place (same desktop, still alice's): new root disk, the same profile disk in its spec.
    const second = await boundWithProfile('alice-again', 'alice');
    expect(second.desktop).toBe(first.desktop);
    expect(second.pvcUid).toBe(first.pvcUid);
    const rootAfter = await diskUid(first.desktop);
    expect(rootAfter).toBeDefined();
    expect(rootAfter).not.toBe(rootBefore);
  }, 120_000);

  it('is listed in the Admin Portal, where only an administrator who may deletes one, not while in use, and it is recorded', async () => {
    const ns = namespace();
    const alice = await serviceAccountToken(ns, 'alice');
    const grace = await serviceAccountToken(ns, 'grace');
    const linus = await serviceAccountToken(ns, 'linus');
    const bind = (name: string, role: string, who: string) =>
      applyAs()({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name, namespace: ns },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'ServiceAccount', name: who, namespace: ns }],
      });
    await bind('users', 'kubevdi:user', 'alice');
    await bind('admins', 'kubevdi:admin', 'grace');
    await bind('pool-admins', 'kubevdi:pool-admin', 'linus');
    await world.start(['--leader-elect', 'false']);
    await templateWithDisks();
    await pool('sales', { size: 1, prestarted: 1, profileDisk: PROFILE, access: { users: [alice.username] } });
    const { url } = await startPortal({ namespaces: [ns], tokenSignIn: true, sessionSecret: randomBytes(48) });
    const asAlice = await signInWithToken(url, alice.token);
    const asGrace = await signInWithToken(url, grace.token);
    const asLinus = await signInWithToken(url, linus.token);
    const created = Claim.parse(
      JSON.parse((await asAlice.api('/api/claims', 'POST', { namespace: ns, pool: 'sales' })).text),
    );
    // Her desktop card says her profile disk is attached.
    await eventually(async () => {
      const { claims } = ClaimList.parse(JSON.parse((await asAlice.api('/api/claims')).text));
      expect(claims.find((c) => c.name === created.name)?.profileDisk).toEqual({ size: '1Gi', attached: true });
    }, 45_000);
    const disk = profileDiskName('sales', alice.username);
    const list = async (who: PortalClient) =>
      ProfileDiskList.parse(JSON.parse((await who.api(`/api/admin/pools/${ns}/sales/profile-disks`)).text));
    const listed = await list(asLinus);
    expect(listed.disks).toEqual([
      expect.objectContaining({ name: disk, person: alice.username, size: '1Gi', desktop: 'sales-0' }),
    ]);
    // An admin may not delete it while a desktop carries it.
    const inUse = await asGrace.api(`/api/admin/profile-disks/${ns}/${disk}`, 'DELETE');
    expect(inUse.status).toBe(409);
    expect(inUse.text).toContain('release that desktop first');
    // Nor anything that is not a profile disk.
    await core().createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: {
        metadata: { name: 'someone-elses' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    });
    expect((await asGrace.api(`/api/admin/profile-disks/${ns}/someone-elses`, 'DELETE')).status).toBe(404);

    await asAlice.api(`/api/claims/${ns}/${created.name}`, 'DELETE');
    await eventually(async () => expect((await list(asGrace)).disks[0]?.desktop).toBeUndefined(), 45_000);
    // A pool admin sees it but may not delete it; an admin may.
    expect((await asLinus.api(`/api/admin/profile-disks/${ns}/${disk}`, 'DELETE')).status).toBe(403);
    expect((await asGrace.api(`/api/admin/profile-disks/${ns}/${disk}`, 'DELETE')).status).toBe(204);
    expect(deleted(await readPvc(disk))).toBe(true);
    expect(await readPvc('someone-elses')).toBeDefined();
    const events = await core().listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${disk}` });
    expect(events.items.map((e) => e.message)).toContain(
      `${grace.username} deleted ${alice.username}'s profile disk ${disk} of pool sales from the Admin Portal`,
    );
  }, 150_000);

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
