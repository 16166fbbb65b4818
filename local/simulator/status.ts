// Pure functions: conditions, VMI phase predicates, the VM's printableStatus and start-failure
// backoff as virt-controller v1.9 computes them (pkg/virt-controller/watch/vm/vm.go), and the
// status virt-handler reports for a running guest. No I/O here.

import { createHash } from 'node:crypto';
import { hotplugStatus } from './hotplug-volume.js';
import { desktopAddress } from './screen/address.js';
import type {
  Condition,
  ConditionStatus,
  PhaseTransition,
  StartFailure,
  VirtualMachine,
  VirtualMachineInstance,
  VMISpec,
  VMStatus,
} from './types.js';

/** RFC 3339 with milliseconds: valid for metav1.Time, and precise enough for sub-second delays. */
export function timestamp(ms = Date.now()): string {
  return new Date(ms).toISOString();
}

export function getCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function hasCondition(
  conditions: Condition[] | undefined,
  type: string,
  status: ConditionStatus,
  reason?: string,
): boolean {
  const c = getCondition(conditions, type);
  return c !== undefined && c.status === status && (reason === undefined || c.reason === reason);
}

export function removeCondition(conditions: Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/**
 * Sets a condition the way the controllers' condition managers do: nothing changes when status,
 * reason and message are the same (so timestamps stay put and no write happens); lastTransitionTime
 * only moves when the status does.
 */
export function setCondition(conditions: Condition[] | undefined, next: Condition): Condition[] {
  const list = conditions ?? [];
  const i = list.findIndex((c) => c.type === next.type);
  if (i < 0) return [...list, clean(next)];
  const cur = list[i] as Condition;
  if (
    cur.status === next.status &&
    (cur.reason ?? '') === (next.reason ?? '') &&
    (cur.message ?? '') === (next.message ?? '')
  )
    return list;
  const merged = clean({
    ...next,
    lastTransitionTime: cur.status === next.status ? cur.lastTransitionTime : next.lastTransitionTime,
  });
  return list.map((c, j) => (j === i ? merged : c));
}

/** Replaces a condition with an exact copy (the VM copies the VMI's conditions verbatim). */
export function copyCondition(conditions: Condition[] | undefined, next: Condition): Condition[] {
  const list = conditions ?? [];
  const i = list.findIndex((c) => c.type === next.type);
  if (i < 0) return [...list, clean(next)];
  return canonical(list[i]) === canonical(clean(next)) ? list : list.map((c, j) => (j === i ? clean(next) : c));
}

function clean(c: Condition): Condition {
  const out: Condition = { type: c.type, status: c.status };
  if (c.reason) out.reason = c.reason;
  if (c.message) out.message = c.message;
  if (c.lastProbeTime !== undefined) out.lastProbeTime = c.lastProbeTime;
  if (c.lastTransitionTime !== undefined) out.lastTransitionTime = c.lastTransitionTime;
  if (c.lastHeartbeatTime !== undefined) out.lastHeartbeatTime = c.lastHeartbeatTime;
  return out;
}

// --- VMI phases (types.go: IsFinal, IsUnprocessed, IsScheduling, IsScheduled, IsRunning) ---

export function phaseOf(vmi: VirtualMachineInstance | undefined): string {
  return vmi?.status?.phase ?? '';
}
export function isFinal(vmi: VirtualMachineInstance): boolean {
  const p = phaseOf(vmi);
  return p === 'Succeeded' || p === 'Failed';
}
export function isUnprocessed(vmi: VirtualMachineInstance): boolean {
  const p = phaseOf(vmi);
  return p === '' || p === 'Pending';
}
export function wasRunning(vmi: VirtualMachineInstance | undefined): boolean {
  return (vmi?.status?.phaseTransitionTimestamps ?? []).some((t) => t.phase === 'Running');
}

/** migrations.IsMigrating: a live migration has started and not ended. */
export function isMigrating(vmi: VirtualMachineInstance | undefined): boolean {
  const state = vmi?.status?.migrationState as { startTimestamp?: string; endTimestamp?: string } | undefined;
  return !!state?.startTimestamp && !state.endTimestamp && Date.parse(state.startTimestamp) <= Date.now();
}

/** When the VMI last entered `phase` (ms), from its phaseTransitionTimestamps. */
export function phaseSince(vmi: VirtualMachineInstance, phase: string): number | undefined {
  const entries = (vmi.status?.phaseTransitionTimestamps ?? []).filter((t) => t.phase === phase);
  const last = entries[entries.length - 1];
  return last ? Date.parse(last.phaseTransitionTimestamp) : undefined;
}

export function withPhase(
  status: VirtualMachineInstance['status'],
  phase: string,
  now: number,
): NonNullable<VirtualMachineInstance['status']> {
  const transitions: PhaseTransition[] = [
    ...(status?.phaseTransitionTimestamps ?? []),
    { phase, phaseTransitionTimestamp: timestamp(now) },
  ];
  return { ...status, phase, phaseTransitionTimestamps: transitions };
}

// --- runStrategy (types.go VirtualMachine.RunStrategy) ---

/** undefined when both `running` and `runStrategy` are set (an error upstream); Halted when neither is. */
export function runStrategyOf(vm: VirtualMachine): string | undefined {
  if (vm.spec.runStrategy !== undefined && vm.spec.running !== undefined) return undefined;
  if (vm.spec.running !== undefined) return vm.spec.running ? 'Always' : 'Halted';
  return vm.spec.runStrategy ?? 'Halted';
}

const RESTARTING_STRATEGIES = ['Always', 'RerunOnFailure', 'Once'];

// --- start failures and crash-loop backoff (vm.go syncStartFailureStatus, calculateStartBackoffTime) ---

/**
 * Upstream waits max(300 s / 30, 10 s) × failures² plus up to half of that again, at most 300 s.
 * The simulator scales "10 s" down to `baseMs`, so CrashLoopBackOff is visible in a test's time.
 */
export function startBackoffMs(failCount: number, baseMs: number): number {
  const n = Math.max(failCount, 1);
  const delay = baseMs * n * n;
  return Math.min(delay + Math.floor(Math.random() * (delay / 2 + 1)), baseMs * 30);
}

export function nextStartFailure(
  current: StartFailure | null | undefined,
  vmi: VirtualMachineInstance | undefined,
  runStrategy: string | undefined,
  now: number,
  baseMs: number,
): StartFailure | null | undefined {
  if (wasRunning(vmi) || !RESTARTING_STRATEGIES.includes(runStrategy ?? '')) return null;
  if (vmi && isFinal(vmi)) {
    if (current?.lastFailedVMIUID === vmi.metadata.uid) return current;
    const count = (current?.consecutiveFailCount ?? 0) + 1;
    return {
      consecutiveFailCount: count,
      lastFailedVMIUID: vmi.metadata.uid,
      retryAfterTimestamp: timestamp(now + startBackoffMs(count, baseMs)),
    };
  }
  return current;
}

// --- printableStatus (vm.go setPrintableStatus: the first match in this order wins) ---

export interface PrintableFacts {
  runStrategy: string | undefined;
  /** A VMI creation is in flight (virt-controller's expectations). */
  startExpected: boolean;
  /** A VMI deletion is in flight. */
  stopExpected: boolean;
  /** A DataVolume of the template's volumes failed (storagetypes.HasDataVolumeErrors). */
  dataVolumeError: boolean;
  /** A DataVolume of the template's volumes is still being populated (HasDataVolumeProvisioning). */
  dataVolumeProvisioning: boolean;
}

export function printableStatus(
  vm: VirtualMachine,
  vmi: VirtualMachineInstance | undefined,
  status: VMStatus,
  f: PrintableFacts,
): string {
  const vmiConds = vmi?.status?.conditions;
  const running = vmi !== undefined && phaseOf(vmi) === 'Running';
  const paused = hasCondition(vmiConds, 'Paused', 'True');
  if (vm.metadata.deletionTimestamp) return 'Terminating';
  if (vmi && !isFinal(vmi) && (vmi.metadata.deletionTimestamp || f.stopExpected)) return 'Stopping';
  if (isMigrating(vmi)) return 'Migrating';
  if (running && paused) return 'Paused';
  if (running) return 'Running';
  if (hasCondition(vmiConds, 'Synchronized', 'False', 'FailedPvcNotFound')) return 'ErrorPvcNotFound';
  if (f.dataVolumeError) return 'DataVolumeError';
  if (hasCondition(vmiConds, 'PodScheduled', 'False', 'Unschedulable')) return 'ErrorUnschedulable';
  if (f.dataVolumeProvisioning) return 'Provisioning';
  if (hasCondition(vmiConds, 'Synchronized', 'False', 'ErrImagePull')) return 'ErrImagePull';
  if (hasCondition(vmiConds, 'Synchronized', 'False', 'ImagePullBackOff')) return 'ImagePullBackOff';
  if (vmi ? isUnprocessed(vmi) || phaseOf(vmi) === 'Scheduling' || phaseOf(vmi) === 'Scheduled' : f.startExpected)
    return 'Starting';
  if (
    (!vmi || isFinal(vmi)) &&
    !f.startExpected &&
    (status.startFailure?.consecutiveFailCount ?? 0) > 0 &&
    RESTARTING_STRATEGIES.includes(f.runStrategy ?? '')
  )
    return 'CrashLoopBackOff';
  if (vmi ? isFinal(vmi) : !f.startExpected) return 'Stopped';
  return 'Unknown';
}

// --- VM conditions (vm.go syncConditions, syncReadyConditionFromVMI, processFailureCondition) ---

export interface SyncError {
  reason: string;
  message: string;
}

const NOT_SYNCED_FROM_VMI = new Set(['Ready', 'Failure', 'RestartRequired']);

export function syncVMConditions(
  current: Condition[] | undefined,
  vmi: VirtualMachineInstance | undefined,
  syncError: SyncError | undefined,
  now: number,
): Condition[] {
  let conds = current ?? [];
  const vmiReady = getCondition(vmi?.status?.conditions, 'Ready');
  if (!vmi) {
    conds = setCondition(conds, {
      type: 'Ready',
      status: 'False',
      reason: 'VMINotExists',
      message: 'VMI does not exist',
      lastProbeTime: timestamp(now),
      lastTransitionTime: timestamp(now),
    });
  } else if (!vmiReady) {
    conds = setCondition(conds, {
      type: 'Ready',
      status: 'False',
      reason: 'VMIConditionMissing',
      message: 'VMI is missing the Ready condition',
      lastProbeTime: timestamp(now),
      lastTransitionTime: timestamp(now),
    });
  } else {
    conds = copyCondition(conds, { ...vmiReady, lastProbeTime: vmiReady.lastProbeTime ?? null });
  }
  conds = syncError
    ? setCondition(conds, {
        type: 'Failure',
        status: 'True',
        reason: syncError.reason,
        message: syncError.message,
        lastProbeTime: null,
        lastTransitionTime: timestamp(now),
      })
    : removeCondition(conds, 'Failure');
  if (!vmi) return conds;
  const fromVMI = new Set<string>();
  for (const c of vmi.status?.conditions ?? []) {
    if (NOT_SYNCED_FROM_VMI.has(c.type)) continue;
    fromVMI.add(c.type);
    conds = copyCondition(conds, c);
  }
  return conds.filter((c) => NOT_SYNCED_FROM_VMI.has(c.type) || fromVMI.has(c.type));
}

// --- stable JSON, for "did anything change" and deep equality ---

export function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

// --- identifiers virt-controller and virt-handler derive ---

/** RFC 4122 name-based UUID (v5, SHA-1), as github.com/google/uuid NewSHA1. */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name).digest();
  const b = hash.subarray(0, 16);
  b[6] = ((b[6] as number) & 0x0f) | 0x50;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** vm.go CalculateLegacyUUID: the firmware UUID virt-controller persists for a VM without one. */
