// VirtualMachineInstanceMigration, as virt-controller's migration controller
// (pkg/virt-controller/watch/migration/migration.go) and the source and target virt-handlers drive
// it: "" → Pending → Scheduling → Scheduled → PreparingTarget → TargetReady → Running → Succeeded,
// or Failed, each step a sixth of `migrationDelayMs`, timed from `status.phaseTransitionTimestamps`.
// There is no target pod: its node is chosen as the scheduler would (placement.ts, never the source
// node); the VMI shows the migration in `status.migrationState` and, once it completes, runs on the
// target node (`status.nodeName`, label `kubevirt.io/nodeName`).
//
// What KubeVirt refuses at admission (virt-api's migration-create webhook: a VMI that is not
// LiveMigratable, a VMI with a migration in flight, a final VMI) the simulator, having no webhooks,
// turns into a Failed migration with the webhook's message in `status.migrationState.failureReason`;
// the `migrate` subresource (virt-api/migrate.ts) refuses such requests as KubeVirt does.
//
// Writes go in KubeVirt's order: the VMI first (the handlers report), the migration's phase after,
// once the cache shows the VMI write; so whoever sees `Succeeded` finds the VMI on its new node.
import { type Context, queueKey } from './context.js';
import { errorCode, isConflict, MIGRATIONS, VIRT_CONTROLLER, VIRT_HANDLER, VIRTUAL_MACHINE_INSTANCES } from './kube.js';
import { nodeLoad, pickNode } from './nodes.js';
import { canonical, fakePodUID, getCondition, isFinal, timestamp } from './status.js';
import {
  type KubeObject,
  key,
  type Migration,
  type MigrationState,
  NODE_NAME_LABEL,
  type VirtualMachineInstance,
} from './types.js';

export const MIGRATION_FINALIZER = 'kubevirt.io/migrationJobFinalize';
/** Set by virt-api's mutating webhook on every migration: the VMI's name. */
export const MIGRATION_SELECTOR_LABEL = 'kubevirt.io/vmi-name';
export const MIGRATION_TARGET_NODE_LABEL = 'kubevirt.io/migrationTargetNodeName';
export const EVACUATION_ANNOTATION = 'kubevirt.io/evacuationMigration';

export const MIGRATION_PHASES = [
  'Pending',
  'Scheduling',
  'Scheduled',
  'PreparingTarget',
  'TargetReady',
  'Running',
  'Succeeded',
] as const;
const FINAL = new Set(['Succeeded', 'Failed']);

export function isFinalMigration(m: Migration): boolean {
  return FINAL.has(m.status?.phase ?? '');
}

