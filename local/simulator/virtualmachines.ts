// virt-controller's VirtualMachine controller (pkg/virt-controller/watch/vm/vm.go, v1.9), reduced to
// what a cluster without KVM can show: finalizer and api-version annotations, the firmware UUID
// synchronizer, DataVolumes from dataVolumeTemplates, one VMI per VM according to runStrategy (with
// crash-loop backoff and state change requests), the start ControllerRevision, RestartRequired, and
// the status: printableStatus, ready, created, runStrategy, conditions, startFailure,
// observedGeneration/desiredGeneration.
import { type Context, queueKey, SyncFailure } from './context.js';
import { applyVolumeRequests, withoutHotplugged } from './hotplug.js';
import {
  DATA_VOLUMES,
  errorCode,
  errorMessage,
  isConflict,
  VIRT_CONTROLLER,
  VIRTUAL_MACHINE_INSTANCES,
  VIRTUAL_MACHINES,
} from './kube.js';
import {
  canonical,
  deepEqual,
  hasCondition,
  isFinal,
  legacyFirmwareUUID,
  nextStartFailure,
  type PrintableFacts,
  printableStatus,
  removeCondition,
  runStrategyOf,
  type SyncError,
  setCondition,
  syncVMConditions,
  timestamp,
} from './status.js';
import {
  ALLOW_CLAIM_ADOPTION_ANNOTATION,
  CDI_GROUP,
  CDI_VERSION,
  CREATED_BY_LABEL,
  controllerOf,
  controllerRef,
  type DataVolume,
  type DataVolumeTemplate,
  IMMEDIATE_DV_CREATION_ANNOTATION,
  KUBEVIRT_GROUP,
  KUBEVIRT_VERSION,
  LATEST_API_VERSION_ANNOTATION,
  ORPHAN_FINALIZER,
  STORAGE_API_VERSION_ANNOTATION,
  type VirtualMachine,
  type VirtualMachineInstance,
  VM_CONTROLLER_FINALIZER,
  VM_GENERATION_ANNOTATION,
  VMI_FINALIZER,
  type VMStatus,
} from './types.js';

const KIND = 'VirtualMachine';
const RESTART_REQUIRED_MESSAGE = 'a non-live-updatable field was changed in the template spec';

interface Outcome {
  startExpected: boolean;
  stopExpected: boolean;
  addStartRequest: boolean;
  /** true/false: set/remove RestartRequired; undefined: leave it. */
  restartRequired?: boolean;
}

export async function reconcileVirtualMachine(ctx: Context, k: string): Promise<void> {
  const vm = ctx.vms.get(k);
  if (!vm) {
    ctx.expectations.clear(k);
    return;
  }
  if (ctx.stale.isStale(queueKey.vm(k), vm.metadata.resourceVersion)) return;
  const now = Date.now();
  let vmi = ownedInstance(ctx, vm);
  const exp = ctx.expectations.pending(k, vmi);
  const out: Outcome = { startExpected: exp.startExpected, stopExpected: exp.stopExpected, addStartRequest: false };
  const runStrategy = runStrategyOf(vm);
  let syncError: SyncError | undefined;

  try {
    if (!exp.satisfied) {
      if (exp.retryInMs !== undefined) ctx.queue.addAfter(queueKey.vm(k), exp.retryInMs);
    } else if (vm.metadata.deletionTimestamp) {
      if (!vmi || vm.metadata.finalizers?.includes(ORPHAN_FINALIZER)) {
        if (await removeFinalizer(ctx, vm)) return;
      } else if (await stopInstance(ctx, vm, vmi)) {
        out.stopExpected = true;
      }
    } else {
      if (await ensureMetadata(ctx, vm)) return;
      if (await synchronizeFirmwareUUID(ctx, vm)) return;
      if (await applyVolumeRequests(ctx, vm, vmi)) return;
      const orphan = ctx.vmis.get(k);
      if (orphan && !controllerOf(orphan) && !orphan.metadata.deletionTimestamp) {
        await adopt(ctx, vm, orphan);
        return;
      }
      if (vmi) {
        vmi = await bumpGenerationAnnotation(ctx, vm, vmi);
        out.restartRequired = await restartRequired(ctx, vm, vmi);
      }
      if (!runStrategy) {
        throw new SyncFailure({
          reason: 'FailedCreate',
          message: 'Error fetching RunStrategy: running and runstrategy are mutually exclusive',
        });
      }
      const dataVolumesReady =
        vm.metadata.annotations?.[IMMEDIATE_DV_CREATION_ANNOTATION] === 'false' || (await handleDataVolumes(ctx, vm));
      // Like upstream, a Halted VM gets its DataVolumes too, and stops its VMI while they populate.
      if (dataVolumesReady || runStrategy === 'Halted') await syncRunStrategy(ctx, vm, vmi, runStrategy, now, out);
    }
  } catch (err) {
    if (!(err instanceof SyncFailure)) throw err;
    syncError = err.syncError;
  }

  await updateStatus(ctx, vm, vmi, syncError, out, now);
  // With the final state recorded on the VM, its finalizer comes off the VMI (vm.go removeVMIFinalizer).
  if (vmi && isFinal(vmi) && vmi.metadata.finalizers?.includes(VM_CONTROLLER_FINALIZER)) {
    await releaseInstance(ctx, vmi);
  }
  if (syncError) throw new SyncFailure(syncError);
}

