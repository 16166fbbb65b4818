// The VirtualMachineInstance lifecycle that virt-controller's VMI controller and virt-handler drive on
// a real node (pkg/virt-controller/watch/vmi/lifecycle.go): "" → Pending → Scheduling → Scheduled →
// Running, spread over bootDelay; on deletion the guest shuts down over stopDelay (Succeeded, or
// Failed if it never ran) and the finalizers come off. There is no virt-launcher pod: its UID, the
// node, the IP and MAC addresses are made up, deterministically. The VMI CRD has no status
// subresource, so status is written with a PUT of the whole object, as virt-controller does.
//
// Failure injection (annotation on the owning VM): NeverReady keeps the VMI in Scheduled (the guest
// never reports running, so the VM stays Starting); CrashLoop fails it during Scheduling.
import { type Context, queueKey } from './context.js';
import { errorCode, isConflict, VIRT_CONTROLLER, VIRT_HANDLER, VIRTUAL_MACHINE_INSTANCES } from './kube.js';
import { accessModesFrom, liveMigratable, unsharedVolume } from './migratable.js';
import { place } from './placement.js';
import { runningDesktop } from './screen/endpoints.js';
import {
  canonical,
  cpuTopology,
  fakePodUID,
  getCondition,
  guestMemory,
  guestOSInfo,
  interfaceStatuses,
  isFinal,
  phaseOf,
  phaseSince,
  removeCondition,
  setCondition,
  timestamp,
  volumeStatuses,
  wasRunning,
  withPhase,
} from './status.js';
import {
  controllerOf,
  type DataVolume,
  failureMode,
  key,
  NODE_NAME_LABEL,
  type VirtualMachine,
  type VirtualMachineInstance,
  VM_CONTROLLER_FINALIZER,
  VMI_FINALIZER,
  type VMIStatus,
} from './types.js';

const KIND = 'VirtualMachineInstance';
const LAUNCHER_IMAGE = 'quay.io/kubevirt/virt-launcher:v1.9.0';

// Shares of bootDelay spent in Pending, Scheduling and Scheduled.
const PENDING_SHARE = 0.2;
const SCHEDULING_SHARE = 0.3;
const SCHEDULED_SHARE = 0.5;

export async function reconcileInstance(ctx: Context, k: string): Promise<void> {
  const vmi = ctx.vmis.get(k);
  if (!vmi) {
    await ctx.desktops?.sync(k, undefined);
    return;
  }
  if (ctx.stale.isStale(queueKey.vmi(k), vmi.metadata.resourceVersion)) return;
  const now = Date.now();
  const owner = ownerVM(ctx, vmi);
  const copy = structuredClone(vmi);
  const next: VirtualMachineInstance & { status: VMIStatus } = { ...copy, status: copy.status ?? {} };
  let manager = VIRT_CONTROLLER;
  let wakeInMs: number | undefined;

  if (vmi.metadata.deletionTimestamp) {
    if (!isFinal(vmi)) {
      // virt-handler shuts the guest down; the launcher pod terminates.
      const ready = getCondition(vmi.status?.conditions, 'Ready');
      if (ready?.reason !== 'PodTerminating') {
        next.status.conditions = setCondition(next.status.conditions, terminating(now));
        wakeInMs = ctx.config.stopDelayMs;
      } else {
        const since = Date.parse(ready.lastProbeTime ?? '') || now;
        const due = since + ctx.config.stopDelayMs;
        if (now < due) wakeInMs = due - now;
        else {
          manager = VIRT_HANDLER;
          next.status = withPhase(next.status, wasRunning(vmi) ? 'Succeeded' : 'Failed', now);
          next.status.conditions = removeCondition(next.status.conditions, 'AgentConnected');
        }
      }
    }
  } else if (!isFinal(vmi)) {
    const failure = failureMode(owner, vmi);
    wakeInMs = advance(ctx, vmi, next, failure, now);
    if (phaseOf(next) === 'Running') manager = VIRT_HANDLER;
  }

  if (isFinal(next)) {
    // The launcher pod is gone: the VMI controller's finalizer comes off, and the VM controller's
    // too when no VM is left to record the final state.
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter(
      (f) => f !== VMI_FINALIZER && (owner !== undefined || f !== VM_CONTROLLER_FINALIZER),
    );
    if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
  }

  // The desktop answers on its address (RDP, VNC) before anyone can read that it runs, and its
  // session is gone before anyone can read that it stopped.
  await ctx.desktops?.sync(k, runningDesktop(next));

  if (canonical(next) !== canonical(vmi)) {
    try {
      const written = await ctx.api.replace(VIRTUAL_MACHINE_INSTANCES, next, manager);
      ctx.stale.wrote(queueKey.vmi(k), vmi.metadata.resourceVersion, written.metadata.resourceVersion, () =>
        ctx.queue.add(queueKey.vmi(k)),
      );
    } catch (err) {
      if (isConflict(err) || errorCode(err) === 404) {
        ctx.queue.addAfter(queueKey.vmi(k), 20);
        return;
      }
      throw err;
    }
    if (phaseOf(next) !== phaseOf(vmi)) {
      const extra = phaseOf(next) === 'Running' ? ` on ${next.status?.nodeName}` : '';
      ctx.log(KIND, k, `phase ${phaseOf(vmi) || '(unset)'} -> ${phaseOf(next)}${extra}`);
    }
    if (vmi.metadata.deletionTimestamp && getCondition(vmi.status?.conditions, 'Ready')?.reason !== 'PodTerminating') {
      ctx.log(KIND, k, 'shutting down (deleted)');
    }
  }
  if (wakeInMs !== undefined) ctx.queue.addAfter(queueKey.vmi(k), Math.max(wakeInMs, 1));
}

