// A release racing a stale cache (hole 11). After a restart about one release in five ran twice:
// the second pass still saw the deleted claim with its finalizer and its desktop as they were, deleted
// "the desktop" again by name (by then made anew and bound to someone else), recorded the release
// again and failed the pool's claims on the finalizer patch's 404. Here the claim reconcile is
// driven directly against the real API server, its caches frozen at what they showed before the
// first release: the second pass (same process) and a third (a restarted process, same stale view)
// must leave the new desktop alone (and the grant of a claim made again under the same name),
// record nothing more and succeed.

import { CustomObjectsApi, type KubernetesObject, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { CLAIM_ANNOTATION, CLAIM_UID_ANNOTATION, HOLDER_ANNOTATION } from '../src/api/annotations.js';
import { OPERATOR_FIELD_MANAGER } from '../src/api/field-managers.js';
import { RELEASE_FINALIZER } from '../src/api/finalizers.js';
import { API_VERSION } from '../src/api/index.js';
import { LABELS } from '../src/api/labels.js';
import { type ClaimControllerDeps, claimReconciler } from '../src/controllers/desktopclaim.js';
import { makeOperatorActions } from '../src/operator-actions.js';
import { grantName, renderGrantBinding, renderGrantRole } from '../src/render/grants.js';
import { makeApply } from '../src/runtime/apply.js';
import type { Informer } from '../src/runtime/informer.js';
import { silentLogger } from '../src/runtime/log.js';
import { Metrics } from '../src/runtime/metrics.js';
import { makeStatusWriter } from '../src/runtime/status.js';
import { applyAs, kubeconfig, useTestNamespace } from './support/cluster.js';
import { eventually } from './support/eventually.js';

const namespace = useTestNamespace('release-race');
const VMS = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachines' };
const CLAIMS = { group: 'kubevdi.io', version: 'v1alpha1', plural: 'desktopclaims' };

/** A cache that shows these objects, whatever the server holds now: every index gives all of them. */
function frozenCache<T extends KubernetesObject>(objects: T[]): Informer<T> {
  const cache = {
    byIndex: () => [...objects],
    list: () => [...objects],
    get: (ns: string | undefined, name: string) =>
      objects.find((o) => o.metadata?.namespace === ns && o.metadata?.name === name),
  };
  return cache as unknown as Informer<T>;
}

/** The claim reconcile's dependencies over these caches, acting on the real API server. */
function depsOver(
  caches: Record<'claims' | 'pools' | 'desktops' | 'roles' | 'roleBindings', unknown>,
  record: (reason: string) => void = () => {},
): ClaimControllerDeps {
  const kc = kubeconfig();
  return {
    ...caches,
    actions: makeOperatorActions(kc),
    apply: makeApply(kc, 'kubevdi'),
    writeStatus: makeStatusWriter(kc, OPERATOR_FIELD_MANAGER),
    recorder: { record: (_obj: unknown, _type: unknown, reason: string) => record(reason) },
    metrics: new Metrics(),
    log: silentLogger,
  } as unknown as ClaimControllerDeps;
}

/** A desktop of pool `sales` bound to `user`'s claim. */
function desktop(ns: string, user: string, claim: string, claimUid: string) {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: {
      name: 'sales-0',
      namespace: ns,
      labels: { [LABELS.pool]: 'sales' },
      annotations: { [HOLDER_ANNOTATION]: user, [CLAIM_ANNOTATION]: claim, [CLAIM_UID_ANNOTATION]: claimUid },
    },
    spec: { runStrategy: 'Halted', template: { spec: { domain: { devices: {} } } } },
  };
}