async function releaseInstance(ctx: Context, vmi: VirtualMachineInstance): Promise<void> {
  const finalizers = (vmi.metadata.finalizers ?? []).filter((f) => f !== VM_CONTROLLER_FINALIZER);
  try {
    const patched = await ctx.api.mergePatch(
      VIRTUAL_MACHINE_INSTANCES,
      vmi,
      { metadata: { finalizers } },
      VIRT_CONTROLLER,
    );
    ctx.stale.wrote(queueKey.vmi(keyOf(vmi)), vmi.metadata.resourceVersion, patched.metadata.resourceVersion, () =>
      ctx.queue.add(queueKey.vmi(keyOf(vmi))),
    );
  } catch (err) {
    if (!isConflict(err) && errorCode(err) !== 404) throw err;
  }
}

/** The VMI of this VM: same name, controlled by this VM's UID. */
function ownedInstance(ctx: Context, vm: VirtualMachine): VirtualMachineInstance | undefined {
  const vmi = ctx.vmis.get(`${vm.metadata.namespace}/${vm.metadata.name}`);
  if (!vmi) return undefined;
  const ref = controllerOf(vmi);
  return ref?.kind === KIND && ref.uid === vm.metadata.uid ? vmi : undefined;
}

// --- metadata: finalizer, api-version annotations, firmware UUID, adoption ---

async function ensureMetadata(ctx: Context, vm: VirtualMachine): Promise<boolean> {
  const annotations = vm.metadata.annotations ?? {};
  const needAnnotations =
    annotations[LATEST_API_VERSION_ANNOTATION] !== 'v1' || annotations[STORAGE_API_VERSION_ANNOTATION] !== 'v1';
  const finalizers = vm.metadata.finalizers ?? [];
  const needFinalizer = ctx.config.finalizers && !finalizers.includes(VM_CONTROLLER_FINALIZER);
  if (!needAnnotations && !needFinalizer) return false;
  const metadata: Record<string, unknown> = {};
  if (needAnnotations)
    metadata.annotations = { [LATEST_API_VERSION_ANNOTATION]: 'v1', [STORAGE_API_VERSION_ANNOTATION]: 'v1' };
  if (needFinalizer) metadata.finalizers = [...finalizers, VM_CONTROLLER_FINALIZER];
  await writeVM(ctx, vm, { metadata });
  return true;
}

async function removeFinalizer(ctx: Context, vm: VirtualMachine): Promise<boolean> {
  const finalizers = vm.metadata.finalizers ?? [];
  if (!finalizers.includes(VM_CONTROLLER_FINALIZER)) return false;
  await writeVM(ctx, vm, { metadata: { finalizers: finalizers.filter((f) => f !== VM_CONTROLLER_FINALIZER) } });
  ctx.log(KIND, keyOf(vm), `removed finalizer ${VM_CONTROLLER_FINALIZER}`);
  return true;
}

