// Sessions: the operator reads who is logged on to a bound desktop from KubeVirt's userlist
// (served by the simulator's virt-api through the API server's aggregation layer), writes it to
// the claim, and applies the pool's logoff policy: an automatic pool takes the desktop back after
// the grace period, a manual one keeps it. Performed as real users.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ACTIVITY_ANNOTATION } from '../src/api/annotations.js';
import { bindClusterRole, kubeconfig, kubeconfigFile, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { setLoggedInUsers } from './support/guest.js';
import { openVnc } from './support/vnc.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('session');
const world = useWorld(namespace);
const { templateWithDisks, pool, readClaim, listClaims, diskUid, bound } = useDesktops(namespace);

/** Fast polls: the product's default is 30 s. */
const OPERATOR = ['--leader-elect', 'false', '--session-poll-interval', '0.2s'];

/** As `kubectl create` by the user: users claim for themselves. */
async function claimAs(user: string, name: string, poolName = 'sales'): Promise<void> {
  await kubeconfig(user)
    .makeApiClient(CustomObjectsApi)
    .createNamespacedCustomObject({
      group: 'kubevdi.io',
      version: 'v1alpha1',
      plural: 'desktopclaims',
      namespace: namespace(),
      body: {
        apiVersion: 'kubevdi.io/v1alpha1',
        kind: 'DesktopClaim',
        metadata: { name },
        spec: { poolRef: { name: poolName }, user },
      },
    });
}

async function eventReasons(claim: string): Promise<string[]> {
  const events = await kubeconfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: namespace() });
  return events.items.filter((e) => e.involvedObject.name === claim).map((e) => e.reason ?? '');
}