export function legacyFirmwareUUID(vmName: string): string {
  return uuidV5('6a1a24a1-4061-4607-8bf4-a3963d0c5895', vmName);
}

function bytesFrom(seed: string, n: number): number[] {
  return [...createHash('sha256').update(seed).digest().subarray(0, n)];
}

export function fakePodUID(vmiUID: string): string {
  return uuidV5('0f6a4c0e-9b0e-4d5c-8a44-6b7e0f1c2d3e', `virt-launcher/${vmiUID}`);
}

function fakeMac(vmiUID: string, index: number): string {
  const [a, b, c] = bytesFrom(`${vmiUID}/mac/${index}`, 3) as [number, number, number];
  return ['52', '54', '00', a, b, c]
    .map((x) => (typeof x === 'number' ? x.toString(16).padStart(2, '0') : x))
    .join(':');
}

// --- what virt-handler reports once the guest runs ---

export function looksLikeWindows(spec: VMISpec): boolean {
  const hyperv = spec.domain.features?.hyperv;
  return (
    (hyperv !== undefined && hyperv !== null) ||
    spec.domain.clock?.timezone !== undefined ||
    (spec.volumes ?? []).some((v) => v.sysprep !== undefined)
  );
}

export function guestOSInfo(spec: VMISpec): Record<string, string> {
  return looksLikeWindows(spec)
    ? {
        id: 'mswindows',
        kernelRelease: '22631',
        kernelVersion: '10.0',
        machine: 'x86_64',
        name: 'Microsoft Windows',
        prettyName: 'Windows 11 Enterprise',
        version: '11',
        versionId: '11',
      }
    : {
        id: 'fedora',
        kernelRelease: '6.11.4-301.fc41.x86_64',
        kernelVersion: '#1 SMP PREEMPT_DYNAMIC Sun Oct 20 15:02:33 UTC 2024',
        machine: 'x86_64',
        name: 'Fedora Linux',
        prettyName: 'Fedora Linux 41 (Cloud Edition)',
        version: '41 (Cloud Edition)',
        versionId: '41',
      };
}