/** virt-controller v1.6+ persists a firmware UUID into VMs that have none (its "firmware synchronizer"). */
async function synchronizeFirmwareUUID(ctx: Context, vm: VirtualMachine): Promise<boolean> {
  if (!ctx.config.firmwareUUID || vm.spec.template.spec.domain.firmware?.uuid) return false;
  const uuid = legacyFirmwareUUID(vm.metadata.name);
  await writeVM(ctx, vm, { spec: { template: { spec: { domain: { firmware: { uuid } } } } } });
  ctx.log(KIND, `${vm.metadata.namespace}/${vm.metadata.name}`, `persisted firmware UUID ${uuid}`);
  return true;
}

async function adopt(ctx: Context, vm: VirtualMachine, vmi: VirtualMachineInstance): Promise<void> {
  const refs = [...(vmi.metadata.ownerReferences ?? []), controllerRef(vm)];
  const patched = await ctx.api.mergePatch(
    VIRTUAL_MACHINE_INSTANCES,
    vmi,
    { metadata: { ownerReferences: refs } },
    VIRT_CONTROLLER,
  );
  ctx.stale.wrote(queueKey.vmi(keyOf(vmi)), vmi.metadata.resourceVersion, patched.metadata.resourceVersion, () =>
    ctx.queue.add(queueKey.vmi(keyOf(vmi))),
  );
  ctx.log(KIND, keyOf(vm), `adopted orphan VirtualMachineInstance ${vmi.metadata.uid}`);
}

/** Merge patch of the VM guarded by the resourceVersion it was computed from; a conflict just requeues. */
async function writeVM(ctx: Context, vm: VirtualMachine, patch: Record<string, unknown>): Promise<void> {
  const k = keyOf(vm);
  try {
    const patched = await ctx.api.mergePatch(VIRTUAL_MACHINES, vm, patch, VIRT_CONTROLLER);
    ctx.stale.wrote(queueKey.vm(k), vm.metadata.resourceVersion, patched.metadata.resourceVersion, () =>
      ctx.queue.add(queueKey.vm(k)),
    );
  } catch (err) {
    if (!isConflict(err)) throw err;
    ctx.queue.addAfter(queueKey.vm(k), 20);
  }
}

// --- generations and RestartRequired (vm.go conditionallyBumpGenerationAnnotationOnVmi, syncRestartRequired) ---

async function revisionSpec(ctx: Context, vmi: VirtualMachineInstance): Promise<VirtualMachine['spec'] | undefined> {
  const name = vmi.status?.virtualMachineRevisionName;
  if (!name) return undefined;
  const cached = ctx.revisions.get(name);
  if (cached) return cached;
  const spec = await ctx.api.readRevisionSpec(vmi.metadata.namespace, name);
  if (spec) ctx.revisions.set(name, spec);
  return spec;
}

async function bumpGenerationAnnotation(
  ctx: Context,
  vm: VirtualMachine,
  vmi: VirtualMachineInstance,
): Promise<VirtualMachineInstance> {
  const generation = String(vm.metadata.generation ?? 1);
  if (vmi.metadata.annotations?.[VM_GENERATION_ANNOTATION] === generation || vmi.metadata.deletionTimestamp) return vmi;
  const started = await revisionSpec(ctx, vmi);
  if (!started || !deepEqual(started.template, vm.spec.template)) return vmi;
  let patched: VirtualMachineInstance;
  try {
    patched = await ctx.api.mergePatch<VirtualMachineInstance>(
      VIRTUAL_MACHINE_INSTANCES,
      vmi,
      { metadata: { annotations: { [VM_GENERATION_ANNOTATION]: generation } } },
      VIRT_CONTROLLER,
    );
  } catch (err) {
    // The VMI changed meanwhile: its event brings this VM back.
    if (isConflict(err)) return vmi;
    throw err;
  }
  ctx.stale.wrote(queueKey.vmi(keyOf(vmi)), vmi.metadata.resourceVersion, patched.metadata.resourceVersion, () =>
    ctx.queue.add(queueKey.vmi(keyOf(vmi))),
  );
  return patched;
}

/**
 * Compares the template the VMI was started from with the VM's. With the default LiveUpdate rollout
 * strategy, CPU sockets, guest memory, nodeSelector, affinity and tolerations are live-updatable and
 * do not require a restart (the simulator does not hotplug them into the VMI).
 */