/** An Automatic Stateless pool `sales` of one desktop and `user`'s claim of it (with the release finalizer). */
async function salesPoolWithClaim(user: string) {
  const ns = namespace();
  const kc = kubeconfig();
  const custom = kc.makeApiClient(CustomObjectsApi);
  const apply = applyAs();
  await apply({
    apiVersion: API_VERSION,
    kind: 'VirtualDesktopPool',
    metadata: { name: 'sales', namespace: ns },
    spec: { templateRef: { name: 'fedora' }, size: 1, assignment: 'Automatic', persistence: 'Stateless' },
  });
  await apply({
    apiVersion: API_VERSION,
    kind: 'DesktopClaim',
    metadata: { name: user, namespace: ns, finalizers: [RELEASE_FINALIZER] },
    spec: { poolRef: { name: 'sales' }, user },
  });
  const read = <T>(path: typeof VMS, name: string) =>
    custom.getNamespacedCustomObject({ ...path, namespace: ns, name }) as Promise<T & KubernetesObject>;
  return { ns, kc, custom, apply, read };
}

describe('releasing a claim from a stale cache', () => {
  it('deletes only the desktop it decided on, records the release once and treats a gone claim as done', {
    timeout: 120_000,
  }, async () => {
    const { ns, kc, custom, apply, read } = await salesPoolWithClaim('alice');
    const alice = await read<object>(CLAIMS, 'alice');
    const old = await custom.createNamespacedCustomObject({
      ...VMS,
      namespace: ns,
      body: desktop(ns, 'alice', 'alice', alice.metadata?.uid as string),
    });
    const grantOf = async (claimUid: string) => {
      const input = { claim: { name: 'alice', namespace: ns, uid: claimUid }, pool: 'sales', user: 'alice' };
      const role = renderGrantRole({ ...input, desktop: undefined });
      const binding = renderGrantBinding({ ...input, desktop: undefined });
      await apply(role);
      await apply(binding);
      const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
      return {
        role: await rbac.readNamespacedRole({ namespace: ns, name: grantName('alice') }),
        binding: await rbac.readNamespacedRoleBinding({ namespace: ns, name: grantName('alice') }),
      };
    };
    const oldGrant = await grantOf(alice.metadata?.uid as string);
    await custom.deleteNamespacedCustomObject({ ...CLAIMS, namespace: ns, name: 'alice' });

    // What the caches show, and go on showing: alice's claim being deleted, her desktop bound to it.
    const pool = await read<object>({ ...CLAIMS, plural: 'virtualdesktoppools' }, 'sales');
    const deleting = await read<object>(CLAIMS, 'alice');
    expect(deleting.metadata?.deletionTimestamp).toBeDefined();
    const released: string[] = [];
    const deps = depsOver(
      {
        claims: frozenCache([deleting]),
        pools: frozenCache([pool]),
        desktops: frozenCache([old]),
        roles: frozenCache([oldGrant.role]),
        roleBindings: frozenCache([oldGrant.binding]),
      },
      (reason) => void (reason === 'DesktopReleased' && released.push(reason)),
    );
    const reconcile = claimReconciler(deps);

    await reconcile(`${ns}/sales`, silentLogger);
    expect(released).toHaveLength(1);
    await eventually(async () => expect(await read(CLAIMS, 'alice').catch((e) => e.code)).toBe(404));
    // Foreground: gone once the garbage collector has seen it has no dependents (seconds, under load more).
    await eventually(async () => expect(await read(VMS, 'sales-0').catch((e) => e.code)).toBe(404), 90_000);

    // The pool makes sales-0 anew and bob takes it; alice claims again under the same name.
    const fresh = await custom.createNamespacedCustomObject({
      ...VMS,
      namespace: ns,
      body: desktop(ns, 'bob', 'bob', 'uid-of-bobs-claim'),
    });
    await apply({
      apiVersion: API_VERSION,
      kind: 'DesktopClaim',
      metadata: { name: 'alice', namespace: ns },
      spec: { poolRef: { name: 'sales' }, user: 'alice' },
    });
    const newGrant = await grantOf((await read<object>(CLAIMS, 'alice')).metadata?.uid as string);

    // The same process again, and a restarted one, both from the stale view.
    await expect(reconcile(`${ns}/sales`, silentLogger)).resolves.not.toThrow();
    await expect(claimReconciler(deps)(`${ns}/sales`, silentLogger)).resolves.not.toThrow();
    const now = await read<{ metadata: { annotations: Record<string, string> } }>(VMS, 'sales-0');
    expect(now.metadata?.uid).toBe(fresh.metadata?.uid);
    expect(now.metadata?.deletionTimestamp).toBeUndefined();
    expect(now.metadata?.annotations[HOLDER_ANNOTATION]).toBe('bob');
    expect(released).toHaveLength(1);
    // Her new claim's grant is not the old one's: it stays.
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const role = await rbac.readNamespacedRole({ namespace: ns, name: grantName('alice') });
    const binding = await rbac.readNamespacedRoleBinding({ namespace: ns, name: grantName('alice') });
    expect([role.metadata?.uid, binding.metadata?.uid]).toEqual([
      newGrant.role.metadata?.uid,
      newGrant.binding.metadata?.uid,
    ]);
  });
});

