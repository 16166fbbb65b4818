// The person's own claims, made, read and released as the person. Users cannot list claims:
// kubevdi grants each user get/watch/delete on their own claims by name, so the names are found
// with a SelfSubjectRulesReview per namespace (what `kubectl auth can-i --list` shows) and each
// is read by name. People who may list claims (pool admins) get a list filtered to their own.

import { CustomObjectsApi, type KubeConfig, type V1ResourceRule } from '@kubernetes/client-node';
import { CLAIMS } from '../../api/desktopclaim.js';
import { RELEASE_FINALIZER } from '../../api/finalizers.js';
import { API_VERSION, GROUP } from '../../api/meta.js';
import { POOLS } from '../../api/virtualdesktoppool.js';
import { inParallel } from '../../runtime/parallel.js';
import type { Claim, CreateClaim } from '../api-types.js';
import { isForbiddenOrMissing } from '../kube-errors.js';
import type { ClaimObject, PoolObject } from '../kube-objects.js';
import { listablePools, REVIEW_CONCURRENCY } from '../pools.js';
import { covers, rulesIn } from '../rules.js';
import { readVm } from '../vms.js';
import { activeClaims, limitText } from '../web/words.js';
import { toClaim } from './claim-view.js';

export type { ClaimObject } from '../kube-objects.js';
export { toClaim } from './claim-view.js';

/**
 * Claims of `username` in the portal's namespaces and in every namespace where the person sees
 * pools (a claim lives beside its pool).
 */
export async function ownClaims(kc: KubeConfig, username: string, namespaces: readonly string[]): Promise<Claim[]> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const pools = await listablePools(kc, namespaces, undefined);
  const poolsByKey = new Map(pools.map((p) => [`${p.metadata?.namespace}/${p.metadata?.name}`, p]));
  const where = [...new Set([...namespaces, ...pools.map((p) => p.metadata?.namespace as string)])];
  const found: Claim[] = [];
  await inParallel(
    where,
    async (namespace) => {
      // One review per namespace answers both which claims are the person's and what their
      // grants let them do with each desktop.
      const rules = await rulesIn(kc, namespace);
      const access = claimAccess(rules);
      const claims: ClaimObject[] = [];
      if (access === 'list') {
        claims.push(
          ...((await custom.listNamespacedCustomObject({ ...CLAIMS, namespace })) as { items: ClaimObject[] }).items,
        );
      } else {
        await inParallel(
          access,
          async (name) => {
            try {
              claims.push((await custom.getNamespacedCustomObject({ ...CLAIMS, namespace, name })) as ClaimObject);
            } catch (err) {
              // Released meanwhile, or its grant is already gone.
              if (!isForbiddenOrMissing(err)) throw err;
            }
          },
          REVIEW_CONCURRENCY,
        );
      }
      await inParallel(
        claims.filter((c) => c.spec?.user === username),
        async (c) => {
          const vm = c.status?.desktop?.name ? await readVm(kc, namespace, c.status.desktop.name) : undefined;
          const pool = poolsByKey.get(`${namespace}/${c.spec?.poolRef?.name}`);
          found.push(toClaim(c, { rules, ...(pool ? { pool } : {}), ...(vm ? { vm } : {}) }));
        },
        REVIEW_CONCURRENCY,
      );
    },
    REVIEW_CONCURRENCY,
  );
  return found.sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.name.localeCompare(b.name));
}

/** 'list' when the rules let the person list claims in the namespace, else the names they may get. */
function claimAccess(all: readonly V1ResourceRule[]): 'list' | string[] {
  const rules = all.filter((r) => covers(r.apiGroups, GROUP) && covers(r.resources, CLAIMS.plural));
  if (rules.some((r) => covers(r.verbs, 'list') && !r.resourceNames?.length)) return 'list';
  return [...new Set(rules.filter((r) => covers(r.verbs, 'get')).flatMap((r) => r.resourceNames ?? []))];
}

/** The pool of a claim as the person may read it; undefined when they may not (or it is gone). */
export async function readPool(kc: KubeConfig, namespace: string, name: string): Promise<PoolObject | undefined> {
  try {
    return (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      ...POOLS,
      namespace,
      name,
    })) as PoolObject;
  } catch (err) {
    if (isForbiddenOrMissing(err)) return undefined;
    throw err;
  }
}

/** Creates a claim for the person from a pool, with a generated name; the API server decides. */
export async function createClaim(kc: KubeConfig, username: string, request: CreateClaim): Promise<Claim> {
  const created = (await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    ...CLAIMS,
    namespace: request.namespace,
    body: {
      apiVersion: API_VERSION,
      kind: 'DesktopClaim',
      // With its release finalizer on already (the admission policy allows that one): the operator
      // would otherwise add it with a write of its own before the person's desktop is theirs.
      metadata: {
        generateName: `${request.pool.slice(0, 57)}-`,
        namespace: request.namespace,
        finalizers: [RELEASE_FINALIZER],
      },
      spec: { poolRef: { name: request.pool }, user: username },
    },
  })) as ClaimObject;
  return toClaim(created);
}

/**
 * Why the person may not claim another desktop of `pool` (they hold its maxDesktopsPerUser
 * already, counted as the page counts them), or undefined. Without the pool (not readable, gone)
 * nothing is said here: the API server and the operator answer for it.
 */
export function heldBeyondLimit(claims: Iterable<Claim>, pool: PoolObject | undefined): string | undefined {
  const namespace = pool?.metadata?.namespace;
  const name = pool?.metadata?.name;
  if (!namespace || !name) return undefined;
  const max = Math.max(1, pool.spec?.maxDesktopsPerUser ?? 1);
  return limitText(activeClaims(claims, { namespace, name }), max);
}

/** Releases (deletes) a claim as the person: RBAC and the admission policy allow only their own. */
export async function releaseClaim(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({ ...CLAIMS, namespace, name });
}
