// From a template, its ControllerRevisions, the pools made from it and their desktops (all read as
// the person) to what the Templates views show: is it usable and if not why, in plain words; which
// revision each pool rolls out and how far; which desktops run which revision. Pure.
import { desktopFacts } from '../../api/desktop-facts.js';
import { LABELS } from '../../api/labels.js';
import type { PoolObject, TemplateObject } from '../kube-objects.js';
import type { VmObject } from './summary.js';
import type { AdminTemplate, TemplateRevision, TemplateRollout } from './types.js';

/** A ControllerRevision as far as the portal needs it. */
export interface RevisionObject {
  metadata?: { name?: string; namespace?: string; creationTimestamp?: Date | string; labels?: Record<string, string> };
  revision: number;
  data?: unknown;
}

/** The operator's Ready reasons (src/controllers/references.ts, vmtemplate.ts) in an administrator's words. */
const PROBLEMS: Record<string, string> = {
  SourceNotFound:
    'Its golden image (the root disk source) is missing, so no new desktop can be made from this template.',
  SourceNotReady: 'Its golden image exists but is not ready yet; new desktops wait for it.',
  SourceNotPermitted:
    'Its golden image is in another namespace that does not let this namespace clone from it, so no new desktop can be made from this template.',
  InstancetypeNotFound: 'The instancetype it names does not exist, so its desktops cannot start.',
  PreferenceNotFound: 'The preference it names does not exist, so its desktops cannot start.',
  SecretNotFound: 'The Secret with its guest customization (cloud-init or sysprep) does not exist.',
  InvalidSpec: 'The operator cannot read this template: its spec does not match what this kubevdi expects.',
};

const iso = (t: Date | string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

export function adminTemplate(template: TemplateObject, pools: readonly PoolObject[]): AdminTemplate {
  const namespace = template.metadata?.namespace as string;
  const name = template.metadata?.name as string;
  const ready = template.status?.conditions?.find((c) => c.type === 'Ready');
  const newest = template.status?.revision;
  const mine = poolsOf(template, pools);
  const os = [template.spec?.os?.type, template.spec?.os?.version].filter(Boolean).join(' ');
  const problem =
    ready?.status === 'False'
      ? (PROBLEMS[ready.reason ?? ''] ?? `It is not ready${ready.reason ? ` (${ready.reason})` : ''}.`)
      : ready
        ? undefined
        : 'The operator has not looked at it yet.';
  return {
    namespace,
    name,
    displayName: template.spec?.displayName || name,
    os,
    ...(newest ? { revision: newest } : {}),
    ready: ready?.status === 'True' ? 'True' : ready?.status === 'False' ? 'False' : 'Unknown',
    ...(problem ? { problem } : {}),
    ...(ready?.status === 'False' && ready.message ? { detail: ready.message } : {}),
    pools: mine.length,
    rollingOut: mine.filter((p) => !rolledOut(p)).length,
  };
}

/** The pools of the template's namespace made from it. */
export function poolsOf(template: TemplateObject, pools: readonly PoolObject[]): PoolObject[] {
  return pools
    .filter(
      (p) =>
        p.metadata?.namespace === template.metadata?.namespace && p.spec?.templateRef?.name === template.metadata?.name,
    )
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/** Every desktop on the pool's target revision. */
function rolledOut(pool: PoolObject): boolean {
  return (pool.status?.updated ?? 0) >= (pool.spec?.size ?? 0);
}

/** Desktops grouped by the revision their label names, newest revision first. */
function byRevision(vms: readonly VmObject[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const vm of vms) {
    const revision = String(desktopFacts(vm).revision ?? '?');
    groups.set(revision, [...(groups.get(revision) ?? []), vm.metadata?.name as string]);
  }
  for (const names of groups.values()) names.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return new Map([...groups].sort(([a], [b]) => Number(b) - Number(a)));
}

export function templateRollouts(
  template: TemplateObject,
  pools: readonly PoolObject[],
  vms: readonly VmObject[],
): TemplateRollout[] {
  return poolsOf(template, pools).map((pool) => {
    const name = pool.metadata?.name as string;
    const desktops = byRevision(vms.filter((vm) => vm.metadata?.labels?.[LABELS.pool] === name));
    const pinned = pool.spec?.templateRef?.revision;
    const target = pool.status?.templateRevision;
    return {
      namespace: pool.metadata?.namespace as string,
      name,
      displayName: pool.spec?.displayName || name,
      ...(pinned ? { pinned } : {}),
      ...(target ? { target } : {}),
      updated: pool.status?.updated ?? 0,
      size: pool.spec?.size ?? 0,
      desktops: [...desktops].map(([revision, names]) => ({ revision, desktops: names })),
    };
  });
}

/** The revisions, newest first, each with the pools rolling it out and (when visible) its desktops. */
export function templateRevisions(
  template: TemplateObject,
  revisions: readonly RevisionObject[],
  pools: readonly PoolObject[],
  vms: readonly VmObject[] | undefined,
): TemplateRevision[] {
  const mine = poolsOf(template, pools);
  const current = template.status?.currentRevision;
  return [...revisions]
    .sort((a, b) => b.revision - a.revision)
    .map((r) => {
      const created = iso(r.metadata?.creationTimestamp);
      return {
        number: r.revision,
        name: r.metadata?.name as string,
        ...(created ? { created } : {}),
        current: r.metadata?.name === current,
        pools: mine
          .filter((p) => p.status?.templateRevision === r.revision)
          .map((p) => p.spec?.displayName || (p.metadata?.name as string)),
        ...(vms
          ? {
              desktops: vms.filter((vm) => desktopFacts(vm).revision === r.revision).length,
            }
          : {}),
      };
    });
}