describe('releasing a claim whose bind the cache does not show yet', () => {
  it('keeps the claim until its desktop is seen bound, then gives that desktop back', {
    timeout: 120_000,
  }, async () => {
    // Found by the chaos campaign's frozen etcd: a pass binds a desktop to a new claim, the person
    // deletes the claim at once, and the next pass — its desktop cache still showing the desktop
    // free — found no desktop to give back and let the claim go: the desktop stayed bound to a
    // claim that no longer existed, and nothing ever freed it.
    const { ns, custom, read } = await salesPoolWithClaim('carol');
    const created = (await custom.createNamespacedCustomObject({
      ...VMS,
      namespace: ns,
      body: {
        apiVersion: 'kubevirt.io/v1',
        kind: 'VirtualMachine',
        metadata: {
          name: 'sales-0',
          namespace: ns,
          labels: { [LABELS.pool]: 'sales', [LABELS.templateRevision]: '1' },
        },
        spec: { runStrategy: 'Always', template: { spec: { domain: { devices: {} } } } },
      },
    })) as KubernetesObject;
    // The cache's view: a free, ready desktop of the pool's revision (status as KubeVirt would write it).
    const free = { ...created, status: { ready: true, printableStatus: 'Running' } };
    const pool = {
      ...(await read<object>({ ...CLAIMS, plural: 'virtualdesktoppools' }, 'sales')),
      status: { templateRevision: 1 },
    };
    let claimsShown: KubernetesObject[] = [await read<object>(CLAIMS, 'carol')];
    let desktopsShown: KubernetesObject[] = [free];
    const live = <T extends KubernetesObject>(objects: () => T[]) =>
      ({
        byIndex: () => [...objects()],
        list: () => [...objects()],
        get: (n: string | undefined, name: string) =>
          objects().find((o) => o.metadata?.namespace === n && o.metadata?.name === name),
      }) as unknown as Informer<T>;
    const deps = depsOver({
      claims: live(() => claimsShown),
      pools: frozenCache([pool]),
      desktops: live(() => desktopsShown),
      roles: frozenCache([]),
      roleBindings: frozenCache([]),
    });
    const reconcile = claimReconciler(deps);

    // The bind: on the server, not in the cache.
    await reconcile(`${ns}/sales`, silentLogger);
    const carol = await read<object>(CLAIMS, 'carol');
    const bound = await read<{ metadata: { annotations?: Record<string, string> } }>(VMS, 'sales-0');
    expect(bound.metadata.annotations?.[CLAIM_UID_ANNOTATION]).toBe(carol.metadata?.uid);

    // She gives it back at once; the desktop cache still shows it free.
    await custom.deleteNamespacedCustomObject({ ...CLAIMS, namespace: ns, name: 'carol' });
    claimsShown = [await read<object>(CLAIMS, 'carol')];
    const waited = await reconcile(`${ns}/sales`, silentLogger);
    expect(waited?.requeueAfterMs).toBeGreaterThan(0);
    const kept = await read<object>(CLAIMS, 'carol');
    expect(kept.metadata?.deletionTimestamp).toBeDefined();
    expect(kept.metadata?.finalizers).toContain(RELEASE_FINALIZER);

    // The cache catches up: the desktop goes back (deleted: the pool is stateless) and then the claim.
    desktopsShown = [{ ...bound, status: free.status } as KubernetesObject];
    await reconcile(`${ns}/sales`, silentLogger);
    await eventually(async () => expect(await read(CLAIMS, 'carol').catch((e) => e.code)).toBe(404));
    await eventually(async () => {
      const after = await read<{ metadata: { annotations?: Record<string, string> } }>(VMS, 'sales-0').catch(
        (e) => e.code,
      );
      if (after !== 404) expect(after.metadata.deletionTimestamp).toBeDefined();
    });
  });
});