/** One step of the boot sequence, if its time has come; returns when to look again. */
function advance(
  ctx: Context,
  vmi: VirtualMachineInstance,
  next: VirtualMachineInstance & { status: VMIStatus },
  failure: string | undefined,
  now: number,
): number | undefined {
  const boot = ctx.config.bootDelayMs;
  const phase = phaseOf(vmi);
  const since = (p: string) => phaseSince(vmi, p) ?? now;
  const dataVolumes = dataVolumeState(ctx, vmi);
  if (dataVolumes.condition) {
    next.status.conditions = setCondition(next.status.conditions, {
      ...dataVolumes.condition,
      lastProbeTime: null,
      lastTransitionTime: timestamp(now),
    });
  }
  switch (phase) {
    case '':
      next.status = withPhase(next.status, dataVolumes.failed ? 'Failed' : 'Pending', now);
      next.status.conditions = setCondition(next.status.conditions, {
        type: 'Ready',
        status: 'False',
        reason: 'PodNotExists',
        message: 'virt-launcher pod has not yet been scheduled',
        lastProbeTime: timestamp(now),
        lastTransitionTime: timestamp(now),
      });
      return boot * PENDING_SHARE;
    case 'Pending': {
      if (dataVolumes.failed) {
        next.status = withPhase(next.status, 'Failed', now);
        return undefined;
      }
      // The VMI controller creates the launcher pod only once every DataVolume is populated.
      if (!dataVolumes.ready) return undefined;
      const due = since('Pending') + boot * PENDING_SHARE;
      if (now < due) return due - now;
      next.status = withPhase(next.status, 'Scheduling', now);
      next.status.conditions = setCondition(next.status.conditions, guestNotRunning(now));
      return boot * SCHEDULING_SHARE;
    }
    case 'Scheduling': {
      const due = since('Scheduling') + boot * SCHEDULING_SHARE;
      if (now < due) return due - now;
      if (failure === 'CrashLoop') {
        // The launcher crashes before the guest ever runs.
        next.status = withPhase(next.status, 'Failed', now);
        next.status.conditions = setCondition(next.status.conditions, terminating(now));
        return undefined;
      }
      // The launcher pod waits for a node it fits on (nodes.ts); the VMI shows the scheduler's reason.
      const placement = place(ctx, vmi);
      if ('unschedulable' in placement) {
        if (getCondition(vmi.status?.conditions, 'PodScheduled')?.message !== placement.unschedulable.message) {
          ctx.log(KIND, key(vmi), `unschedulable: ${placement.unschedulable.message}`);
        }
        next.status.conditions = setCondition(next.status.conditions, placement.unschedulable);
        return undefined;
      }
      next.status.conditions = removeCondition(next.status.conditions, 'PodScheduled');
      next.status = withPhase(next.status, 'Scheduled', now);
      Object.assign(next.status, scheduledStatus(vmi, placement.node));
      next.metadata.labels = { ...next.metadata.labels, [NODE_NAME_LABEL]: placement.node };
      next.status.conditions = setCondition(next.status.conditions, guestNotRunning(now));
      return boot * SCHEDULED_SHARE;
    }
    case 'Scheduled': {
      // NeverReady: the domain never comes up, so the VMI stays Scheduled (the VM stays Starting).
      if (failure === 'NeverReady') return undefined;
      const due = since('Scheduled') + boot * SCHEDULED_SHARE;
      if (now < due) return due - now;
      next.status = withPhase(next.status, 'Running', now);
      Object.assign(next.status, runningStatus(ctx, vmi, vmi.status?.nodeName ?? ctx.config.nodeName));
      let conditions = setCondition(next.status.conditions, {
        type: 'Ready',
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: timestamp(now),
      });
      conditions = setCondition(conditions, liveMigratable(ctx, vmi));
      conditions = setCondition(conditions, {
        type: 'AgentConnected',
        status: 'True',
        lastProbeTime: timestamp(now),
        lastTransitionTime: null,
      });
      next.status.conditions = conditions;
      return undefined;
    }
    case 'Running':
      // virt-handler re-evaluates it on every sync: a volume plugged in or a PVC changed moves it.
      next.status.conditions = setCondition(next.status.conditions, liveMigratable(ctx, vmi));
      return undefined;
    default:
      return undefined;
  }
}

