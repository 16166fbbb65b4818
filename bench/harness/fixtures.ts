// The objects every benchmark uses: one namespace per measurement, a Linux template that boots
// from a container image (no golden disk, no Secret: nothing but the desktops themselves), pools
// of it, and the paths the watches follow.
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { API_VERSION } from '../../src/api/index.js';
import type { VirtualDesktopPool } from '../../src/api/virtualdesktoppool.js';
import { makeApply } from '../../src/runtime/apply.js';
import { waitUntil } from './wait.js';

export const TEMPLATE = 'desktop';
export const FIELD_MANAGER = 'kubevdi-bench';

/** The spec as a person writes it; the operator (and the raw baseline) apply the API's defaults. */
export const TEMPLATE_SPEC = {
  os: { type: 'Linux' },
  resources: { cpu: { cores: 2 }, memory: '4Gi' },
  rootDisk: { source: { containerDisk: { image: 'quay.io/containerdisks/fedora:42' } } },
  firmware: { type: 'BIOS' },
};

export const PATHS = {
  pools: (ns: string) => `/apis/kubevdi.io/v1alpha1/namespaces/${ns}/virtualdesktoppools`,
  claims: (ns: string) => `/apis/kubevdi.io/v1alpha1/namespaces/${ns}/desktopclaims`,
  vms: (ns: string) => `/apis/kubevirt.io/v1/namespaces/${ns}/virtualmachines`,
  leases: (ns: string) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
};

/** Creates a namespace; one that exists already is fine (a benchmark's second round). */
export async function createNamespace(kc: KubeConfig, name: string): Promise<void> {
  try {
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  } catch (err) {
    if (!(err instanceof ApiException && err.code === 409)) throw err;
  }
}

/** Applies the template and waits until the operator made its first revision (setup, not timed). */
export async function applyTemplate(kc: KubeConfig, namespace: string, waitForRevision: boolean): Promise<void> {
  await makeApply(
    kc,
    FIELD_MANAGER,
  )({
    apiVersion: API_VERSION,
    kind: 'VMTemplate',
    metadata: { name: TEMPLATE, namespace },
    spec: TEMPLATE_SPEC,
  });
  if (!waitForRevision) return;
  const custom = kc.makeApiClient(CustomObjectsApi);
  await waitUntil(`template ${namespace}/${TEMPLATE} to have a revision`, 30_000, async () => {
    const t = (await custom.getNamespacedCustomObject({
      group: 'kubevdi.io',
      version: 'v1alpha1',
      plural: 'vmtemplates',
      namespace,
      name: TEMPLATE,
    })) as { status?: { revision?: number } };
    return (t.status?.revision ?? 0) >= 1;
  });
}

export function poolObject(namespace: string, name: string, size: number, prestarted: number): KubernetesObject {
  return {
    apiVersion: API_VERSION,
    kind: 'VirtualDesktopPool',
    metadata: { name, namespace },
    spec: { templateRef: { name: TEMPLATE }, size, prestarted, assignment: 'Automatic', persistence: 'Stateless' },
  } as KubernetesObject;
}

export async function applyPool(
  kc: KubeConfig,
  namespace: string,
  name: string,
  size: number,
  prestarted: number,
): Promise<VirtualDesktopPool> {
  return (await makeApply(kc, FIELD_MANAGER)(poolObject(namespace, name, size, prestarted))) as VirtualDesktopPool;
}

export async function readPool(kc: KubeConfig, namespace: string, name: string): Promise<VirtualDesktopPool> {
  return (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: 'kubevdi.io',
    version: 'v1alpha1',
    plural: 'virtualdesktoppools',
    namespace,
    name,
  })) as VirtualDesktopPool;
}

export async function countVms(kc: KubeConfig, namespace: string): Promise<number> {
  const list = (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
    group: 'kubevirt.io',
    version: 'v1',
    plural: 'virtualmachines',
    namespace,
  })) as { items: unknown[] };
  return list.items.length;
}