describe('a desktop bound to a claim that is gone', () => {
  it('is given back once a live read confirms the claim is gone, and one bound to a claim the cache misses is left alone', {
    timeout: 120_000,
  }, async () => {
    // Found by the chaos campaign's etcd restarts: a bind written while its answer was lost (the
    // process restarted, or the request failed after etcd took it), then the claim deleted before
    // the desktop cache showed the bind. Nothing looked at a desktop through a claim that no
    // longer exists, so it stayed bound for good and the pool was one desktop short.
    const { ns, custom, read } = await salesPoolWithClaim('erin');
    const erin = await read<object>(CLAIMS, 'erin');
    const bodyOf = (name: string, claim: string, claimUid: string) => {
      const body = desktop(ns, claim, claim, claimUid);
      return { ...body, metadata: { ...body.metadata, name } };
    };
    // sales-0: bound to a claim that exists on the server (erin's) but not in this cache, as just
    // after a failover. sales-1: bound to a claim deleted long ago.
    const hers = (await custom.createNamespacedCustomObject({
      ...VMS,
      namespace: ns,
      body: bodyOf('sales-0', 'erin', erin.metadata?.uid as string),
    })) as KubernetesObject;
    const orphan = (await custom.createNamespacedCustomObject({
      ...VMS,
      namespace: ns,
      body: bodyOf('sales-1', 'frank', 'uid-of-a-claim-deleted-long-ago'),
    })) as KubernetesObject;
    const pool = await read<object>({ ...CLAIMS, plural: 'virtualdesktoppools' }, 'sales');
    const recorded: string[] = [];
    const deps = depsOver(
      {
        claims: frozenCache([]),
        pools: frozenCache([pool]),
        desktops: frozenCache([hers, orphan]),
        roles: frozenCache([]),
        roleBindings: frozenCache([]),
      },
      (reason) => void recorded.push(reason),
    );
    const reconcile = claimReconciler(deps);

    await reconcile(`${ns}/sales`, silentLogger);
    // The pool is Automatic and Stateless: the orphan goes with its disks, and the pool makes it anew.
    await eventually(async () => {
      const after = await read<KubernetesObject>(VMS, 'sales-1').catch((e) => e.code);
      if (after !== 404) expect(after.metadata?.deletionTimestamp).toBeDefined();
    });
    expect(recorded).toEqual(['OrphanedDesktopReleased']);
    const stillHers = await read<KubernetesObject>(VMS, 'sales-0');
    expect(stillHers.metadata?.deletionTimestamp).toBeUndefined();
    expect(stillHers.metadata?.annotations?.[CLAIM_UID_ANNOTATION]).toBe(erin.metadata?.uid);

    // Again from the same stale view: nothing more (the orphan is known gone, hers still has its claim).
    await expect(reconcile(`${ns}/sales`, silentLogger)).resolves.not.toThrow();
    expect(recorded).toEqual(['OrphanedDesktopReleased']);
  });
});