async function restartRequired(
  ctx: Context,
  vm: VirtualMachine,
  vmi: VirtualMachineInstance,
): Promise<boolean | undefined> {
  if (vmi.metadata.deletionTimestamp) return undefined;
  const started = await revisionSpec(ctx, vmi);
  if (!started) return undefined;
  // Hot-plugged volumes come and go on the running VMI (hotplug.ts): no restart for them.
  const last = structuredClone(withoutHotplugged(started.template.spec));
  const cur = withoutHotplugged(vm.spec.template.spec);
  if (last.domain.cpu && cur.domain.cpu) last.domain.cpu.sockets = cur.domain.cpu.sockets;
  if (cur.domain.memory?.guest) last.domain.memory = { ...last.domain.memory, guest: cur.domain.memory.guest };
  last.nodeSelector = cur.nodeSelector;
  last.affinity = cur.affinity;
  last.tolerations = cur.tolerations;
  const vmiUUID = vmi.spec.domain.firmware?.uuid;
  if (vmiUUID && cur.domain.firmware?.uuid === vmiUUID)
    last.domain.firmware = { ...last.domain.firmware, uuid: vmiUUID };
  return !deepEqual(last, cur);
}

// --- DataVolumes (vm.go handleDataVolumes, watch/util CreateDataVolumeManifest) ---

async function handleDataVolumes(ctx: Context, vm: VirtualMachine): Promise<boolean> {
  let ready = true;
  for (const template of vm.spec.dataVolumeTemplates ?? []) {
    const dv = ctx.dvs.get(`${vm.metadata.namespace}/${template.metadata.name}`);
    if (dv) {
      if (!['Succeeded', 'WaitForFirstConsumer', 'PendingPopulation'].includes(dv.status?.phase ?? '')) ready = false;
      continue;
    }
    ready = false;
    let manifest: DataVolume;
    try {
      manifest = await dataVolumeManifest(ctx, vm, template);
    } catch (err) {
      throw dataVolumeError(`unable to create DataVolume manifest: ${errorMessage(err)}`);
    }
    if (manifest.spec.sourceRef) throw dataVolumeError('DataVolume sourceRef not supported');
    try {
      const created = await ctx.api.create(DATA_VOLUMES, manifest, VIRT_CONTROLLER);
      ctx.expectations.expect(keyOf(vm), 'dv-create', created.metadata.uid);
      ctx.log(KIND, keyOf(vm), `created DataVolume ${template.metadata.name}`);
    } catch (err) {
      if (errorCode(err) === 409) continue;
      throw dataVolumeError(`failed to create DataVolume: ${errorMessage(err)}`);
    }
  }
  return ready;
}

function dataVolumeError(message: string): SyncFailure {
  return new SyncFailure({
    reason: 'FailedCreate',
    message: `Error encountered while creating DataVolumes: ${message}`,
  });
}

async function dataVolumeManifest(ctx: Context, vm: VirtualMachine, template: DataVolumeTemplate): Promise<DataVolume> {
  const spec = structuredClone(template.spec);
  const ref = spec.sourceRef;
  if (ref?.kind === 'DataSource') {
    // GetResolvedCloneSource: the DataSource's PVC or snapshot becomes the DataVolume's source.
    const ns = ref.namespace || vm.metadata.namespace;
    const ds = await ctx.api.getDataSource(ns, ref.name);
    const pvc = ds.spec.source?.pvc;
    const snapshot = ds.spec.source?.snapshot;
    const source = pvc
      ? { pvc: { ...pvc, namespace: pvc.namespace || ns } }
      : snapshot
        ? { snapshot: { ...snapshot, namespace: snapshot.namespace || ns } }
        : undefined;
    if (source) {
      delete spec.sourceRef;
      spec.source = source;
    }
  }
  const priorityClassName = vm.spec.template.spec.priorityClassName;
  if (!spec.priorityClassName && typeof priorityClassName === 'string' && priorityClassName) {
    spec.priorityClassName = priorityClassName;
  }
  return {
    apiVersion: `${CDI_GROUP}/${CDI_VERSION}`,
    kind: 'DataVolume',
    metadata: {
      name: template.metadata.name,
      namespace: vm.metadata.namespace,
      labels: { ...template.metadata.labels, [CREATED_BY_LABEL]: vm.metadata.uid },
      annotations: { ...template.metadata.annotations, [ALLOW_CLAIM_ADOPTION_ANNOTATION]: 'true' },
      ownerReferences: [controllerRef(vm)],
    } as unknown as DataVolume['metadata'],
    spec,
  };
}