/** The migrations of this VMI that are neither Succeeded nor Failed, oldest first (admitter's ensureNoMigrationConflict). */
export function activeMigrations(migrations: Migration[], namespace: string, vmiName: string): Migration[] {
  return migrations
    .filter(
      (m) =>
        m.metadata.namespace === namespace &&
        m.spec.vmiName === vmiName &&
        !isFinalMigration(m) &&
        !m.metadata.deletionTimestamp,
    )
    .sort(
      (a, b) =>
        (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
        a.metadata.name.localeCompare(b.metadata.name),
    );
}

/** virt-api's migration-create admitter: why KubeVirt would refuse this migration, if it would. */
export function admissionRefusal(
  vmi: VirtualMachineInstance | undefined,
  namespace: string,
  vmiName: string,
  inFlight: Migration[],
): string | undefined {
  if (!vmi) return `the VMI "${namespace}/${vmiName}" does not exist`;
  if (isFinal(vmi)) return 'Cannot migrate VMI in finalized state.';
  const c = getCondition(vmi.status?.conditions, 'LiveMigratable');
  if (c?.status === 'False') return `Cannot migrate VMI, Reason: ${c.reason}, Message: ${c.message}`;
  const other = inFlight[0];
  if (other) {
    return `in-flight migration detected. Active migration job (${other.metadata.uid}) is currently already in progress for VMI ${vmiName}.`;
  }
  return undefined;
}

function since(m: Migration, phase: string): number | undefined {
  const t = (m.status?.phaseTransitionTimestamps ?? []).filter((p) => p.phase === phase).pop();
  return t ? Date.parse(t.phaseTransitionTimestamp) : undefined;
}

function targetPodName(m: Migration): string {
  return `virt-launcher-${m.spec.vmiName}-${m.metadata.uid.slice(0, 5)}`;
}

/** The VMI as the handlers leave it once the migration has reached `phase`. Pure. */
export function vmiForPhase(
  vmi: VirtualMachineInstance,
  m: Migration,
  phase: string,
  target: string,
  now: number,
): VirtualMachineInstance {
  const next = structuredClone(vmi);
  next.status ??= {};
  const status = next.status;
  const current = (status.migrationState as MigrationState | undefined) ?? {};
  const ours = current.migrationUid === m.metadata.uid;
  const state: MigrationState = ours ? { ...current } : {};
  const source = ours ? (current.sourceNode ?? vmi.status?.nodeName) : vmi.status?.nodeName;
  const labels = { ...next.metadata.labels };
  const stamp = timestamp(now);
  const targetPodUID = fakePodUID(m.metadata.uid);
  const index = MIGRATION_PHASES.indexOf(phase as (typeof MIGRATION_PHASES)[number]);
  if (phase === 'Failed') {
    if (!ours || current.completed) return vmi;
    state.failed = true;
    state.endTimestamp ??= stamp;
    state.failureReason ??= 'Target pod is down';
    delete labels[MIGRATION_TARGET_NODE_LABEL];
    status.activePods = { [fakePodUID(vmi.metadata.uid)]: source ?? '' };
  } else if (index >= MIGRATION_PHASES.indexOf('Scheduled')) {
    // Handed over to the target (handleTargetPodHandoff): the target pod runs beside the source.
    Object.assign(state, {
      migrationUid: m.metadata.uid,
      sourceNode: source,
      sourcePod: `virt-launcher-${vmi.metadata.name}-source`,
      targetNode: target,
      targetPod: targetPodName(m),
    });
    labels[MIGRATION_TARGET_NODE_LABEL] = target;
    status.activePods = { ...(status.activePods as object | undefined), [targetPodUID]: target };
    if (index >= MIGRATION_PHASES.indexOf('TargetReady')) {
      state.targetNodeAddress ??= '127.0.0.1';
      state.targetDirectMigrationNodePorts ??= { '40001': 0, '40002': 49152 };
    }
    if (index >= MIGRATION_PHASES.indexOf('Running')) {
      state.startTimestamp ??= stamp;
      state.mode ??= 'PreCopy';
    }
    if (phase === 'Succeeded') {
      state.targetNodeDomainDetected = true;
      state.targetNodeDomainReadyTimestamp ??= stamp;
      state.endTimestamp ??= stamp;
      state.completed = true;
      status.nodeName = target;
      labels[NODE_NAME_LABEL] = target;
      delete labels[MIGRATION_TARGET_NODE_LABEL];
      status.activePods = { [targetPodUID]: target };
    }
  } else {
    return vmi;
  }
  status.migrationState = state;
  next.metadata.labels = labels;
  return next;
}

type Step = { phase: string; failure?: string } | { wakeInMs: number } | undefined;

/** What comes next for this migration, if its time has come. */
function nextStep(ctx: Context, m: Migration, vmi: VirtualMachineInstance | undefined, now: number): Step {
  const phase = m.status?.phase ?? '';
  const step = ctx.config.migrationDelayMs / 6;
  const due = (p: string, share = 1) => (since(m, p) ?? now) + step * share - now;
  if (phase === '') {
    // Of migrations created together, the oldest goes ahead (the webhook would have refused the rest).
    const active = activeMigrations(ctx.migrations.list(), m.metadata.namespace, m.spec.vmiName);
    const others = active.slice(
      0,
      Math.max(
        active.findIndex((o) => o.metadata.uid === m.metadata.uid),
        0,
      ),
    );
    const refusal = admissionRefusal(vmi, m.metadata.namespace, m.spec.vmiName, others);
    if (refusal) return { phase: 'Failed', failure: refusal };
    // A migration of a VMI that has not started yet waits, as the controller does for its pod.
    if (vmi?.status?.phase !== 'Running') return undefined;
    return { phase: 'Pending' };
  }
  if (!vmi || isFinal(vmi) || vmi.metadata.deletionTimestamp) {
    return { phase: 'Failed', failure: 'Migration failed vmi shutdown during migration.' };
  }
  const target = m.status?.migrationState?.targetNode;
  if (target && !ctx.nodes.get(`/${target}`) && ctx.nodes.list().length > 0) {
    return { phase: 'Failed', failure: 'Migration failed because target pod shutdown during migration' };
  }
  const order = MIGRATION_PHASES.indexOf(phase as (typeof MIGRATION_PHASES)[number]);
  if (order < 0) return undefined;
  if (phase === 'Scheduling' && !target) {
    const waited = now - (since(m, 'Scheduling') ?? now);
    if (waited >= ctx.config.migrationUnschedulableTimeoutMs) {
      return { phase: 'Failed', failure: `Migration target pod for VMI [${key(vmi)}] is currently unschedulable.` };
    }
    // Stays Scheduling; the reconcile places the target pod if a node fits now.
    ctx.queue.addAfter(queueKey.vmim(key(m)), ctx.config.migrationUnschedulableTimeoutMs - waited);
    return { phase: 'Scheduling' };
  }
  const wait = due(phase);
  if (wait > 0) return { wakeInMs: wait };
  return { phase: MIGRATION_PHASES[order + 1] as string };
}

/** A node for the target pod: any fitting node of the group but the source, the least loaded first. */
function chooseTarget(ctx: Context, m: Migration, vmi: VirtualMachineInstance): string | undefined {
  const load = nodeLoad(ctx.vmis.list());
  for (const other of ctx.migrations.list()) {
    const t = other.status?.migrationState?.targetNode;
    if (t && !isFinalMigration(other)) load.set(t, (load.get(t) ?? 0) + 1);
  }
  return pickNode(ctx.nodes.list(), vmi, load, vmi.status?.nodeName, m.spec.addedNodeSelector)?.metadata.name;
}

export async function reconcileMigration(ctx: Context, k: string): Promise<void> {
  const m = ctx.migrations.get(k);
  if (!m) return;
  if (ctx.stale.isStale(queueKey.vmim(k), m.metadata.resourceVersion)) return;
  const vmiKey = `${m.metadata.namespace}/${m.spec.vmiName}`;
  const vmi = ctx.vmis.get(vmiKey);
  if (vmi && ctx.stale.isStale(`vmim-vmi|${vmiKey}`, vmi.metadata.resourceVersion)) return;
  const now = Date.now();

  // virt-api's mutating webhook: the selector label and the finalizer. Gone again once final.
  const finalizers = m.metadata.finalizers ?? [];
  const wantFinalizer = ctx.config.finalizers && !isFinalMigration(m) && !m.metadata.deletionTimestamp;
  const labelled = m.metadata.labels?.[MIGRATION_SELECTOR_LABEL] === m.spec.vmiName;
  if (!labelled || wantFinalizer !== finalizers.includes(MIGRATION_FINALIZER)) {
    const next = structuredClone(m);
    next.metadata.labels = { ...next.metadata.labels, [MIGRATION_SELECTOR_LABEL]: m.spec.vmiName };
    const rest = finalizers.filter((f) => f !== MIGRATION_FINALIZER);
    next.metadata.finalizers = wantFinalizer ? [...rest, MIGRATION_FINALIZER] : rest;
    // Aborting an in-flight migration by deleting it leaves the VMI where it runs.
    if (m.metadata.deletionTimestamp && vmi && !isFinalMigration(m)) {
      if (await writeVMI(ctx, vmiKey, vmi, vmiForPhase(vmi, m, 'Failed', '', now))) return;
    }
    await write(ctx, k, m, () => ctx.api.replace(MIGRATIONS, next, VIRT_CONTROLLER));
    return;
  }
  if (isFinalMigration(m) || m.metadata.deletionTimestamp) return;

  const step = nextStep(ctx, m, vmi, now);
  if (!step) return;
  if ('wakeInMs' in step) {
    ctx.queue.addAfter(queueKey.vmim(k), Math.max(step.wakeInMs, 1));
    return;
  }
  const status = structuredClone(m.status ?? {});
  let state: MigrationState = { ...status.migrationState };
  const placeTarget = step.phase === 'Scheduling' || (m.status?.phase === 'Scheduling' && !state.targetNode);
  if (placeTarget && vmi && !step.failure) {
    // The target pod is created at Scheduling, and placed as soon as a node fits (nodes.ts).
    const target = chooseTarget(ctx, m, vmi);
    if (target)
      state = { ...state, targetNode: target, sourceNode: vmi.status?.nodeName, migrationUid: m.metadata.uid };
    else if (m.status?.phase === 'Scheduling') return; // node events and the timeout bring it back
  }
  if (vmi && step.phase !== 'Pending' && step.phase !== 'Scheduling') {
    const desired = vmiForPhase(vmi, m, step.phase, state.targetNode ?? '', now);
    if (step.failure && desired !== vmi) {
      (desired.status as { migrationState: MigrationState }).migrationState.failureReason = step.failure;
    }
    // The handlers report first; the phase follows once the cache shows it.
    if (await writeVMI(ctx, vmiKey, vmi, desired)) return;
    state = { ...state, ...((vmi.status?.migrationState as MigrationState | undefined) ?? {}) };
  }
  if (step.failure) state = { ...state, failed: true, failureReason: step.failure };
  const changed = status.phase !== step.phase;
  if (changed) {
    status.phase = step.phase;
    status.phaseTransitionTimestamps = [
      ...(status.phaseTransitionTimestamps ?? []),
      { phase: step.phase, phaseTransitionTimestamp: timestamp(now) },
    ];
  }
  if (Object.keys(state).length > 0) status.migrationState = state;
  const next = { ...m, status };
  if (canonical(next) === canonical(m)) return;
  if (!(await write(ctx, k, m, () => ctx.api.replaceStatus(MIGRATIONS, next, VIRT_CONTROLLER)))) return;
  if (changed) {
    const detail = step.failure
      ? `: ${step.failure}`
      : step.phase === 'Succeeded'
        ? ` (${state.sourceNode} -> ${state.targetNode})`
        : '';
    ctx.log('VirtualMachineInstanceMigration', k, `phase ${m.status?.phase || '(unset)'} -> ${step.phase}${detail}`);
  }
  if (!FINAL.has(step.phase)) ctx.queue.addAfter(queueKey.vmim(k), ctx.config.migrationDelayMs / 6);
}

/** Writes the VMI if it differs; true when it wrote (or must retry), so the caller waits for the cache. */
async function writeVMI(
  ctx: Context,
  vmiKey: string,
  vmi: VirtualMachineInstance,
  desired: VirtualMachineInstance,
): Promise<boolean> {
  if (canonical(desired) === canonical(vmi)) return false;
  try {
    const written = await ctx.api.replace(VIRTUAL_MACHINE_INSTANCES, desired, VIRT_HANDLER);
    ctx.stale.wrote(`vmim-vmi|${vmiKey}`, vmi.metadata.resourceVersion, written.metadata.resourceVersion, () =>
      enqueueFor(ctx, vmiKey),
    );
  } catch (err) {
    if (!isConflict(err) && errorCode(err) !== 404) throw err;
  }
  enqueueFor(ctx, vmiKey, 20);
  return true;
}

/** Requeues the migrations of a VMI (its cache changed). */
export function enqueueFor(ctx: Context, vmiKey: string, afterMs = 0): void {
  for (const m of ctx.migrations.list()) {
    if (`${m.metadata.namespace}/${m.spec.vmiName}` !== vmiKey) continue;
    if (afterMs) ctx.queue.addAfter(queueKey.vmim(key(m)), afterMs);
    else ctx.queue.add(queueKey.vmim(key(m)));
  }
}

async function write(ctx: Context, k: string, m: Migration, call: () => Promise<KubeObject>): Promise<boolean> {
  try {
    const written = await call();
    ctx.stale.wrote(queueKey.vmim(k), m.metadata.resourceVersion, written.metadata.resourceVersion, () =>
      ctx.queue.add(queueKey.vmim(k)),
    );
    return true;
  } catch (err) {
    if (isConflict(err) || errorCode(err) === 404) {
      ctx.queue.addAfter(queueKey.vmim(k), 20);
      return false;
    }
    throw err;
  }
}
