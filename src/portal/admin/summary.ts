// From the objects an administrator may read (pools, templates, claims, desktops and their
// instances, nodes) to the rows the Admin Portal shows and what needs attention first. Pure: the
// routes read as the person, this only arranges what they got.

import { openConsoles } from '../../api/console-record.js';
import { desktopFacts } from '../../api/desktop-facts.js';
import { LABELS } from '../../api/labels.js';
import { lastDay } from '../../api/pool-usage.js';
import type { ClaimObject, PoolObject, TemplateObject } from '../kube-objects.js';
import { hostMaintenance, type PlacedInstance } from './host-maintenance.js';
import type { AdminDesktop, AdminPool, AdminSession, Attention, Condition, Host, Overview } from './types.js';

interface Meta {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: Date | string;
  };
}
export type VmObject = Meta & {
  spec?: { runStrategy?: string };
  status?: {
    printableStatus?: string;
    ready?: boolean;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
};
export type VmiObject = Meta & PlacedInstance & { status?: { phase?: string } };
export type NodeObject = Meta & {
  spec?: { unschedulable?: boolean; taints?: { key: string; effect?: string }[] };
  status?: {
    allocatable?: Record<string, string>;
    conditions?: { type: string; status: string }[];
  };
};

const key = (o: Meta) => `${o.metadata?.namespace}/${o.metadata?.name}`;
const conditionsOf = (list: readonly Condition[] | undefined): Condition[] =>
  (list ?? []).map(({ type, status, reason, message }) => ({
    type,
    status,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  }));

/** KubeVirt's states of a desktop that will not come up without someone's help. */
const FAILING = new Set([
  'CrashLoopBackOff',
  'ErrorUnschedulable',
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrorPvcNotFound',
  'ErrorDataVolumeNotFound',
  'DataVolumeError',
  'Unknown',
]);

export function adminPool(pool: PoolObject, claims: readonly ClaimObject[], now = new Date()): AdminPool {
  const name = pool.metadata?.name as string;
  const namespace = pool.metadata?.namespace as string;
  const status = pool.status ?? {};
  const hours = status.usage?.hours;
  return {
    namespace,
    name,
    displayName: pool.spec?.displayName || name,
    template: pool.spec?.templateRef?.name ?? '',
    size: pool.spec?.size ?? 0,
    prestarted: pool.spec?.prestarted ?? 0,
    ready: status.ready ?? 0,
    available: status.available ?? 0,
    assigned: status.assigned ?? 0,
    updated: status.updated ?? 0,
    ...(status.templateRevision ? { revision: String(status.templateRevision) } : {}),
    paused: pool.spec?.paused === true,
    assignment: pool.spec?.assignment ?? 'Automatic',
    persistence: pool.spec?.persistence ?? 'Stateless',
    waiting: claims.filter(
      (c) =>
        c.metadata?.namespace === namespace &&
        c.spec?.poolRef?.name === name &&
        !c.metadata?.deletionTimestamp &&
        (c.status?.phase ?? 'Pending') === 'Pending',
    ).length,
    conditions: conditionsOf(status.conditions),
    ...(hours?.length ? { lastDay: lastDay(hours, now) } : {}),
  };
}

export interface OverviewInput {
  pools: readonly PoolObject[];
  templates: readonly TemplateObject[];
  claims: readonly ClaimObject[];
  desktops: readonly VmObject[];
}

/** Every pool, and what needs attention first: the worst at the top, then by namespace and name. */
export function overview({ pools, templates, claims, desktops }: OverviewInput): Overview {
  const rows = pools
    .map((p) => adminPool(p, claims))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  const attention: Attention[] = [];
  for (const pool of rows) {
    const degraded = pool.conditions.find((c) => c.type === 'Degraded' && c.status === 'True');
    if (degraded)
      attention.push({
        severity: 'critical',
        namespace: pool.namespace,
        kind: 'pool',
        name: pool.name,
        summary: `Pool ${pool.displayName} is degraded${degraded.reason ? ` (${degraded.reason})` : ''}`,
        ...(degraded.message ? { detail: degraded.message } : {}),
      });
    if (pool.available === 0 && pool.waiting > 0)
      attention.push({
        severity: pool.assigned >= pool.size ? 'critical' : 'warning',
        namespace: pool.namespace,
        kind: 'pool',
        name: pool.name,
        summary: `Pool ${pool.displayName} has no desktop free and ${pool.waiting} ${pool.waiting === 1 ? 'person waits' : 'people wait'}`,
        detail: `${pool.assigned} of ${pool.size} desktops are assigned; scale the pool up or release desktops.`,
      });
  }
  for (const template of templates) {
    const ready = template.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'False')
      attention.push({
        severity: 'critical',
        namespace: template.metadata?.namespace as string,
        kind: 'template',
        name: template.metadata?.name as string,
        summary: `Template ${template.metadata?.name} is not ready${ready.reason ? ` (${ready.reason})` : ''}`,
        ...(ready.message ? { detail: ready.message } : {}),
      });
  }
  for (const vm of desktops) {
    const state = desktopFacts(vm).state ?? '';
    if (!FAILING.has(state)) continue;
    const failure = vm.status?.conditions?.find((c) => c.status === 'False' && c.message);
    attention.push({
      severity: 'warning',
      namespace: vm.metadata?.namespace as string,
      kind: 'desktop',
      name: vm.metadata?.name as string,
      summary: `Desktop ${vm.metadata?.name} of pool ${vm.metadata?.labels?.[LABELS.pool] ?? '?'} fails to start (${state})`,
      ...(failure?.message ? { detail: failure.message } : {}),
    });
  }
  const rank = { critical: 0, warning: 1 } as const;
  attention.sort(
    (a, b) =>
      rank[a.severity] - rank[b.severity] || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
  );
  return { pools: rows, attention };
}

