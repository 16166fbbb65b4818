// The pools a person may take a desktop from, as the API server decides it: the pools they may
// list, each kept only if a SelfSubjectAccessReview says they may `use` it — the same check the
// claim admission policy makes, so the portal never offers what the API server would refuse.

import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { DESCRIPTION_ANNOTATION } from '../api/annotations.js';
import { GROUP } from '../api/meta.js';
import { POOLS, type VirtualDesktopPoolSpec } from '../api/virtualdesktoppool.js';
import { VMTEMPLATES } from '../api/vmtemplate.js';
import { inParallel } from '../runtime/parallel.js';
import { allowed } from './access.js';
import type { Pool } from './api-types.js';
import { isForbiddenOrMissing } from './kube-errors.js';
import type { PoolObject, TemplateObject } from './kube-objects.js';
import { listReadable, REVIEW_CONCURRENCY } from './readable.js';

export { REVIEW_CONCURRENCY };

/**
 * `namespaces` are where to look when the person may not list pools in all namespaces (the
 * portal's --namespace flags); namespaces they may not list pools in are skipped.
 */
export async function entitledPools(kc: KubeConfig, namespaces: readonly string[]): Promise<Pool[]> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const visible = await listablePools(kc, namespaces, custom);
  const usable: PoolObject[] = [];
  await inParallel(
    visible,
    async (pool) => {
      const { namespace, name } = pool.metadata ?? {};
      if (await allowed(kc, { group: GROUP, resource: POOLS.plural, verb: 'use', namespace, name })) usable.push(pool);
    },
    REVIEW_CONCURRENCY,
  );
  const templates = await readTemplates(custom, usable);
  return usable
    .map((pool) => describe(pool, templates.get(templateKey(pool))))
    .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.namespace.localeCompare(b.namespace));
}

/** The pools the person may list: everywhere when allowed, else in `namespaces` where allowed. */
export function listablePools(
  kc: KubeConfig,
  namespaces: readonly string[],
  custom = kc.makeApiClient(CustomObjectsApi),
): Promise<PoolObject[]> {
  return listReadable<PoolObject>(kc, POOLS, namespaces, custom);
}

const templateKey = (pool: PoolObject) => `${pool.metadata?.namespace}/${pool.spec?.templateRef?.name}`;

/** Each template once, read as the person; one they may not read (403) or that is gone is left out. */
async function readTemplates(custom: CustomObjectsApi, pools: PoolObject[]): Promise<Map<string, TemplateObject>> {
  const templates = new Map<string, TemplateObject>();
  const wanted = [...new Map(pools.filter((p) => p.spec?.templateRef?.name).map((p) => [templateKey(p), p])).values()];
  await inParallel(
    wanted,
    async (pool) => {
      try {
        const template = (await custom.getNamespacedCustomObject({
          ...VMTEMPLATES,
          namespace: pool.metadata?.namespace as string,
          name: pool.spec?.templateRef?.name as string,
        })) as TemplateObject;
        templates.set(templateKey(pool), template);
      } catch (err) {
        if (!isForbiddenOrMissing(err)) throw err;
      }
    },
    REVIEW_CONCURRENCY,
  );
  return templates;
}

/**
 * What people choosing a desktop see of each field of a pool's spec: one added to
 * VirtualDesktopPoolSpec is missing here, and the compiler says so, until someone decides whether
 * the user's side shows it (describe() below and api-types.ts's Pool for the pool's card,
 * user/claim-view.ts for a claim's card) or it is the administrators' alone.
 */
export const SHOWN_TO_USERS = {
  displayName: 'pool card',
  templateRef: 'pool card', // the template's OS, display name and description
  maxDesktopsPerUser: 'pool card',
  assignment: 'claim card', // poolKind
  persistence: 'claim card', // poolKind
  size: 'not shown', // status.available is
  prestarted: 'not shown',
  capacity: 'not shown',
  growth: 'not shown',
  access: 'not shown', // the person only sees the pools it lets them use
  session: 'not shown', // a claim's pendingAction says what the policies will do
  updateStrategy: 'not shown',
  maintenance: 'not shown',
  placement: 'not shown',
  rdp: 'not shown', // a claim's card offers the .rdp file when the claim names an RDP Service
  profileDisk: 'claim card', // the claim's status.profileDisk
  paused: 'not shown',
} as const satisfies Record<keyof VirtualDesktopPoolSpec, 'pool card' | 'claim card' | 'not shown'>;

function describe(pool: PoolObject, template: TemplateObject | undefined): Pool {
  const name = pool.metadata?.name as string;
  const os = template?.spec?.os?.type
    ? { type: template.spec.os.type, ...(template.spec.os.version ? { version: template.spec.os.version } : {}) }
    : undefined;
  const description =
    pool.metadata?.annotations?.[DESCRIPTION_ANNOTATION] ??
    template?.metadata?.annotations?.[DESCRIPTION_ANNOTATION] ??
    template?.spec?.displayName;
  return {
    namespace: pool.metadata?.namespace as string,
    name,
    displayName: pool.spec?.displayName || name,
    ...(description ? { description } : {}),
    ...(os ? { os } : {}),
    available: Math.max(0, pool.status?.available ?? 0),
    maxDesktopsPerUser: Math.max(1, pool.spec?.maxDesktopsPerUser ?? 1),
  };
}
