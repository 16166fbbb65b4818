// VMTemplate controller: keeps one ControllerRevision per distinct spec (bounded history), names
// the newest in status, and says in the Ready condition whether the objects the template names
// exist. Reconcile reads top to bottom: spec → revision → pruning → references → status.
import type { KubernetesObject, V1ControllerRevision } from '@kubernetes/client-node';
import { desktopFacts } from '../api/desktop-facts.js';
import { LABELS } from '../api/labels.js';
import type { VirtualDesktopPool } from '../api/virtualdesktoppool.js';
import { VMTEMPLATES, type VMTemplate, VMTemplateSpec, type VMTemplateStatus } from '../api/vmtemplate.js';
import { renderRevision, revisionName, revisionsToPrune } from '../render/revisions.js';
import type { Apply } from '../runtime/apply.js';
import { type ConditionInput, findCondition, setConditions } from '../runtime/conditions.js';
import { Controller, type Key, splitKey } from '../runtime/controller.js';
import type { Recorder } from '../runtime/events.js';
import type { Informer } from '../runtime/informer.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import type { WriteStatus } from '../runtime/status.js';
import type { ReconcileResult } from '../runtime/workqueue.js';
import type { TemplateActions } from './actions.js';
import type { CheckReferences } from './references.js';

/** Index of ControllerRevisions and desktops by `<namespace>/<template>`. */
export const BY_TEMPLATE = 'template';

/** While a template is not Ready we look again, slower the longer it stays broken. */
const RECHECK_MIN_MS = 10_000;
const RECHECK_MAX_MS = 5 * 60_000;

export interface TemplateControllerDeps {
  templates: Informer<VMTemplate>;
  revisions: Informer<V1ControllerRevision>;
  pools: Informer<VirtualDesktopPool>;
  desktops: Informer<KubernetesObject>;
  apply: Apply;
  /** Prunes old revisions. */
  actions: TemplateActions;
  writeStatus: WriteStatus;
  recorder: Recorder;
  checkReferences: CheckReferences;
  metrics: Metrics;
  log: Logger;
}

export function templateController(deps: TemplateControllerDeps): Controller {
  const templateOf = (labels: Record<string, string> | undefined, namespace: string | undefined): Key[] =>
    labels?.[LABELS.template] ? [`${namespace}/${labels[LABELS.template]}`] : [];
  return new Controller({ name: 'vmtemplate', metrics: deps.metrics, log: deps.log }, (key, log) =>
    reconcile(deps, key, log),
  )
    .forPrimary(deps.templates)
    .watches(deps.revisions, (r) => templateOf(r.metadata?.labels, r.metadata?.namespace))
    .watches(deps.pools, (p) => [`${p.metadata.namespace}/${p.spec.templateRef.name}`]);
}

async function reconcile(deps: TemplateControllerDeps, key: Key, log: Logger): Promise<ReconcileResult | undefined> {
  const { namespace, name } = splitKey(key);
  const template = deps.templates.get(namespace, name);
  if (!template || template.metadata.deletionTimestamp) return; // owner references remove the revisions

  const parsed = VMTemplateSpec.safeParse(template.spec);
  if (!parsed.success) {
    // The API server validated it, so this means our schema and the CRD disagree: say so, don't retry.
    await writeStatus(deps, template, {
      type: 'Ready',
      status: 'False',
      reason: 'InvalidSpec',
      message: parsed.error.message,
    });
    return;
  }
  const withSpec = { ...template, spec: parsed.data };
  const revision = await ensureCurrentRevision(deps, withSpec, log);
  await pruneRevisions(deps, withSpec, revision.name, log);

  const problem = await deps.checkReferences(withSpec);
  const ready: ConditionInput = problem
    ? { type: 'Ready', status: 'False', ...problem }
    : {
        type: 'Ready',
        status: 'True',
        reason: 'SourceAvailable',
        message: `revision ${revision.number} is ready to use`,
      };
  const changed = await writeStatus(deps, template, ready, revision);
  if (changed && problem) deps.recorder.record(template, 'Warning', problem.reason, problem.message);
  if (!problem) return;
  const since = Date.parse(findCondition(template.status?.conditions, 'Ready')?.lastTransitionTime ?? '') || Date.now();
  return { requeueAfterMs: Math.min(RECHECK_MAX_MS, Math.max(RECHECK_MIN_MS, (Date.now() - since) / 2)) };
}

interface CurrentRevision {
  name: string;
  number: number;
}

/** The revision of today's spec, created or (when going back to an old spec) renumbered as newest. */
async function ensureCurrentRevision(
  deps: TemplateControllerDeps,
  template: VMTemplate,
  log: Logger,
): Promise<CurrentRevision> {
  const key = `${template.metadata.namespace}/${template.metadata.name}`;
  const revisions = deps.revisions.byIndex(BY_TEMPLATE, key);
  const name = revisionName(template.metadata.name as string, template.spec);
  const newest = Math.max(0, ...revisions.map((r) => r.revision));
  const existing = revisions.find((r) => r.metadata?.name === name);
  if (existing && existing.revision === newest) return { name, number: newest };

  const number = newest + 1;
  await deps.apply(renderRevision(template, number));
  log.info({ revision: number, revisionName: name }, 'new template revision');
  deps.recorder.record(template, 'Normal', 'RevisionCreated', `Revision ${number} (${name}) is now current`);
  return { name, number };
}

async function pruneRevisions(
  deps: TemplateControllerDeps,
  template: VMTemplate,
  current: string,
  log: Logger,
): Promise<void> {
  const namespace = template.metadata.namespace as string;
  const name = template.metadata.name as string;
  const inUse = new Set<number>();
  for (const pool of deps.pools.list(namespace)) {
    if (pool.spec.templateRef.name !== name) continue;
    if (pool.spec.templateRef.revision) inUse.add(pool.spec.templateRef.revision);
    if (pool.status?.templateRevision) inUse.add(pool.status.templateRevision);
  }
  for (const desktop of deps.desktops.byIndex(BY_TEMPLATE, `${namespace}/${name}`)) {
    const { revision } = desktopFacts(desktop);
    if (revision) inUse.add(revision);
  }
  const revisions = deps.revisions.byIndex(BY_TEMPLATE, `${namespace}/${name}`);
  for (const old of revisionsToPrune(revisions, current, inUse, template.spec.revisionHistoryLimit)) {
    await deps.actions.deleteRevision(namespace, old.metadata?.name as string);
    log.info({ revision: old.revision }, 'pruned old template revision');
  }
}

async function writeStatus(
  deps: TemplateControllerDeps,
  template: VMTemplate,
  ready: ConditionInput,
  revision?: CurrentRevision,
): Promise<boolean> {
  const status: VMTemplateStatus = {
    observedGeneration: template.metadata.generation,
    currentRevision: revision?.name ?? template.status?.currentRevision,
    revision: revision?.number ?? template.status?.revision,
    conditions: setConditions(template.status?.conditions, [ready], template.metadata.generation),
  };
  return (await deps.writeStatus(VMTEMPLATES, template, status)) !== undefined;
}
