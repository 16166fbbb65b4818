// Logon and logoff: DesktopClaims bind desktops safely under races and restarts, grant exactly
// that desktop, and give it back at release — reset with a new disk in stateless pools.
import { CoreV1Api, CustomObjectsApi, NetworkingV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { CLAIM_UID_ANNOTATION, HOLDER_ANNOTATION } from '../src/api/annotations.js';
import { kubeconfig, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('claim');
const world = useWorld(namespace);
const { templateWithDisks, pool, claim, readClaim, listClaims, deleteClaim, vms, diskUid, bound } =
  useDesktops(namespace);

describe('a DesktopClaim', () => {
  it('binds a ready prestarted desktop, starts nothing else, and grants its user exactly that desktop', async () => {
    await world.start(['--leader-elect', 'false']);
    await templateWithDisks();
    await pool('sales', { size: 3, prestarted: 1 });
    await eventually(async () =>
      expect((await vms()).filter((vm) => vm.spec.runStrategy === 'Always')).toHaveLength(1),
    );
    const warm = (await vms()).find((vm) => vm.spec.runStrategy === 'Always')?.metadata?.name as string;
    await eventually(async () =>
      expect((await vms()).find((vm) => vm.metadata?.name === warm)).toMatchObject({ status: { ready: true } }),
    );

    await claim('alice', 'alice');
    const c = await bound('alice');
    expect(c.status?.desktop).toEqual({ name: warm, ready: true });
    expect(c.status?.connection?.vncPath).toBe(
      `/apis/subresources.kubevirt.io/v1/namespaces/${namespace()}/virtualmachineinstances/${warm}/vnc`,
    );
    expect(c.metadata?.finalizers).toEqual(['kubevdi.io/release-desktop']);
    const vm = (await vms()).find((v) => v.metadata?.name === warm);
    expect(vm?.metadata?.annotations?.[HOLDER_ANNOTATION]).toBe('alice');
    expect(vm?.metadata?.annotations?.[CLAIM_UID_ANNOTATION]).toBe(c.metadata?.uid);

    const role = await kubeconfig()
      .makeApiClient(RbacAuthorizationV1Api)
      .readNamespacedRole({ namespace: namespace(), name: 'kubevdi-claim-alice' });
    // Her own claim, and the one desktop: every rule names exactly one object.
    expect(role.rules?.map((r) => [r.resources?.[0], r.resourceNames])).toEqual([
      ['desktopclaims', ['alice']],
      ['virtualmachines', [warm]],
      ['virtualmachineinstances/vnc', [warm]],
      ['virtualmachines/start', [warm]],
    ]);
    const binding = await kubeconfig()
      .makeApiClient(RbacAuthorizationV1Api)
      .readNamespacedRoleBinding({ namespace: namespace(), name: 'kubevdi-claim-alice' });
    expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }]);

    // A grant deleted by hand comes back.
    await kubeconfig()
      .makeApiClient(RbacAuthorizationV1Api)
      .deleteNamespacedRole({ namespace: namespace(), name: 'kubevdi-claim-alice' });
    await eventually(async () =>
      expect(
        (
          await kubeconfig()
            .makeApiClient(RbacAuthorizationV1Api)
            .readNamespacedRole({ namespace: namespace(), name: 'kubevdi-claim-alice' })
        ).rules,
      ).toEqual(role.rules),
    );

    // alice may read her own desktop now, and only that one.
    const asAlice = kubeconfig('alice').makeApiClient(CustomObjectsApi);
    const vmPath = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachines', namespace: namespace() };
    await expect(asAlice.getNamespacedCustomObject({ ...vmPath, name: warm })).resolves.toBeDefined();
    const other = (await vms()).find((v) => v.metadata?.name !== warm)?.metadata?.name as string;
    await expect(asAlice.getNamespacedCustomObject({ ...vmPath, name: other })).rejects.toMatchObject({ code: 403 });

    // A second claim of the same user is over maxDesktopsPerUser (1): Failed for good, no grant.
    await claim('alice-again', 'alice');
    await eventually(async () => {
      const again = await readClaim('alice-again');
      expect(again.status?.phase).toBe('Failed');
      expect(again.status?.conditions?.find((x) => x.type === 'Bound')).toMatchObject({
        status: 'False',
        reason: 'UserLimitReached',
        message: `alice already holds 1 desktop of pool ${namespace()}/sales, the most it allows (maxDesktopsPerUser 1); release one and claim again`,
      });
    });
  });

  it('holds a person to maxDesktopsPerUser: of 15 claims one is bound, 14 fail for good, and only one is granted', async () => {
    await world.start(['--leader-elect', 'false']);
    await templateWithDisks();
    await pool('sales', { size: 3, prestarted: 0, maxDesktopsPerUser: 1 });
    await eventually(async () => expect(await vms()).toHaveLength(3));
    await Promise.all(Array.from({ length: 15 }, (_, i) => claim(`alice-${i}`, 'alice')));
    await claim('bob', 'bob');
    await eventually(async () => {
      const phases = (await listClaims()).filter((c) => c.spec.user === 'alice').map((c) => c.status?.phase);
      expect(phases.filter((p) => p === 'Bound')).toHaveLength(1);
      expect(phases.filter((p) => p === 'Failed')).toHaveLength(14);
    }, 60_000);
    await bound('bob');
    const failed = (await listClaims()).find((c) => c.status?.phase === 'Failed');
    expect(failed?.status?.conditions?.find((c) => c.type === 'Bound')).toMatchObject({
      reason: 'UserLimitReached',
      message: expect.stringMatching(
        /^alice already (holds 1 desktop of|has 1 claim on) pool .*\/sales.*release one and claim again$/,
      ),
    });
    const grants = async () =>
      (
        await kubeconfig().makeApiClient(RbacAuthorizationV1Api).listNamespacedRoleBinding({ namespace: namespace() })
      ).items
        .filter((b) => b.subjects?.some((s) => s.name === 'alice'))
        .map((b) => b.metadata?.name);
    await eventually(async () => expect(await grants()).toHaveLength(1));
    const roles = (
      await kubeconfig().makeApiClient(RbacAuthorizationV1Api).listNamespacedRole({ namespace: namespace() })
    ).items;
    expect(roles.filter((r) => r.metadata?.name?.startsWith('kubevdi-claim-alice'))).toHaveLength(1);
  });

  it('fails a bound claim whose pool was deleted; a claim made before its pool waits for it', async () => {
    await world.start(['--leader-elect', 'false']);
    await templateWithDisks();
    await claim('early', 'bob', 'later');
    await pool('sales', { size: 1, prestarted: 0 });
    await claim('alice', 'alice');
    await bound('alice');
    await kubeconfig().makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({
      group: 'kubevdi.io',
      version: 'v1alpha1',
      plural: 'virtualdesktoppools',
      namespace: namespace(),
      name: 'sales',
    });
    await eventually(async () => {
      const c = await readClaim('alice');
      expect(c.status?.phase).toBe('Failed');
      expect(c.status?.conditions?.find((x) => x.type === 'Bound')?.reason).toBe('PoolDeleted');
    });
    const early = await readClaim('early');
    expect(early.status?.phase).toBe('Pending');
    expect(early.status?.conditions?.find((x) => x.type === 'Bound')?.reason).toBe('PoolNotFound');
  });

  it('binds 100 racing claims to 20 desktops: each desktop once, the rest Pending, even across an operator crash', async () => {
    const first = await world.start(['--leader-elect', 'false']);
    await templateWithDisks();
    await pool('sales', { size: 20 });
    await eventually(async () => expect(await vms()).toHaveLength(20));
    await Promise.all(Array.from({ length: 100 }, (_, i) => claim(`c${i}`, `user${i}`)));
    // Kill it while it binds, and start another.
    await eventually(
      async () => expect((await listClaims()).filter((c) => c.status?.phase === 'Bound').length).toBeGreaterThan(0),
      30_000,
      20,
    );
    await first.kill('SIGKILL');
    await world.operator(['--leader-elect', 'false']);

    const claims = await eventually(
      async () => {
        const all = await listClaims();
        expect(all.filter((c) => c.status?.phase === 'Bound')).toHaveLength(20);
        expect(all.filter((c) => c.status?.phase === 'Pending')).toHaveLength(80);
        return all;
      },
      60_000,
      500,
    );
    const desktops = claims.filter((c) => c.status?.phase === 'Bound').map((c) => c.status?.desktop?.name);
    expect(new Set(desktops).size).toBe(20);
    const pendingReasons = new Set(
      claims.filter((c) => c.status?.phase === 'Pending').map((c) => c.status?.conditions?.[0]?.reason),
    );
    expect([...pendingReasons]).toEqual(['PoolExhausted']);
    // Every desktop is held by exactly the user of the claim bound to it.
    const holders = new Map(
      (await vms()).map((vm) => [vm.metadata?.name, vm.metadata?.annotations?.[HOLDER_ANNOTATION]]),
    );
    for (const c of claims.filter((x) => x.status?.phase === 'Bound')) {
      expect(holders.get(c.status?.desktop?.name)).toBe(c.spec.user);
    }
  }, 120_000); // a hundred logons and a crash on two shared cores

  it('resets a stateless desktop with a new disk before anyone else gets it, and removes the grant at once', async () => {
    await world.start(['--leader-elect', 'false']);
    await templateWithDisks();
    await pool('sales', { size: 1, prestarted: 1 });
    await claim('alice', 'alice');
    const desktop = (await bound('alice')).status?.desktop?.name as string;
    const alicesDisk = await eventually(async () => {
      const uid = await diskUid(desktop);
      expect(uid).toBeDefined();
      return uid;
    });
    await claim('bob', 'bob');
    await eventually(async () =>
      expect((await readClaim('bob')).status?.conditions?.[0]?.reason).toBe('PoolExhausted'),
    );

    await deleteClaim('alice');
    await eventually(async () => expect((await listClaims()).map((c) => c.metadata?.name)).toEqual(['bob']));
    // The grant went with the logoff, not later.
    await expect(
      kubeconfig()
        .makeApiClient(RbacAuthorizationV1Api)
        .readNamespacedRole({ namespace: namespace(), name: 'kubevdi-claim-alice' }),
    ).rejects.toMatchObject({ code: 404 });

    const bobs = await bound('bob');
    expect(bobs.status?.desktop?.name).toBe(desktop);
    const bobsDisk = await eventually(async () => {
      const uid = await diskUid(desktop);
      expect(uid).toBeDefined();
      return uid;
    });
    expect(bobsDisk).not.toBe(alicesDisk);
  });

  it('keeps the disk of a persistent desktop, and a manual pool gives the same user the same desktop again', async () => {
    await world.start(['--leader-elect', 'false']);
    await templateWithDisks();
    await pool('sales', { size: 2, prestarted: 0, assignment: 'Manual', persistence: 'Persistent' });
    await eventually(async () => expect(await vms()).toHaveLength(2));
    await claim('alice', 'alice');
    const desktop = (await bound('alice')).status?.desktop?.name as string;
    const disk = await eventually(async () => {
      const uid = await diskUid(desktop);
      expect(uid).toBeDefined();
      return uid;
    });
    await deleteClaim('alice');
    await eventually(async () => expect(await listClaims()).toEqual([]));
    // Still alice's: nobody else gets it.
    const vm = (await vms()).find((v) => v.metadata?.name === desktop);
    expect(vm?.metadata?.annotations?.[HOLDER_ANNOTATION]).toBe('alice');
    await claim('bob', 'bob');
    expect((await bound('bob')).status?.desktop?.name).not.toBe(desktop);

    await claim('alice-2', 'alice');
    expect((await bound('alice-2')).status?.desktop?.name).toBe(desktop);
    expect(await diskUid(desktop)).toBe(disk);
    expect(
      (await kubeconfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: namespace() })).items.map(
        (e) => e.reason,
      ),
    ).toContain('DesktopReleased');
  });
  it('exposes RDP through a Service per desktop when the pool enables it, only to whom the operator is told, and names it in the claim', async () => {
    await world.start([
      '--leader-elect',
      'false',
      '--rdp-network-policy',
      '--rdp-allow-from-namespace=kubevdi',
      '--rdp-allow-from-pods=app.kubernetes.io/component=portal',
      '--rdp-allow-cidr=10.8.0.0/16',
    ]);
    await templateWithDisks();
    await pool('sales', { size: 2, prestarted: 1, rdp: { enabled: true } });
    const core = kubeconfig().makeApiClient(CoreV1Api);
    const rdpServices = async () =>
      (await core.listNamespacedService({ namespace: namespace() })).items.sort((a, b) =>
        (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
      );
    const services = await eventually(async () => {
      const list = await rdpServices();
      expect(list.map((svc) => svc.metadata?.name)).toEqual(['rdp-sales-0', 'rdp-sales-1']);
      return list;
    });
    expect(services[0]?.spec?.selector).toEqual({ 'kubevdi.io/desktop': 'sales-0' });
    expect(services[0]?.spec?.ports?.map((p) => [p.name, p.port, p.targetPort])).toEqual([['rdp', 3389, 3389]]);
    // Port 3389 of the pool's desktops only from the portal's pods and the named network.
    const networking = kubeconfig().makeApiClient(NetworkingV1Api);
    const policy = await eventually(() =>
      networking.readNamespacedNetworkPolicy({ namespace: namespace(), name: 'kubevdi-rdp-sales' }),
    );
    const rdpRule = policy.spec?.ingress?.find((rule) => rule.ports?.some((p) => p.port === 3389));
    expect(rdpRule?._from).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kubevdi' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/component': 'portal' } },
      },
      { ipBlock: { cidr: '10.8.0.0/16' } },
    ]);

    await claim('alice', 'alice');
    const c = await bound('alice');
    expect(c.status?.connection?.rdpService).toBe(`rdp-${c.status?.desktop?.name}`);

    await pool('sales', { size: 2, prestarted: 1, rdp: { enabled: false } });
    await eventually(async () => expect(await rdpServices()).toEqual([]));
    await eventually(async () => expect((await readClaim('alice')).status?.connection?.rdpService).toBeUndefined());
    await eventually(async () =>
      expect((await networking.listNamespacedNetworkPolicy({ namespace: namespace() })).items).toEqual([]),
    );
  });
  it('resets a manual stateless desktop in place: same user, same desktop, fresh disk', async () => {
    await world.start(['--leader-elect', 'false']);
    await templateWithDisks();
    await pool('sales', { size: 2, prestarted: 0, assignment: 'Manual', persistence: 'Stateless' });
    await eventually(async () => expect(await vms()).toHaveLength(2));
    await claim('alice', 'alice');
    const desktop = (await bound('alice', { ready: true })).status?.desktop?.name as string;
    const before = await diskUid(desktop);
    expect(before).toBeDefined();

    await deleteClaim('alice');
    // Stopped, still alice's, and back to a fresh disk; nobody else gets it meanwhile.
    const reset = await eventually(async () => {
      const vm = (await vms()).find((v) => v.metadata?.name === desktop);
      expect(vm?.metadata?.annotations?.['kubevdi.io/reset-requested']).toBeUndefined();
      const uid = await diskUid(desktop);
      expect(uid).toBeDefined();
      expect(uid).not.toBe(before);
      return { vm, uid };
    }, 45_000);
    expect(reset.vm?.spec.runStrategy).toBe('Halted');
    expect(reset.vm?.metadata?.annotations?.[HOLDER_ANNOTATION]).toBe('alice');
    await claim('bob', 'bob');
    expect((await bound('bob')).status?.desktop?.name).not.toBe(desktop);

    await claim('alice-2', 'alice');
    expect((await bound('alice-2', { ready: true })).status?.desktop?.name).toBe(desktop);
    expect(await diskUid(desktop)).toBe(reset.uid);
  }, 90_000);
});
