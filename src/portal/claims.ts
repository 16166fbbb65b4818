// The person's own claims, made, read and released as the person. Users cannot list claims:
// kubevdi grants each user get/watch/delete on their own claims by name, so the names are found
// with a SelfSubjectRulesReview per namespace (what `kubectl auth can-i --list` shows) and each
// is read by name. People who may list claims (pool admins) get a list filtered to their own.
import {
  AuthorizationV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  type V1ResourceRule,
} from '@kubernetes/client-node';
import { API_VERSION, GROUP, VERSION } from '../api/meta.js';
import { inParallel } from '../runtime/parallel.js';
import type { Claim, CreateClaim } from './api-types.js';
import { isForbiddenOrMissing } from './kube-errors.js';
import { listablePools, REVIEW_CONCURRENCY } from './pools.js';

const CLAIMS = { group: GROUP, version: VERSION, plural: 'desktopclaims' };

export interface ClaimObject extends KubernetesObject {
  spec?: { poolRef?: { name?: string }; user?: string };
  status?: {
    phase?: string;
    desktop?: { name: string; ready: boolean };
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/**
 * Claims of `username` in the portal's namespaces and in every namespace where the person sees
 * pools (a claim lives beside its pool).
 */
export async function ownClaims(kc: KubeConfig, username: string, namespaces: readonly string[]): Promise<Claim[]> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const pools = await listablePools(kc, namespaces, undefined);
  const where = [...new Set([...namespaces, ...pools.map((p) => p.metadata?.namespace as string)])];
  const found: ClaimObject[] = [];
  await inParallel(
    where,
    async (namespace) => {
      const access = await claimAccess(kc, namespace);
      if (access === 'list') {
        found.push(
          ...((await custom.listNamespacedCustomObject({ ...CLAIMS, namespace })) as { items: ClaimObject[] }).items,
        );
        return;
      }
      await inParallel(
        access,
        async (name) => {
          try {
            found.push((await custom.getNamespacedCustomObject({ ...CLAIMS, namespace, name })) as ClaimObject);
          } catch (err) {
            // Released meanwhile, or its grant is already gone.
            if (!isForbiddenOrMissing(err)) throw err;
          }
        },
        REVIEW_CONCURRENCY,
      );
    },
    REVIEW_CONCURRENCY,
  );
  return found
    .filter((c) => c.spec?.user === username)
    .map(toClaim)
    .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.name.localeCompare(b.name));
}

/** 'list' when the person may list claims in the namespace, else the names they may get. */
async function claimAccess(kc: KubeConfig, namespace: string): Promise<'list' | string[]> {
  const review = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectRulesReview({
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } },
  });
  const rules = (review.status?.resourceRules ?? []).filter(
    (r) => covers(r.apiGroups, GROUP) && covers(r.resources, 'desktopclaims'),
  );
  if (rules.some((r) => covers(r.verbs, 'list') && !r.resourceNames?.length)) return 'list';
  return [
    ...new Set(rules.filter((r) => covers(r.verbs, 'get')).flatMap((r: V1ResourceRule) => r.resourceNames ?? [])),
  ];
}

const covers = (values: string[] | undefined, wanted: string) => !!values?.some((v) => v === wanted || v === '*');

/** Creates a claim for the person from a pool, with a generated name; the API server decides. */
export async function createClaim(kc: KubeConfig, username: string, request: CreateClaim): Promise<Claim> {
  const created = (await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    ...CLAIMS,
    namespace: request.namespace,
    body: {
      apiVersion: API_VERSION,
      kind: 'DesktopClaim',
      metadata: { generateName: `${request.pool.slice(0, 57)}-`, namespace: request.namespace },
      spec: { poolRef: { name: request.pool }, user: username },
    },
  })) as ClaimObject;
  return toClaim(created);
}

/** Releases (deletes) a claim as the person: RBAC and the admission policy allow only their own. */
export async function releaseClaim(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({ ...CLAIMS, namespace, name });
}

/** The person's view of a claim object, as the API sends it to the page. */
export function toClaim(c: ClaimObject): Claim {
  return {
    namespace: c.metadata?.namespace as string,
    name: c.metadata?.name as string,
    pool: c.spec?.poolRef?.name ?? '',
    user: c.spec?.user ?? '',
    ...(c.status?.phase ? { phase: c.status.phase } : {}),
    ...(c.status?.desktop ? { desktop: { name: c.status.desktop.name, ready: c.status.desktop.ready } } : {}),
    ...(c.metadata?.creationTimestamp ? { createdAt: new Date(c.metadata.creationTimestamp).toISOString() } : {}),
    ...(c.metadata?.deletionTimestamp ? { deleting: true } : {}),
    conditions: (c.status?.conditions ?? []).map(({ type, status, reason, message }) => ({
      type,
      status,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    })),
  };
}