function ownerVM(ctx: Context, vmi: VirtualMachineInstance): VirtualMachine | undefined {
  const ref = controllerOf(vmi);
  if (ref?.kind !== 'VirtualMachine') return undefined;
  const vm = ctx.vms.get(`${vmi.metadata.namespace}/${ref.name}`);
  return vm?.metadata.uid === ref.uid ? vm : undefined;
}

function terminating(now: number) {
  return {
    type: 'Ready',
    status: 'False' as const,
    reason: 'PodTerminating',
    message: 'virt-launcher pod is terminating',
    lastProbeTime: timestamp(now),
    lastTransitionTime: timestamp(now),
  };
}

function guestNotRunning(now: number) {
  return {
    type: 'Ready',
    status: 'False' as const,
    reason: 'GuestNotRunning',
    message: 'Guest VM is not reported as running',
    lastProbeTime: timestamp(now),
    lastTransitionTime: timestamp(now),
  };
}

function scheduledStatus(vmi: VirtualMachineInstance, node: string): Partial<VMIStatus> {
  return {
    nodeName: node,
    activePods: { [fakePodUID(vmi.metadata.uid)]: node },
    qosClass: 'Burstable',
    launcherContainerImageVersion: LAUNCHER_IMAGE,
    migrationTransport: 'Unix',
  };
}

function runningStatus(ctx: Context, vmi: VirtualMachineInstance, node: string): Partial<VMIStatus> {
  const memory = guestMemory(vmi.spec);
  return {
    ...scheduledStatus(vmi, node),
    interfaces: interfaceStatuses(vmi),
    guestOSInfo: guestOSInfo(vmi.spec),
    currentCPUTopology: cpuTopology(vmi.spec),
    ...(memory ? { memory } : {}),
    machine: { type: 'pc-q35-rhel9.6.0' },
    migrationMethod:
      unsharedVolume(vmi, accessModesFrom(ctx, vmi.metadata.namespace)) === undefined
        ? 'LiveMigration'
        : 'BlockMigration',
    volumeStatus: volumeStatuses(vmi),
    runtimeUser: 107,
    selinuxContext: 'none',
  };
}

function dataVolumesOf(ctx: Context, vmi: VirtualMachineInstance): Array<{ name: string; dv: DataVolume | undefined }> {
  return (vmi.spec.volumes ?? [])
    .filter((v) => v.dataVolume)
    .map((v) => {
      const name = v.dataVolume?.name ?? '';
      return { name, dv: ctx.dvs.get(`${vmi.metadata.namespace}/${name}`) };
    });
}

/** lifecycle.go areDataVolumesReady + aggregateDataVolumesConditions */
function dataVolumeState(ctx: Context, vmi: VirtualMachineInstance) {
  const volumes = dataVolumesOf(ctx, vmi);
  const existing = volumes.flatMap((v) => (v.dv ? [v.dv] : []));
  const ready = volumes.every((v) => ['Succeeded', 'WaitForFirstConsumer'].includes(v.dv?.status?.phase ?? ''));
  const failed = existing.some((dv) => dv.status?.phase === 'Failed');
  if (existing.length === 0) return { ready, failed, condition: undefined };
  const statuses = existing.map((dv) => dv.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown');
  const status = statuses.includes('False') ? 'False' : statuses.includes('Unknown') ? 'Unknown' : 'True';
  return {
    ready,
    failed,
    condition: {
      type: 'DataVolumesReady',
      status: status as 'True' | 'False' | 'Unknown',
      reason: status === 'True' ? 'AllDVsReady' : 'NotAllDVsReady',
      message: status === 'True' ? "All of the VMI's DVs are bound and ready" : "Not all of the VMI's DVs are ready",
    },
  };
}