export function interfaceStatuses(vmi: VirtualMachineInstance): Array<Record<string, unknown>> {
  const interfaces = vmi.spec.domain.devices?.interfaces ?? [];
  return interfaces.map((iface, i) => {
    // A loopback address of the desktop's own, where the simulator serves its RDP and VNC.
    const ip = desktopAddress(vmi.metadata.uid, i);
    return {
      infoSource: 'domain, guest-agent',
      interfaceName: `eth${i}`,
      ipAddress: ip,
      ipAddresses: [ip],
      linkState: 'up',
      mac: iface.macAddress ?? fakeMac(vmi.metadata.uid, i),
      name: iface.name,
      podInterfaceName: i === 0 ? 'eth0' : `pod${createHash('sha256').update(iface.name).digest('hex').slice(0, 11)}`,
      queueCount: 1,
    };
  });
}

/** Device names as libvirt assigns them: vdX on virtio, sdX on sata/scsi/usb, in disk order. */
function diskTargets(vmi: VirtualMachineInstance): Map<string, string> {
  const counters = new Map<string, number>();
  const targets = new Map<string, string>();
  for (const disk of vmi.spec.domain.devices?.disks ?? []) {
    const device = (disk.disk ?? disk.cdrom ?? disk.lun ?? {}) as { bus?: string };
    const prefix = (device.bus ?? 'virtio') === 'virtio' ? 'vd' : 'sd';
    const n = counters.get(prefix) ?? 0;
    counters.set(prefix, n + 1);
    targets.set(disk.name, `${prefix}${String.fromCharCode(97 + n)}`);
  }
  return targets;
}

export function volumeStatuses(vmi: VirtualMachineInstance): Array<Record<string, unknown>> {
  const targets = diskTargets(vmi);
  return (vmi.spec.volumes ?? []).map((v) => {
    const out: Record<string, unknown> = { name: v.name, target: targets.get(v.name) ?? '' };
    const claimName = v.dataVolume?.name ?? v.persistentVolumeClaim?.claimName;
    if (claimName) out.persistentVolumeClaimInfo = { claimName, volumeMode: 'Filesystem' };
    if (v.containerDisk) out.containerDiskVolume = { checksum: 1 };
    return { ...out, ...hotplugStatus(v) };
  });
}

export function cpuTopology(spec: VMISpec): { cores: number; sockets: number; threads: number } {
  const cpu = spec.domain.cpu ?? {};
  return { cores: cpu.cores ?? 1, sockets: cpu.sockets ?? 1, threads: cpu.threads ?? 1 };
}

export function guestMemory(spec: VMISpec): Record<string, string> | undefined {
  const guest = spec.domain.memory?.guest ?? spec.domain.resources?.requests?.memory;
  return guest ? { guestAtBoot: guest, guestCurrent: guest, guestRequested: guest } : undefined;
}
