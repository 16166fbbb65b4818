// What an administrator may do, per namespace, as the API server says (one SelfSubjectRulesReview
// per namespace, matched as RBAC matches; SelfSubjectAccessReviews for nodes: list, and patch). The interface
// shows only what is allowed; the API server still decides every request.

import type { KubeConfig, V1ResourceRule } from '@kubernetes/client-node';
import { CLAIMS } from '../../api/desktopclaim.js';
import { VIRTUAL_MACHINES } from '../../api/kubernetes-kinds.js';
import { GROUP } from '../../api/meta.js';
import { POOLS } from '../../api/virtualdesktoppool.js';
import { VMTEMPLATES } from '../../api/vmtemplate.js';
import { inParallel } from '../../runtime/parallel.js';
import { allowed } from '../access.js';
import { listablePools } from '../pools.js';
import { REVIEW_CONCURRENCY } from '../readable.js';
import { permits, rulesIn } from '../rules.js';
import type { AdminAccess, NamespaceAccess } from './types.js';

/** Any object of the kind: rules limited to some names do not make a list or a new object. */
const ANY = '';

function can(rules: readonly V1ResourceRule[], group: string, resource: string, verb: string): boolean {
  return permits(
    rules.filter((r) => !r.resourceNames?.length),
    { group, resource, verb, name: ANY },
  );
}

export function namespaceAccess(namespace: string, rules: readonly V1ResourceRule[]): NamespaceAccess {
  const kubevdi = (resource: string, verb: string) => can(rules, GROUP, resource, verb);
  const kubevirt = (resource: string, verb: string) => can(rules, 'subresources.kubevirt.io', resource, verb);
  return {
    namespace,
    pools: {
      list: kubevdi(POOLS.plural, 'list'),
      create: kubevdi(POOLS.plural, 'create'),
      update: kubevdi(POOLS.plural, 'patch'),
      delete: kubevdi(POOLS.plural, 'delete'),
    },
    templates: {
      list: kubevdi(VMTEMPLATES.plural, 'list'),
      create: kubevdi(VMTEMPLATES.plural, 'create'),
      update: kubevdi(VMTEMPLATES.plural, 'patch'),
      delete: kubevdi(VMTEMPLATES.plural, 'delete'),
    },
    desktops: {
      list: can(rules, VIRTUAL_MACHINES.group, VIRTUAL_MACHINES.plural, 'list'),
      start: kubevirt('virtualmachines/start', 'update'),
      stop: kubevirt('virtualmachines/stop', 'update'),
      restart: kubevirt('virtualmachines/restart', 'update'),
      console: kubevirt('virtualmachineinstances/vnc', 'get'),
    },
    claims: {
      list: kubevdi(CLAIMS.plural, 'list'),
      delete: kubevdi(CLAIMS.plural, 'delete'),
      patch: kubevdi(CLAIMS.plural, 'patch'),
    },
    events: { list: can(rules, '', 'events', 'list'), create: can(rules, '', 'events', 'create') },
    profileDisks: {
      list: can(rules, '', 'persistentvolumeclaims', 'list'),
      delete: can(rules, '', 'persistentvolumeclaims', 'delete'),
    },
  };
}

/**
 * Someone who may only read pools and templates (every user may: they choose from them) has
 * nothing to administer; seeing claims or desktops, or changing pools or templates, is.
 */
export function administers(access: NamespaceAccess): boolean {
  return (
    access.claims.list ||
    access.desktops.list ||
    access.pools.create ||
    access.pools.update ||
    access.templates.create ||
    access.templates.update
  );
}

/** The namespaces to look at: the portal's own, and every one where the person sees pools. */
export async function adminNamespaces(kc: KubeConfig, namespaces: readonly string[]): Promise<string[]> {
  const pools = await listablePools(kc, namespaces);
  return [...new Set([...namespaces, ...pools.map((p) => p.metadata?.namespace as string)])].sort();
}

export async function adminAccess(
  kc: KubeConfig,
  username: string,
  namespaces: readonly string[],
): Promise<AdminAccess> {
  const where = await adminNamespaces(kc, namespaces);
  const found: NamespaceAccess[] = [];
  await inParallel(
    where,
    async (namespace) => found.push(namespaceAccess(namespace, await rulesIn(kc, namespace))),
    REVIEW_CONCURRENCY,
  );
  const mine = found.filter(administers).sort((a, b) => a.namespace.localeCompare(b.namespace));
  const nodes = mine.length > 0 && (await allowed(kc, { group: '', resource: 'nodes', verb: 'list' }));
  return {
    username,
    administers: mine.length > 0,
    namespaces: mine,
    nodes,
    // Start and End maintenance cordon and uncordon: a patch of the node, as the person.
    nodeMaintenance: nodes && (await allowed(kc, { group: '', resource: 'nodes', verb: 'patch' })),
  };
}
