// What the three reconcilers share: configuration, caches, the queue, the log, and the small
// bookkeeping a controller needs so that a cache that lags behind its own writes never makes it act
// twice (client-go "expectations").
import type { Api } from './kube.js';
import type { Node } from './nodes.js';
import type { WorkQueue } from './queue.js';
import type { Reflector } from './reflector.js';
import type { DesktopEndpoints } from './screen/endpoints.js';
import type { SyncError } from './status.js';
import type { DataVolume, Migration, PersistentVolumeClaim, VirtualMachine, VirtualMachineInstance } from './types.js';

export interface SimulatorConfig {
  /** Only this namespace; all namespaces when unset. */
  namespace?: string;
  /** Only namespaces whose name starts with this (watches all namespaces, keeps these). */
  namespacePrefix?: string;
  /** VMI creation to Running (Pending → Scheduling → Scheduled → Running). */
  bootDelayMs: number;
  /** VMI deletion to the guest being shut down (Succeeded) and the VMI gone. */
  stopDelayMs: number;
  /** DataVolume creation to Succeeded. */
  cloneDelayMs: number;
  /** Stands in for KubeVirt's 10 s crash-loop backoff unit (failures² × unit, at most 30 units). */
  crashLoopBackoffMs: number;
  /** The one node every VMI runs on when there are no simulated nodes (`nodes` 0); no Node object. */
  nodeName: string;
  /** Simulated Node objects `<nodeGroup>-1..N` to create at start (nodes.ts); 0: none, all on nodeName. */
  nodes: number;
  /** The label value (`simulator.kubevdi.io/node-group`) of the nodes this simulator places VMIs on. */
  nodeGroup: string;
  /** A live migration from creation to Succeeded (its six phases share it). */
  migrationDelayMs: number;
  /** A migration whose target cannot be scheduled fails after this long (KubeVirt: 5 minutes). */
  migrationUnschedulableTimeoutMs: number;
  /** Put KubeVirt's finalizers on VMs and VMIs (as the real controllers do). */
  finalizers: boolean;
  /** Persist a firmware UUID into VMs that have none (virt-controller's firmware synchronizer). */
  firmwareUUID: boolean;
}

export const DEFAULT_CONFIG: SimulatorConfig = {
  bootDelayMs: 200,
  stopDelayMs: 100,
  cloneDelayMs: 300,
  crashLoopBackoffMs: 1000,
  nodeName: 'sim-node-1',
  nodes: 0,
  nodeGroup: 'sim-node',
  migrationDelayMs: 600,
  migrationUnschedulableTimeoutMs: 300_000,
  finalizers: true,
  firmwareUUID: true,
};

export interface Context {
  config: SimulatorConfig;
  api: Api;
  vms: Reflector<VirtualMachine>;
  vmis: Reflector<VirtualMachineInstance>;
  dvs: Reflector<DataVolume>;
  /** The simulated nodes of this simulator's group (only with `nodes` > 0 or nodes a test made). */
  nodes: Reflector<Node>;
  migrations: Reflector<Migration>;
  /** PVCs, for the access modes that decide LiveMigratable. */
  pvcs?: Reflector<PersistentVolumeClaim>;
  queue: WorkQueue;
  stale: StaleGuard;
  expectations: Expectations;
  /** Revision specs read from ControllerRevisions (immutable, so cached by name). */
  revisions: Map<string, VirtualMachine['spec']>;
  /** With real screens: the running desktops' RDP and VNC listeners (screen/endpoints.ts). */
  desktops?: DesktopEndpoints;
  log(kind: string, key: string, message: string): void;
}

/** A reconcile that wrote its error into status; retried with backoff, not logged again. */
export class SyncFailure extends Error {
  constructor(readonly syncError: SyncError) {
    super(syncError.message);
  }
}

export const queueKey = {
  vm: (k: string) => `vm|${k}`,
  vmi: (k: string) => `vmi|${k}`,
  dv: (k: string) => `dv|${k}`,
  node: (name: string) => `node|/${name}`,
  vmim: (k: string) => `vmim|${k}`,
};

/**
 * After writing an object that was read at resourceVersion R, the cache still holds R until the
 * watch delivers the write. A reconcile that sees R again would act on stale data: it waits for the
 * event instead (with a deadline, in case the event never comes).
 */
export class StaleGuard {
  private readonly written = new Map<string, { rv: string; until: number }>();

  wrote(k: string, readRV: string, writtenRV: string | undefined, requeue: () => void): void {
    if (!writtenRV || writtenRV === readRV) return;
    this.written.set(k, { rv: readRV, until: Date.now() + 10_000 });
    setTimeout(requeue, 10_100).unref();
  }

  isStale(k: string, cachedRV: string): boolean {
    const e = this.written.get(k);
    if (!e) return false;
    if (cachedRV !== e.rv || Date.now() > e.until) {
      this.written.delete(k);
      return false;
    }
    return true;
  }
}

type Expectation = { what: 'vmi-create' | 'vmi-delete' | 'dv-create'; uid: string; until: number };

/** Creations and deletions a VM's reconcile made that the caches have not shown yet. */
export class Expectations {
  private readonly byVM = new Map<string, Expectation[]>();
  private readonly seen = new Map<string, true>();

  /** Called for every VMI and DataVolume the watches deliver. */
  observe(uid: string): void {
    this.seen.delete(uid);
    this.seen.set(uid, true);
    if (this.seen.size > 20_000) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }

  expect(vmKey: string, what: Expectation['what'], uid: string): void {
    const list = this.byVM.get(vmKey) ?? [];
    list.push({ what, uid, until: Date.now() + 30_000 });
    this.byVM.set(vmKey, list);
  }

  clear(vmKey: string): void {
    this.byVM.delete(vmKey);
  }

  /** Drops what the caches now show; reports what is still in flight. */
  pending(
    vmKey: string,
    vmiInCache: VirtualMachineInstance | undefined,
  ): { satisfied: boolean; startExpected: boolean; stopExpected: boolean; retryInMs?: number } {
    const now = Date.now();
    const left = (this.byVM.get(vmKey) ?? []).filter((e) => {
      if (now > e.until) return false;
      if (e.what === 'vmi-delete')
        return vmiInCache?.metadata.uid === e.uid && vmiInCache.metadata.deletionTimestamp === undefined;
      return !this.seen.has(e.uid);
    });
    if (left.length === 0) this.byVM.delete(vmKey);
    else this.byVM.set(vmKey, left);
    return {
      satisfied: left.length === 0,
      startExpected: left.some((e) => e.what === 'vmi-create'),
      stopExpected: left.some((e) => e.what === 'vmi-delete'),
      retryInMs: left.length ? Math.min(...left.map((e) => e.until)) - now : undefined,
    };
  }
}