describe('sessions', () => {
  it('shows who is logged on, and releases an automatic desktop when its user logs off', async () => {
    await world.start(OPERATOR);
    await bindClusterRole(namespace(), 'kubevdi:user', 'vdi-users');
    await templateWithDisks();
    await pool('sales', {
      size: 1,
      prestarted: 1,
      access: { users: ['alice'] },
      session: { logoff: { action: 'Release', gracePeriodMinutes: 0 } },
    });
    await eventually(() => claimAs('alice', 'alice'));
    const desktop = (await bound('alice', { ready: true })).status?.desktop?.name as string;
    const disk = await diskUid(desktop);

    // Nobody has logged on yet: idle since the bind.
    const before = await eventually(async () => {
      const c = await readClaim('alice');
      expect(c.status?.session?.guestAgentConnected).toBe(true);
      return c;
    });
    expect(before.status?.session?.idleSince).toBeDefined();
    expect(before.status?.session?.loggedInUsers).toBeUndefined();

    await setLoggedInUsers(kubeconfig(), namespace(), desktop, ['alice']);
    const on = await eventually(async () => {
      const c = await readClaim('alice');
      expect(c.status?.session?.loggedInUsers?.map((u) => u.userName)).toEqual(['alice']);
      return c;
    });
    expect(on.status?.session?.loggedInUsers?.[0]?.loginTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(on.status?.session?.idleSince).toBeUndefined();
    expect(on.status?.phase).toBe('Bound');
    // She can use her desktop while she holds it.
    const console = await openVnc(kubeconfigFile('alice'), namespace(), desktop);
    expect(console.width).toBeGreaterThan(0);
    console.close();

    await setLoggedInUsers(kubeconfig(), namespace(), desktop, []);
    const released = await eventually(async () => {
      const c = await readClaim('alice');
      expect(c.status?.phase).toBe('Released');
      return c;
    });
    expect(released.status?.conditions?.find((c) => c.type === 'Released')).toMatchObject({
      status: 'True',
      reason: 'LoggedOff',
    });
    expect(released.status?.releasedTime).toBeDefined();
    // The claim stays as the record of why; its desktop and grant do not.
    // (The API server's RBAC reads the changed Role from its own watch cache: milliseconds.)
    await eventually(
      () => expect(openVnc(kubeconfigFile('alice'), namespace(), desktop)).rejects.toMatchObject({ status: 403 }),
      2000,
    );
    expect((await listClaims()).map((c) => c.metadata?.name)).toEqual(['alice']);
    await eventually(async () =>
      expect(await eventReasons('alice')).toEqual(
        expect.arrayContaining(['DesktopBound', 'UserLoggedOn', 'UserLoggedOff', 'LoggedOff', 'DesktopReleased']),
      ),
    );
    // A stateless desktop comes back with a new disk, ready for the next user.
    await eventually(async () => {
      const uid = await diskUid(desktop);
      expect(uid).toBeDefined();
      expect(uid).not.toBe(disk);
    });

    // Logging on again is a new claim; the released one does not count against maxDesktopsPerUser.
    await claimAs('alice', 'alice-2');
    expect((await bound('alice-2')).status?.desktop?.name).toBe(desktop);
  });

  it('waits out the grace period, and a manual pool keeps the claim at logoff', async () => {
    await world.start(OPERATOR);
    await bindClusterRole(namespace(), 'kubevdi:user', 'vdi-users');
    await templateWithDisks();
    await pool('sales', {
      size: 1,
      prestarted: 1,
      access: { users: ['alice'] },
      session: { logoff: { action: 'Release', gracePeriodMinutes: 10 } },
    });
    await pool('dedicated', {
      size: 1,
      prestarted: 1,
      assignment: 'Manual',
      persistence: 'Persistent',
      access: { users: ['bob'] },
      session: { logoff: { action: 'Release', gracePeriodMinutes: 0 } },
    });
    await eventually(() => claimAs('alice', 'alice'));
    await eventually(() => claimAs('bob', 'bob', 'dedicated'));
    const alices = (await bound('alice', { ready: true })).status?.desktop?.name as string;
    const bobs = (await bound('bob', { ready: true })).status?.desktop?.name as string;

    for (const [desktop, user] of [
      [alices, 'alice'],
      [bobs, 'bob'],
    ] as const) {
      await setLoggedInUsers(kubeconfig(), namespace(), desktop, [user]);
      await eventually(async () => expect((await readClaim(user)).status?.session?.loggedInUsers).toHaveLength(1));
      await setLoggedInUsers(kubeconfig(), namespace(), desktop, []);
      await eventually(async () => expect((await readClaim(user)).status?.session?.lastSeenTime).toBeDefined());
    }
    // The logoff is seen; alice's grace period (10 minutes) runs, bob's pool ignores logoffs.
    for (const user of ['alice', 'bob']) {
      const c = await readClaim(user);
      expect(c.status?.phase).toBe('Bound');
      expect(c.status?.session?.loggedInUsers).toBeUndefined();
      expect(c.status?.session?.idleSince).toBe(c.status?.session?.lastSeenTime);
    }
    // alice logs on again within the grace period: still hers, the idle clock stops.
    await setLoggedInUsers(kubeconfig(), namespace(), alices, ['alice']);
    await eventually(async () => {
      const c = await readClaim('alice');
      expect(c.status?.session?.loggedInUsers?.map((u) => u.userName)).toEqual(['alice']);
      expect(c.status?.session?.idleSince).toBeUndefined();
    });
  });

  it('says ahead when a policy falls due, and the user may say they are still working — and change nothing else', async () => {
    await world.start(OPERATOR);
    await bindClusterRole(namespace(), 'kubevdi:user', 'vdi-users');
    await templateWithDisks();
    await pool('sales', {
      size: 1,
      prestarted: 1,
      access: { users: ['alice'] },
      session: { idle: { action: 'Release', timeoutMinutes: 30 } },
    });
    await eventually(() => claimAs('alice', 'alice'));
    await bound('alice', { ready: true });

    // Nobody logged on: released 30 minutes after the bind, and the claim says so now.
    const idle = await eventually(async () => {
      const c = await readClaim('alice');
      expect(c.status?.pendingAction).toBeDefined();
      return c;
    });
    const idleSince = Date.parse(idle.status?.session?.idleSince as string);
    expect(idle.status?.pendingAction).toMatchObject({ action: 'Release', reason: 'IdleTimeout' });
    expect(Date.parse(idle.status?.pendingAction?.deadline as string)).toBe(idleSince + 30 * 60_000);
    expect(idle.status?.pendingAction?.message).toContain('released after 30 minutes');

    // "I'm still working", as alice herself: the clock restarts from when the operator saw it.
    await new Promise((r) => setTimeout(r, 1100));
    const asAlice = kubeconfig('alice').makeApiClient(CustomObjectsApi);
    const claimRef = { group: 'kubevdi.io', version: 'v1alpha1', plural: 'desktopclaims', namespace: namespace() };
    const mark = (value: string) => ({ metadata: { annotations: { [ACTIVITY_ANNOTATION]: value } } });
    const patchAs = (api: CustomObjectsApi, body: object) =>
      api.patchNamespacedCustomObject(
        { ...claimRef, name: 'alice', body },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    const sent = Date.now();
    await patchAs(asAlice, mark('2099-01-01T00:00:00Z'));
    const active = await eventually(async () => {
      const c = await readClaim('alice');
      expect(c.status?.session?.activityMark).toBe('2099-01-01T00:00:00Z');
      return c;
    });
    const seenAt = Date.parse(active.status?.session?.lastActivityTime as string);
    // The operator's clock, not the year the user wrote.
    expect(seenAt).toBeGreaterThanOrEqual(Math.floor(sent / 1000) * 1000);
    expect(seenAt).toBeLessThan(sent + 60_000);
    await eventually(async () => {
      const c = await readClaim('alice');
      expect(Date.parse(c.status?.pendingAction?.deadline as string)).toBe(seenAt + 30 * 60_000);
    });

    // Anything else on her claim is refused by the admission policy, in words.
    const refusal = /you may only set the kubevdi.io\/activity annotation/;
    for (const body of [
      { metadata: { labels: { team: 'mine' } } },
      { metadata: { annotations: { 'example.com/note': 'x' } } },
      { metadata: { finalizers: null } },
    ]) {
      await expect(patchAs(asAlice, body)).rejects.toMatchObject({ code: 403, body: expect.stringMatching(refusal) });
    }
    // And nobody else may touch it at all.
    await expect(
      patchAs(kubeconfig('frank').makeApiClient(CustomObjectsApi), mark('frank was here')),
    ).rejects.toMatchObject({ code: 403 });
    expect((await readClaim('alice')).metadata?.finalizers).toEqual(['kubevdi.io/release-desktop']);

    // Someone logs on: nothing falls due any more, and the deadline goes.
    const desktop = active.status?.desktop?.name as string;
    await setLoggedInUsers(kubeconfig(), namespace(), desktop, ['alice']);
    await eventually(async () => expect((await readClaim('alice')).status?.pendingAction).toBeUndefined());
  });
});