// --- runStrategy (vm.go syncRunStrategy) ---

async function syncRunStrategy(
  ctx: Context,
  vm: VirtualMachine,
  vmi: VirtualMachineInstance | undefined,
  runStrategy: string,
  now: number,
  out: Outcome,
): Promise<void> {
  const start = async () => {
    const retryAfter = vm.status?.startFailure?.retryAfterTimestamp;
    const wait = retryAfter ? Date.parse(retryAfter) - now : 0;
    if (wait > 0) {
      ctx.queue.addAfter(queueKey.vm(keyOf(vm)), wait);
      return;
    }
    if (await startInstance(ctx, vm)) {
      out.startExpected = true;
      out.restartRequired = false;
    }
  };
  const stop = async (target: VirtualMachineInstance) => {
    if (await stopInstance(ctx, vm, target)) {
      out.stopExpected = true;
      out.restartRequired = false;
    }
  };
  switch (runStrategy) {
    case 'Always':
      if (vmi) {
        if (hasStopRequestFor(vm, vmi) || isFinal(vmi)) await stop(vmi);
        return;
      }
      return start();
    case 'RerunOnFailure':
      if (vmi) {
        const failed = vmi.status?.phase === 'Failed';
        if (
          !vmi.metadata.deletionTimestamp &&
          (hasStopRequestFor(vm, vmi) || failed || vmi.status?.phase === 'Succeeded')
        ) {
          await stop(vmi);
          if (failed) out.addStartRequest = true;
        }
        return;
      }
      if (!hasStartRequest(vm) && vm.status?.runStrategy === runStrategy) return;
      return start();
    case 'Manual':
      if (vmi) {
        if (hasStopRequestFor(vm, vmi)) await stop(vmi);
      } else if (hasStartRequest(vm)) {
        await start();
      }
      return;
    case 'Halted':
      if (!vmi) {
        // A start request on a halted VM (virtctl start --paused) turns it into Always.
        if (hasStartRequest(vm)) await writeVM(ctx, vm, { spec: { runStrategy: 'Always' } });
        return;
      }
      return stop(vmi);
    case 'Once':
      if (!vmi) await start();
      return;
    default:
      throw new SyncFailure({ reason: 'FailedCreate', message: `unknown runstrategy: ${runStrategy}` });
  }
}

function hasStartRequest(vm: VirtualMachine): boolean {
  return vm.status?.stateChangeRequests?.[0]?.action === 'Start';
}

function hasStopRequestFor(vm: VirtualMachine, vmi: VirtualMachineInstance): boolean {
  const first = vm.status?.stateChangeRequests?.[0];
  return first?.action === 'Stop' && first.uid === vmi.metadata.uid;
}

/** vm.go startVMI + SetupVMIFromVM: the VMI carries the template's metadata and spec, owned by the VM. */
async function startInstance(ctx: Context, vm: VirtualMachine): Promise<boolean> {
  if (hasCondition(vm.status?.conditions, 'ManualRecoveryRequired', 'True')) return false;
  const generation = vm.metadata.generation ?? 1;
  const revisionName = `revision-start-vm-${vm.metadata.uid}-${generation}`;
  try {
    await ctx.api.deleteOlderRevisions(vm, revisionName);
    await ctx.api.createRevision(vm, revisionName, controllerRef(vm));
    ctx.revisions.set(revisionName, structuredClone(vm.spec));
    const created = await ctx.api.create(
      VIRTUAL_MACHINE_INSTANCES,
      instanceFor(ctx, vm, revisionName),
      VIRT_CONTROLLER,
    );
    ctx.expectations.expect(keyOf(vm), 'vmi-create', created.metadata.uid);
    ctx.log(KIND, keyOf(vm), `created VirtualMachineInstance (generation ${generation})`);
    return true;
  } catch (err) {
    throw new SyncFailure({ reason: 'FailedCreate', message: `Failure while starting VMI: ${errorMessage(err)}` });
  }
}

