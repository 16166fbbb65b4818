// Desktops from a test's point of view: a template with per-desktop disks, pools, claims made as
// the admin, and reads of what the operator did. Shared by the claim, session and permission tests.
import { CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import { expect } from 'vitest';
import type { DesktopClaim } from '../../src/api/desktopclaim.js';
import { API_VERSION } from '../../src/api/index.js';
import type { VirtualDesktopPool } from '../../src/api/virtualdesktoppool.js';
import { applyAs, kubeconfig } from './cluster.js';
import { eventually } from './eventually.js';

/** A claim as the API server returns it: the API's own type, with the metadata every object has. */
export type Claim = DesktopClaim & KubernetesObject;
export interface Vm extends KubernetesObject {
  spec: { runStrategy: string };
  status?: { ready?: boolean; printableStatus?: string };
}

const CLAIMS = { group: 'kubevdi.io', version: 'v1alpha1', plural: 'desktopclaims' };

export function useDesktops(namespace: () => string) {
  const apply = applyAs();
  const custom = () => kubeconfig().makeApiClient(CustomObjectsApi);

  /** A VMTemplate of the tests' usual size booting from `rootDisk`. */
  async function template(name: string, rootDisk: Record<string, unknown>): Promise<void> {
    await apply({
      apiVersion: API_VERSION,
      kind: 'VMTemplate',
      metadata: { name, namespace: namespace() },
      spec: { os: { type: 'Linux' }, resources: { cpu: { cores: 2 }, memory: '4Gi' }, rootDisk },
    });
  }

  /** A template whose desktops each get their own disk, cloned from a golden DataSource. */
  async function templateWithDisks(
    name = 'fedora',
    /** ReadWriteMany: disks KubeVirt can migrate live; without, CDI's default (ReadWriteOnce). */
    accessMode?: 'ReadWriteOnce' | 'ReadWriteMany',
  ): Promise<void> {
    await apply({
      apiVersion: 'cdi.kubevirt.io/v1beta1',
      kind: 'DataSource',
      metadata: { name: 'golden', namespace: namespace() },
      spec: { source: { pvc: { name: 'golden-image', namespace: namespace() } } },
    });
    await template(name, {
      source: { dataSource: { name: 'golden' } },
      size: '20Gi',
      ...(accessMode && { accessMode }),
    });
  }

  /**
   * A template whose desktops boot from a container image: no PVC, so KubeVirt (and the simulator)
   * can migrate them live.
   */
  async function templateFromImage(name = 'fedora'): Promise<void> {
    await template(name, { source: { containerDisk: { image: 'quay.io/containerdisks/fedora:42' } } });
  }

  async function pool(name: string, spec: Record<string, unknown>): Promise<void> {
    await apply({
      apiVersion: API_VERSION,
      kind: 'VirtualDesktopPool',
      metadata: { name, namespace: namespace() },
      spec: { templateRef: { name: 'fedora' }, ...spec },
    });
  }

  /** A claim made by the admin (who may assign) for `user`. */
  async function claim(name: string, user: string, poolName = 'sales'): Promise<void> {
    await apply({
      apiVersion: API_VERSION,
      kind: 'DesktopClaim',
      metadata: { name, namespace: namespace() },
      spec: { poolRef: { name: poolName }, user },
    });
  }

  async function readClaim(name: string): Promise<Claim> {
    return (await custom().getNamespacedCustomObject({ ...CLAIMS, namespace: namespace(), name })) as Claim;
  }

  async function readPool(name: string): Promise<VirtualDesktopPool> {
    return (await custom().getNamespacedCustomObject({
      group: 'kubevdi.io',
      version: 'v1alpha1',
      plural: 'virtualdesktoppools',
      namespace: namespace(),
      name,
    })) as VirtualDesktopPool;
  }

  async function listClaims(): Promise<Claim[]> {
    return ((await custom().listNamespacedCustomObject({ ...CLAIMS, namespace: namespace() })) as { items: Claim[] })
      .items;
  }

  async function deleteClaim(name: string): Promise<void> {
    await custom().deleteNamespacedCustomObject({ ...CLAIMS, namespace: namespace(), name });
  }

  async function vms(): Promise<Vm[]> {
    return (
      (await custom().listNamespacedCustomObject({
        group: 'kubevirt.io',
        version: 'v1',
        plural: 'virtualmachines',
        namespace: namespace(),
      })) as { items: Vm[] }
    ).items;
  }

  /** The uid of a desktop's disk (its DataVolume): the identity of what a user wrote. */
  async function diskUid(desktop: string): Promise<string | undefined> {
    const dv = (await custom()
      .getNamespacedCustomObject({
        group: 'cdi.kubevirt.io',
        version: 'v1beta1',
        plural: 'datavolumes',
        namespace: namespace(),
        name: `${desktop}-root`,
      })
      .catch(() => undefined)) as KubernetesObject | undefined;
    return dv?.metadata?.uid;
  }

  /** Waits until the claim is Bound (and, with `ready`, its desktop ready) and returns it. */
  const bound = async (name: string, { ready = false } = {}) =>
    eventually(async () => {
      const c = await readClaim(name);
      expect(c.status?.phase).toBe('Bound');
      if (ready) expect(c.status?.desktop?.ready).toBe(true);
      return c;
    }, 30_000);

  return {
    templateWithDisks,
    templateFromImage,
    pool,
    claim,
    readClaim,
    readPool,
    listClaims,
    deleteClaim,
    vms,
    diskUid,
    bound,
  };
}

/** A desktop's instance (VMI) as the admin reads it now; undefined when it has none. */
export async function readInstance(
  namespace: string,
  name: string,
): Promise<{ metadata?: { uid?: string }; status?: { nodeName?: string } } | undefined> {
  return (await kubeconfig()
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({
      group: 'kubevirt.io',
      version: 'v1',
      plural: 'virtualmachineinstances',
      namespace,
      name,
    })
    .catch(() => undefined)) as { metadata?: { uid?: string }; status?: { nodeName?: string } } | undefined;
}
