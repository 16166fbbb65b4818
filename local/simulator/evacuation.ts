// Taking VMIs off a node, per node, the way KubeVirt does it for the two ways a node is emptied:
//
// - KubeVirt's own drain taint `kubevirt.io/drain:NoSchedule` (the default `nodeDrainTaintKey`):
//   virt-controller's evacuation controller (pkg/virt-controller/watch/drain/evacuation) creates a
//   migration `kubevirt-evacuation-*` for every VMI there that is migratable on eviction
//   (evictionStrategy LiveMigrate, or LiveMigrateIfPossible with LiveMigratable=True). Nothing else
//   happens to the others.
// - `kubectl drain`, which evicts the virt-launcher pods; the simulator has no pods, so a node
//   tainted `simulator.kubevdi.io/drain` (any effect) stands for "being drained". Each VMI there
//   gets what virt-api's pod-eviction webhook (pod-eviction-admitter.go) decides for its launcher:
//   LiveMigrate and migratable, LiveMigrateIfPossible and migratable, or External: the eviction is
//   refused and the VMI marked (`status.evacuationNodeName`), and the evacuation controller migrates
//   the marked VMIs (External ones are left to whoever handles External); LiveMigrate but not
//   migratable: refused, nothing happens (a real drain hangs there); LiveMigrateIfPossible not
//   migratable, None or no strategy: the pod is evicted, so the guest is shut down (Ready=False
//   PodTerminating, then phase Succeeded after stopDelay) and a VM with runStrategy Always starts
//   it again elsewhere. The simulator's cluster-wide default evictionStrategy is none.
//
// Cordoning (`spec.unschedulable`) alone moves nothing: it only keeps new VMIs away (placement.ts).
import { type Context, queueKey } from './context.js';
import { errorCode, isConflict, MIGRATIONS, VIRT_HANDLER, VIRTUAL_MACHINE_INSTANCES } from './kube.js';
import { isMigratable } from './migratable.js';
import { activeMigrations, EVACUATION_ANNOTATION } from './migrations.js';
import { hasTaint, KUBEVIRT_DRAIN_TAINT, type Node, nodeTaints, readyTaints, SIMULATED_DRAIN_TAINT } from './nodes.js';
import { canonical, getCondition, isFinal, removeCondition, setCondition, timestamp, withPhase } from './status.js';
import { key, type Migration, type VirtualMachineInstance } from './types.js';

export type EvictionOutcome = 'migrate' | 'mark' | 'refuse' | 'evict';

export function evictionStrategy(vmi: VirtualMachineInstance): string | undefined {
  return vmi.spec.evictionStrategy as string | undefined;
}

/** virt-api's pod-eviction admitter, for one VMI's launcher pod. Pure. */
export function evictionOutcome(vmi: VirtualMachineInstance): EvictionOutcome {
  const migratable = isMigratable(vmi);
  switch (evictionStrategy(vmi)) {
    case 'LiveMigrate':
      return migratable ? 'migrate' : 'refuse';
    case 'LiveMigrateIfPossible':
      return migratable ? 'migrate' : 'evict';
    case 'External':
      return 'mark';
    default:
      return 'evict';
  }
}

/** migrations.VMIMigratableOnEviction, with the LiveMigratable check the evacuation controller adds. */
function migratesOnEviction(vmi: VirtualMachineInstance): boolean {
  const s = evictionStrategy(vmi);
  return (s === 'LiveMigrate' || s === 'LiveMigrateIfPossible') && isMigratable(vmi);
}

/** Evacuation migrations created but not yet in the cache: VMI key → until (the controller's expectations). */
const expected = new Map<string, number>();
/** Refused evictions already logged, so a hanging drain logs once per VMI. */
const refusedLogged = new Set<string>();