function instanceFor(ctx: Context, vm: VirtualMachine, revisionName: string): VirtualMachineInstance {
  const template = vm.spec.template;
  const spec = structuredClone(template.spec);
  spec.domain.firmware = {
    ...spec.domain.firmware,
    uuid: spec.domain.firmware?.uuid || legacyFirmwareUUID(vm.metadata.name),
  };
  // util.SetDefaultVolumeDisk: every volume without a disk gets one.
  spec.domain.devices ??= {};
  spec.domain.devices.disks ??= [];
  const disks = spec.domain.devices.disks;
  for (const volume of spec.volumes ?? []) {
    if (!disks.some((d) => d.name === volume.name)) disks.push({ name: volume.name });
  }
  // netvmispec.SetDefaultNetworkInterface: the pod network, bound with the cluster default (bridge).
  if (
    !spec.domain.devices.interfaces?.length &&
    !spec.networks?.length &&
    spec.domain.devices.autoattachPodInterface !== false
  ) {
    spec.domain.devices.interfaces = [{ name: 'default', bridge: {} }];
    spec.networks = [{ name: 'default', pod: {} }];
  }
  const labels = template.metadata?.labels;
  return {
    apiVersion: `${KUBEVIRT_GROUP}/${KUBEVIRT_VERSION}`,
    kind: 'VirtualMachineInstance',
    metadata: {
      name: vm.metadata.name,
      namespace: vm.metadata.namespace,
      ...(labels ? { labels: { ...labels } } : {}),
      annotations: {
        ...template.metadata?.annotations,
        [VM_GENERATION_ANNOTATION]: String(vm.metadata.generation ?? 1),
        [LATEST_API_VERSION_ANNOTATION]: 'v1',
        [STORAGE_API_VERSION_ANNOTATION]: 'v1',
      },
      ownerReferences: [controllerRef(vm)],
      finalizers: ctx.config.finalizers ? [VM_CONTROLLER_FINALIZER, VMI_FINALIZER] : [],
    } as unknown as VirtualMachineInstance['metadata'],
    spec,
    status: { virtualMachineRevisionName: revisionName },
  };
}

async function stopInstance(ctx: Context, vm: VirtualMachine, vmi: VirtualMachineInstance): Promise<boolean> {
  if (vmi.metadata.deletionTimestamp) return false;
  try {
    await ctx.api.delete(VIRTUAL_MACHINE_INSTANCES, vmi);
  } catch (err) {
    throw new SyncFailure({
      reason: 'FailedDelete',
      message: `Failure attempting to delete VMI: ${errorMessage(err)}`,
    });
  }
  ctx.expectations.expect(keyOf(vm), 'vmi-delete', vmi.metadata.uid);
  ctx.log(KIND, keyOf(vm), `deleted VirtualMachineInstance (phase ${vmi.status?.phase || 'unset'})`);
  return true;
}

// --- status (vm.go updateStatus) ---

async function updateStatus(
  ctx: Context,
  vm: VirtualMachine,
  vmi: VirtualMachineInstance | undefined,
  syncError: SyncError | undefined,
  out: Outcome,
  now: number,
): Promise<void> {
  const old: VMStatus = vm.status ?? {};
  const status: VMStatus = structuredClone(old);
  const runStrategy = runStrategyOf(vm);

  status.created = vmi !== undefined;
  status.ready = vmi !== undefined && hasCondition(vmi.status?.conditions, 'Ready', 'True');
  if (vmi) {
    const observed = Number.parseInt(vmi.metadata.annotations?.[VM_GENERATION_ANNOTATION] ?? '', 10);
    if (!Number.isNaN(observed)) {
      status.observedGeneration = observed;
      status.desiredGeneration = vm.metadata.generation ?? 1;
    }
  }
  // Synced for the first time when a VMI gets created, so it tells whether the VM ever started.
  if (status.runStrategy || status.created) status.runStrategy = runStrategy ?? '';

  const requests = [...(status.stateChangeRequests ?? [])];
  if (out.addStartRequest) requests.push({ action: 'Start' });
  if (trimFirstRequest(requests, vmi)) requests.shift();
  if (requests.length) status.stateChangeRequests = requests;
  else delete status.stateChangeRequests;

  const startFailure = nextStartFailure(status.startFailure, vmi, runStrategy, now, ctx.config.crashLoopBackoffMs);
  if (startFailure) status.startFailure = startFailure;
  else delete status.startFailure;

  let conditions = syncVMConditions(status.conditions, vmi, syncError, now);
  if (out.restartRequired === true) {
    conditions = setCondition(conditions, {
      type: 'RestartRequired',
      status: 'True',
      message: RESTART_REQUIRED_MESSAGE,
      lastProbeTime: null,
      lastTransitionTime: timestamp(now),
    });
  } else if (out.restartRequired === false) {
    conditions = removeCondition(conditions, 'RestartRequired');
  }
  status.conditions = conditions;

  const facts: PrintableFacts = {
    runStrategy,
    startExpected: out.startExpected,
    stopExpected: out.stopExpected,
    ...dataVolumeFacts(ctx, vm),
  };
  status.printableStatus = printableStatus(vm, vmi, status, facts);

  if (canonical(status) === canonical(old)) return;
  const k = keyOf(vm);
  try {
    const written = await ctx.api.replaceStatus(
      VIRTUAL_MACHINES,
      { ...vm, apiVersion: `${KUBEVIRT_GROUP}/${KUBEVIRT_VERSION}`, kind: KIND, status },
      VIRT_CONTROLLER,
    );
    ctx.stale.wrote(queueKey.vm(k), vm.metadata.resourceVersion, written.metadata.resourceVersion, () =>
      ctx.queue.add(queueKey.vm(k)),
    );
  } catch (err) {
    if (isConflict(err) || errorCode(err) === 404) {
      ctx.queue.addAfter(queueKey.vm(k), 20);
      return;
    }
    throw err;
  }
  logChanges(ctx, k, old, status);
}