/** Who is on a claim's desktop, from the guest agent's list in the claim's session status. */
function loggedOn(claim: ClaimObject | undefined): AdminDesktop['loggedOn'] {
  return (claim?.status?.session?.loggedInUsers ?? []).map((u) => ({
    userName: u.userName,
    ...(u.domain ? { domain: u.domain } : {}),
    ...(u.loginTime ? { since: u.loginTime } : {}),
  }));
}

export function desktopRows(
  pool: string,
  vms: readonly VmObject[],
  vmis: readonly VmiObject[],
  claims: readonly ClaimObject[],
): AdminDesktop[] {
  const instances = new Map(vmis.map((i) => [key(i), i]));
  const claimsByName = new Map(claims.map((c) => [key(c), c]));
  return vms
    .filter((vm) => vm.metadata?.labels?.[LABELS.pool] === pool)
    .map((vm) => {
      const namespace = vm.metadata?.namespace as string;
      const facts = desktopFacts(vm);
      const { claim: claimName, holder } = facts;
      const claim = claimName ? claimsByName.get(`${namespace}/${claimName}`) : undefined;
      const node = instances.get(key(vm))?.status?.nodeName;
      const revision = facts.revision === undefined ? undefined : String(facts.revision);
      const idleSince = claim?.status?.session?.idleSince;
      return {
        namespace,
        name: facts.name,
        pool,
        state: facts.state ?? 'Unknown',
        ready: facts.ready,
        ...(node ? { node } : {}),
        ...(revision ? { revision } : {}),
        ...(holder ? { holder } : {}),
        ...(claimName ? { claim: claimName } : {}),
        loggedOn: loggedOn(claim),
        ...(idleSince ? { idleSince } : {}),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

/** Every claim that holds or waits for a desktop, with who is on it and where it runs. */
export function sessionRows(
  claims: readonly ClaimObject[],
  vmis: readonly VmiObject[],
  now = new Date(),
): AdminSession[] {
  const instances = new Map(vmis.map((i) => [key(i), i]));
  return claims
    .filter((c) => c.status?.phase !== 'Released' && !c.metadata?.deletionTimestamp)
    .map((c) => {
      const namespace = c.metadata?.namespace as string;
      const desktop = c.status?.desktop?.name;
      const node = desktop ? instances.get(`${namespace}/${desktop}`)?.status?.nodeName : undefined;
      const idleSince = c.status?.session?.idleSince;
      return {
        namespace,
        claim: c.metadata?.name as string,
        user: c.spec?.user ?? '',
        pool: c.spec?.poolRef?.name ?? '',
        ...(desktop ? { desktop } : {}),
        ...(c.status?.phase ? { phase: c.status.phase } : {}),
        ...(c.status?.boundTime ? { boundTime: c.status.boundTime } : {}),
        loggedOn: loggedOn(c),
        ...(idleSince ? { idleSince } : {}),
        ...(node ? { node } : {}),
        consoles: openConsoles(c.metadata?.annotations, now).map(({ id, record, endRequestedBy }) => ({
          id,
          protocol: record.protocol,
          person: record.person,
          client: record.client,
          since: record.since,
          ...(endRequestedBy ? { endRequestedBy } : {}),
        })),
      };
    })
    .sort(
      (a, b) =>
        a.user.localeCompare(b.user) || a.namespace.localeCompare(b.namespace) || a.claim.localeCompare(b.claim),
    );
}

/** "Where is alice's desktop?": the person's name as the API server knows it, or the guest user's. */
export function matchesUser(session: AdminSession, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return session.user.toLowerCase().includes(q) || session.loggedOn.some((u) => u.userName.toLowerCase().includes(q));
}

/** Every node, what runs there, and for one in maintenance what is left to move and who works there. */
export function hostRows(
  nodes: readonly NodeObject[],
  vmis: readonly VmiObject[],
  claims: readonly ClaimObject[] = [],
): Host[] {
  const perNode = new Map<string, number>();
  for (const vmi of vmis) {
    const node = vmi.status?.nodeName;
    if (node) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  return nodes
    .map((n) => {
      const name = n.metadata?.name as string;
      const cpu = n.status?.allocatable?.cpu;
      const memory = n.status?.allocatable?.memory;
      const maintenance = hostMaintenance(n, vmis, claims);
      return {
        name,
        ready: n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
        ...(cpu ? { cpu } : {}),
        ...(memory ? { memory } : {}),
        desktops: perNode.get(name) ?? 0,
        ...(maintenance ? { maintenance } : {}),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
