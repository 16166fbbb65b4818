// What the chaos campaigns look at: everything kubevdi made or was asked for in one namespace,
// read straight from the API server as the admin (never from the operator's cache), in one go.
import { CustomObjectsApi, type KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { LABELS, MANAGED_BY } from '../../src/api/labels.js';

export interface ObjectMeta {
  name: string;
  uid: string;
  generation?: number;
  deleting: boolean;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  ownerUids: string[];
}

export interface PoolView {
  meta: ObjectMeta;
  size: number;
  status: { observedGeneration?: number; desktops?: number; assigned?: number };
}
export interface ClaimView {
  meta: ObjectMeta;
  pool: string;
  user: string;
  phase?: string;
  desktop?: string;
}
export interface VmView {
  meta: ObjectMeta;
}
export interface GrantView {
  kind: 'Role' | 'RoleBinding';
  meta: ObjectMeta;
  /** Role: the desktops its rules name. RoleBinding: its subjects' names. */
  names: string[];
}

export interface NamespaceState {
  pools: PoolView[];
  claims: ClaimView[];
  vms: VmView[];
  grants: GrantView[];
}

interface Raw {
  metadata?: {
    name?: string;
    uid?: string;
    generation?: number;
    deletionTimestamp?: unknown;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    ownerReferences?: { uid: string }[];
  };
  // biome-ignore lint/suspicious/noExplicitAny: the shapes are read field by field below
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  status?: any;
}

function meta(o: Raw): ObjectMeta {
  const m = o.metadata ?? {};
  return {
    name: m.name ?? '',
    uid: m.uid ?? '',
    generation: m.generation,
    deleting: Boolean(m.deletionTimestamp),
    annotations: m.annotations ?? {},
    labels: m.labels ?? {},
    ownerUids: (m.ownerReferences ?? []).map((r) => r.uid),
  };
}

/** The claim grants only: a pool's entitlement Role (kubevdi-pool-*) is the pool's business. */
export const CLAIM_GRANT_PREFIX = 'kubevdi-claim-';

export async function readNamespaceState(kc: KubeConfig, namespace: string): Promise<NamespaceState> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const list = async (group: string, version: string, plural: string) =>
    ((await custom.listNamespacedCustomObject({ group, version, plural, namespace })) as { items: Raw[] }).items;
  const managed = `${LABELS.managedBy}=${MANAGED_BY}`;
  const [pools, claims, vms, roles, bindings] = await Promise.all([
    list('kubevdi.io', 'v1alpha1', 'virtualdesktoppools'),
    list('kubevdi.io', 'v1alpha1', 'desktopclaims'),
    list('kubevirt.io', 'v1', 'virtualmachines'),
    rbac.listNamespacedRole({ namespace, labelSelector: managed }),
    rbac.listNamespacedRoleBinding({ namespace, labelSelector: managed }),
  ]);
  const isClaimGrant = (o: Raw) => (o.metadata?.name ?? '').startsWith(CLAIM_GRANT_PREFIX);
  return {
    pools: pools.map((p) => ({ meta: meta(p), size: p.spec?.size ?? 0, status: p.status ?? {} })),
    claims: claims.map((c) => ({
      meta: meta(c),
      pool: c.spec?.poolRef?.name ?? '',
      user: c.spec?.user ?? '',
      phase: c.status?.phase,
      desktop: c.status?.desktop?.name,
    })),
    vms: vms.map((v) => ({ meta: meta(v) })),
    grants: [
      ...(roles.items as Raw[]).filter(isClaimGrant).map((r) => ({
        kind: 'Role' as const,
        meta: meta(r),
        names: ((r as { rules?: { apiGroups?: string[]; resourceNames?: string[] }[] }).rules ?? [])
          .filter((rule) => rule.apiGroups?.includes('kubevirt.io'))
          .flatMap((rule) => rule.resourceNames ?? []),
      })),
      ...(bindings.items as Raw[]).filter(isClaimGrant).map((b) => ({
        kind: 'RoleBinding' as const,
        meta: meta(b),
        names: ((b as { subjects?: { name: string }[] }).subjects ?? []).map((s) => s.name),
      })),
    ],
  };
}