function logChanges(ctx: Context, k: string, old: VMStatus, next: VMStatus): void {
  if (old.printableStatus !== next.printableStatus) {
    ctx.log(KIND, k, `printableStatus ${old.printableStatus ?? '(none)'} -> ${next.printableStatus}`);
  }
  if ((old.ready ?? false) !== next.ready) ctx.log(KIND, k, `ready ${next.ready}`);
  const oldFailure = old.conditions?.find((c) => c.type === 'Failure')?.message;
  const failure = next.conditions?.find((c) => c.type === 'Failure')?.message;
  if (failure && failure !== oldFailure) ctx.log(KIND, k, `Failure: ${failure}`);
  const count = next.startFailure?.consecutiveFailCount;
  if (count && count !== old.startFailure?.consecutiveFailCount) {
    ctx.log(KIND, k, `start failure #${count}, retry after ${next.startFailure?.retryAfterTimestamp}`);
  }
}

/** vm.go isTrimFirstChangeRequestNeeded */
function trimFirstRequest(
  requests: VMStatus['stateChangeRequests'] & object,
  vmi: VirtualMachineInstance | undefined,
): boolean {
  const first = requests[0];
  if (!first) return false;
  if (first.action === 'Stop') return !vmi || !first.uid || first.uid !== vmi.metadata.uid;
  return vmi !== undefined && !vmi.metadata.deletionTimestamp && !isFinal(vmi);
}

/** storagetypes.HasDataVolumeErrors / HasDataVolumeProvisioning over the template's dataVolume volumes. */
function dataVolumeFacts(
  ctx: Context,
  vm: VirtualMachine,
): Pick<PrintableFacts, 'dataVolumeError' | 'dataVolumeProvisioning'> {
  let dataVolumeError = false;
  let dataVolumeProvisioning = false;
  for (const volume of vm.spec.template.spec.volumes ?? []) {
    if (!volume.dataVolume) continue;
    const dv = ctx.dvs.get(`${vm.metadata.namespace}/${volume.dataVolume.name}`);
    if (!dv) continue;
    const phase = dv.status?.phase ?? '';
    const running = dv.status?.conditions?.find((c) => c.type === 'Running');
    if (
      phase === 'Failed' ||
      (running?.status === 'False' && ['Error', 'ImagePullFailed'].includes(running.reason ?? ''))
    ) {
      dataVolumeError = true;
    }
    if (phase === 'Succeeded' || phase === 'PendingPopulation') continue;
    const bound = dv.status?.conditions?.some((c) => c.type === 'Bound' && c.status === 'True') ?? false;
    if (bound || phase !== 'WaitForFirstConsumer') dataVolumeProvisioning = true;
  }
  return { dataVolumeError, dataVolumeProvisioning };
}

function keyOf(obj: { metadata: { namespace: string; name: string } }): string {
  return `${obj.metadata.namespace}/${obj.metadata.name}`;
}