export async function reconcileNode(ctx: Context, name: string): Promise<void> {
  const node = ctx.nodes.get(`/${name}`);
  if (!node) return;
  const taints = readyTaints(node);
  if (taints) {
    // The node lifecycle controller's part: a Ready node loses its not-ready taint.
    await ctx.api.setNodeTaints(name, node.metadata.resourceVersion, taints).catch((err: unknown) => {
      if (!isConflict(err) && errorCode(err) !== 404) throw err;
    });
    return;
  }
  const now = Date.now();
  const kubevirtDrain = nodeTaints(node).some((t) => t.key === KUBEVIRT_DRAIN_TAINT && t.effect === 'NoSchedule');
  const drained = hasTaint(node, SIMULATED_DRAIN_TAINT);
  if (!kubevirtDrain && !drained) return;
  const onNode = ctx.vmis
    .list()
    .filter((v) => v.status?.nodeName === name && !isFinal(v) && !v.metadata.deletionTimestamp);
  const migrations = ctx.migrations.list();
  let wakeInMs: number | undefined;

  for (const vmi of onNode) {
    const k = key(vmi);
    if (vmi.status?.phase !== 'Running') continue;
    let marked = vmi.status?.evacuationNodeName === name;
    if (drained && !marked) {
      const outcome = evictionOutcome(vmi);
      if (outcome === 'refuse') {
        if (!refusedLogged.has(`${name}/${vmi.metadata.uid}`)) {
          refusedLogged.add(`${name}/${vmi.metadata.uid}`);
          ctx.log(
            'Node',
            name,
            `eviction of ${k} refused: VMI ${vmi.metadata.name} is configured with an eviction strategy but is not live-migratable`,
          );
        }
        continue;
      }
      if (outcome === 'evict') {
        wakeInMs = min(wakeInMs, await shutDown(ctx, vmi, now));
        continue;
      }
      // Refused with "Eviction triggered evacuation of VMI": the VMI is marked for evacuation.
      const next = structuredClone(vmi);
      next.status = { ...next.status, evacuationNodeName: name };
      if (!(await writeVMI(ctx, vmi, next))) continue;
      ctx.log('Node', name, `eviction of ${k}: marked for evacuation (${evictionStrategy(vmi)})`);
      marked = true;
    }
    const wanted = kubevirtDrain || marked;
    if (!wanted || !migratesOnEviction(vmi)) continue;
    if (activeMigrations(migrations, vmi.metadata.namespace, vmi.metadata.name).length > 0) continue;
    if ((expected.get(k) ?? 0) > now) continue;
    await createEvacuation(ctx, vmi, node);
    expected.set(k, now + 10_000);
  }
  if (wakeInMs !== undefined) ctx.queue.addAfter(queueKey.node(name), Math.max(wakeInMs, 1));
}

/** evacuation.go GenerateNewMigration */
async function createEvacuation(ctx: Context, vmi: VirtualMachineInstance, node: Node): Promise<void> {
  const migration = {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachineInstanceMigration',
    metadata: {
      generateName: 'kubevirt-evacuation-',
      namespace: vmi.metadata.namespace,
      annotations: { [EVACUATION_ANNOTATION]: node.metadata.name },
    },
    spec: { vmiName: vmi.metadata.name, priority: 'system-critical' },
  } as unknown as Migration;
  const created = await ctx.api.create(MIGRATIONS, migration, 'virt-controller');
  ctx.log('Node', node.metadata.name, `created migration ${created.metadata.name} for ${key(vmi)}`);
}

/** The launcher pod was evicted: the guest shuts down over stopDelay, then the VMI is Succeeded. */
async function shutDown(ctx: Context, vmi: VirtualMachineInstance, now: number): Promise<number | undefined> {
  const ready = getCondition(vmi.status?.conditions, 'Ready');
  const next = structuredClone(vmi);
  next.status ??= {};
  const status = next.status;
  if (ready?.reason !== 'PodTerminating') {
    status.conditions = setCondition(status.conditions, {
      type: 'Ready',
      status: 'False',
      reason: 'PodTerminating',
      message: 'virt-launcher pod is terminating',
      lastProbeTime: timestamp(now),
      lastTransitionTime: timestamp(now),
    });
    if (await writeVMI(ctx, vmi, next))
      ctx.log('Node', vmi.status?.nodeName ?? '', `evicted ${key(vmi)}: shutting down`);
    return ctx.config.stopDelayMs;
  }
  const due = (Date.parse(ready.lastProbeTime ?? '') || now) + ctx.config.stopDelayMs;
  if (now < due) return due - now;
  next.status = withPhase(status, 'Succeeded', now);
  next.status.conditions = removeCondition(next.status.conditions, 'AgentConnected');
  await writeVMI(ctx, vmi, next);
  return undefined;
}

async function writeVMI(ctx: Context, vmi: VirtualMachineInstance, next: VirtualMachineInstance): Promise<boolean> {
  if (canonical(next) === canonical(vmi)) return false;
  try {
    await ctx.api.replace(VIRTUAL_MACHINE_INSTANCES, next, VIRT_HANDLER);
    return true;
  } catch (err) {
    if (isConflict(err) || errorCode(err) === 404) {
      ctx.queue.addAfter(queueKey.node(vmi.status?.nodeName ?? ''), 20);
      return false;
    }
    throw err;
  }
}

function min(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
