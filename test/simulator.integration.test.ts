// The KubeVirt simulator against the real API server with the real KubeVirt and CDI CRDs: the
// example VMs start, stop and start again, a DataVolume template is provisioned before its VM
// starts, the three failure injections show what KubeVirt would show, deleting a VM takes its VMI
// and disks, and a restarted simulator picks up where the last one stopped.
import path from 'node:path';
import { CustomObjectsApi, type KubernetesObject, Watch } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { desktopAddress } from '../local/simulator/screen/address.js';
import { type Simulator, type SimulatorOptions, startSimulator } from '../local/simulator/start.js';
import { applyAs, kubeconfig, readYamlObjects, useTestNamespace } from './support/cluster.js';
import { KUBEVIRT_DIR } from './support/kubevirt.js';

const namespace = useTestNamespace('sim');
const DELAYS = { bootDelayMs: 200, stopDelayMs: 100, cloneDelayMs: 300, crashLoopBackoffMs: 200 };
const FAILURE = 'simulator.kubevdi.io/failure';

// biome-ignore lint/suspicious/noExplicitAny: API objects are inspected field by field in assertions
type Obj = any;

const kv = { group: 'kubevirt.io', version: 'v1' };
const cdi = { group: 'cdi.kubevirt.io', version: 'v1beta1' };
const api = () => kubeconfig().makeApiClient(CustomObjectsApi);

// One simulator for the whole file (starting one takes seconds), scoped to this file's namespaces:
// useTestNamespace('sim') names them `sim-<pid>-<n>`.
const SCOPE = { namespacePrefix: `sim-${process.pid}-` };
let sim: Simulator | undefined;
const startSim = (extra: Partial<SimulatorOptions> = {}) =>
  startSimulator({ kubeconfig: inject('cluster').adminKubeconfig, ...SCOPE, ...DELAYS, ...extra });

beforeAll(async () => {
  sim = await startSim();
});

afterAll(async () => {
  await sim?.stop();
});

afterEach(async (context) => {
  try {
    // The simulator takes KubeVirt's finalizers off the VMs and VMIs while it runs.
    await api()
      .deleteCollectionNamespacedCustomObject({ ...kv, namespace: namespace(), plural: 'virtualmachines' })
      .catch(() => undefined);
    await until('VMs and VMIs gone', async () => {
      const [vms, vmis] = await Promise.all([list(kv, 'virtualmachines'), list(kv, 'virtualmachineinstances')]);
      return vms.length + vmis.length === 0 ? true : undefined;
    });
  } finally {
    if (context.task.result?.state === 'fail') {
      const lines = sim?.logs().filter((l) => l.includes(`${namespace()}/`) || !l.includes(`${SCOPE.namespacePrefix}`));
      console.error(`simulator log:\n${lines?.join('\n')}`);
    }
  }
});

// --- helpers ---

async function example(file: string): Promise<Obj> {
  const [vm] = await readYamlObjects(path.join(KUBEVIRT_DIR, 'examples', file));
  return { ...vm, metadata: { ...vm?.metadata, namespace: namespace() } };
}

async function linuxVM(name = 'fedora-desk-0', annotations?: Record<string, string>): Promise<Obj> {
  const vm = await example('vm-linux-desktop.yaml');
  return { ...vm, metadata: { ...vm.metadata, name, ...(annotations ? { annotations } : {}) } };
}

/** The Windows 11 example, cloning from a DataSource in the test's namespace. */
async function windowsVM(runStrategy: string, annotations?: Record<string, string>): Promise<Obj> {
  const vm = await example('vm-windows11-desktop.yaml');
  for (const t of vm.spec.dataVolumeTemplates) t.spec.sourceRef.namespace = namespace();
  return {
    ...vm,
    metadata: { ...vm.metadata, ...(annotations ? { annotations } : {}) },
    spec: { ...vm.spec, runStrategy },
  };
}

async function createGoldenImage(): Promise<void> {
  await applyAs()({
    apiVersion: 'cdi.kubevirt.io/v1beta1',
    kind: 'DataSource',
    metadata: { name: 'win11-golden', namespace: namespace() },
    spec: { source: { pvc: { name: 'win11-golden-disk', namespace: namespace() } } },
  } as KubernetesObject);
}

const apply = (obj: Obj) => applyAs()(obj as KubernetesObject) as Promise<Obj>;

async function get(gv: typeof kv, plural: string, name: string): Promise<Obj | undefined> {
  try {
    return await api().getNamespacedCustomObject({ ...gv, namespace: namespace(), plural, name });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

async function list(gv: typeof kv, plural: string): Promise<Obj[]> {
  const res = await api().listNamespacedCustomObject({ ...gv, namespace: namespace(), plural });
  return (res as { items: Obj[] }).items;
}

const vmNamed = (name: string) => get(kv, 'virtualmachines', name);
const vmiNamed = (name: string) => get(kv, 'virtualmachineinstances', name);
const dvNamed = (name: string) => get(cdi, 'datavolumes', name);

/** Polls (tests only) until `probe` returns something other than undefined, or fails at the deadline. */
async function until<T>(
  what: string | (() => string),
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function vmWhen(name: string, what: string, predicate: (vm: Obj) => boolean, timeoutMs?: number): Promise<Obj> {
  return until(
    `VirtualMachine ${name}: ${what}`,
    async () => {
      const vm = await vmNamed(name);
      return vm && predicate(vm) ? vm : undefined;
    },
    timeoutMs,
  );
}

const printable = (s: string) => (vm: Obj) => vm.status?.printableStatus === s;
const condition = (obj: Obj, type: string) => obj?.status?.conditions?.find((c: Obj) => c.type === type);

type Recorder = Awaited<ReturnType<typeof recorder>>;

/** Records every state the namespace's VMs, VMIs and DataVolumes go through, as a watch sees them. */
async function recorder() {
  const events: Array<{ kind: string; type: string; obj: Obj }> = [];
  const kc = kubeconfig();
  const ns = namespace();
  const paths = {
    VirtualMachine: `/apis/kubevirt.io/v1/namespaces/${ns}/virtualmachines`,
    VirtualMachineInstance: `/apis/kubevirt.io/v1/namespaces/${ns}/virtualmachineinstances`,
    DataVolume: `/apis/cdi.kubevirt.io/v1beta1/namespaces/${ns}/datavolumes`,
  };
  const watches = await Promise.all(
    Object.entries(paths).map(([kind, p]) =>
      new Watch(kc).watch(
        p,
        {},
        (type, obj) => events.push({ kind, type, obj }),
        () => undefined,
      ),
    ),
  );
  const of = (kind: string, name: string) => events.filter((e) => e.kind === kind && e.obj?.metadata?.name === name);
  const distinct = (values: Array<string | undefined>) =>
    values.filter((v, i): v is string => v !== undefined && v !== values[i - 1]);
  return {
    stop: () => {
      for (const w of watches) w.abort();
    },
    printableStatuses: (vm: string) => distinct(of('VirtualMachine', vm).map((e) => e.obj.status?.printableStatus)),
    phases: (kind: 'VirtualMachineInstance' | 'DataVolume', name: string) =>
      distinct(of(kind, name).map((e) => e.obj.status?.phase)),
    uids: (kind: string, name: string) => [...new Set(of(kind, name).map((e) => e.obj.metadata.uid as string))],
  };
}

/** The recorder's watches may trail a GET by a few milliseconds: wait for them to catch up. */
async function recorded(what: string, check: () => boolean): Promise<void> {
  await until(`the watch to show ${what}`, async () => (check() ? true : undefined), 3000);
}

/** The VM's printableStatus went through `sequence`, in this order. */
async function went(rec: Recorder, vm: string, sequence: string[]): Promise<void> {
  await until(
    () => `${vm} to go through ${sequence.join(' → ')} (seen: ${rec.printableStatuses(vm).join(' → ')})`,
    async () => (inOrder(rec.printableStatuses(vm), sequence) ? true : undefined),
    3000,
  );
}

/** `sub` appears in `seq` in this order (other entries may come between). */
function inOrder(seq: string[], sub: string[]): boolean {
  let i = 0;
  for (const s of seq) if (s === sub[i]) i++;
  return i === sub.length;
}

// --- tests ---

describe('KubeVirt simulator', () => {
  it('runs a containerDisk VM: a VMI owned by the VM, Running and ready; Halted stops it, Always starts it again', async () => {
    const rec = await recorder();
    const manifest = await linuxVM();
    await apply(manifest);

    const vm = await vmWhen('fedora-desk-0', 'Running and ready', (v) => printable('Running')(v) && v.status.ready);
    const vmi = await vmiNamed('fedora-desk-0');
    expect(vmi.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'kubevirt.io/v1',
        kind: 'VirtualMachine',
        name: 'fedora-desk-0',
        uid: vm.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(vmi.metadata.labels).toEqual({
      ...manifest.spec.template.metadata.labels,
      'kubevirt.io/nodeName': 'sim-node-1',
    });
    // The VMI spec is the template's, plus the firmware UUID virt-controller persisted in the VM.
    const uuid = vm.spec.template.spec.domain.firmware.uuid;
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(vmi.spec).toEqual({
      ...manifest.spec.template.spec,
      domain: {
        ...manifest.spec.template.spec.domain,
        firmware: { ...manifest.spec.template.spec.domain.firmware, uuid },
      },
    });
    expect(vmi.status.phase).toBe('Running');
    expect(vmi.status.nodeName).toBe('sim-node-1');
    expect(vmi.status.phaseTransitionTimestamps.map((t: Obj) => t.phase)).toEqual([
      'Pending',
      'Scheduling',
      'Scheduled',
      'Running',
    ]);
    expect(condition(vmi, 'Ready')).toMatchObject({ status: 'True' });
    expect(condition(vmi, 'AgentConnected')).toMatchObject({ status: 'True' });
    expect(vmi.status.interfaces[0]).toMatchObject({ name: 'default', interfaceName: 'eth0' });
    // A loopback address of its own, where the desktop's RDP and VNC answer (screen/address.ts).
    expect(vmi.status.interfaces[0].ipAddress).toBe(desktopAddress(vmi.metadata.uid));
    expect(vmi.status.guestOSInfo).toMatchObject({ id: 'fedora' });

    expect(vm.metadata.finalizers).toContain('kubevirt.io/virtualMachineControllerFinalize');
    expect(vm.status).toMatchObject({
      printableStatus: 'Running',
      ready: true,
      created: true,
      runStrategy: 'Always',
      observedGeneration: vm.metadata.generation,
      desiredGeneration: vm.metadata.generation,
    });
    expect(condition(vm, 'Ready')).toMatchObject({ status: 'True' });
    expect(condition(vm, 'AgentConnected')).toMatchObject({ status: 'True' });
    await went(rec, 'fedora-desk-0', ['Starting', 'Running']);

    await apply({ ...manifest, spec: { ...manifest.spec, runStrategy: 'Halted' } });
    const stopped = await vmWhen(
      'fedora-desk-0',
      'Stopped without a VMI',
      (v) => printable('Stopped')(v) && !v.status.created,
    );
    expect(await vmiNamed('fedora-desk-0')).toBeUndefined();
    expect(stopped.status).toMatchObject({ ready: false, created: false, runStrategy: 'Halted' });
    expect(condition(stopped, 'Ready')).toMatchObject({ status: 'False', reason: 'VMINotExists' });
    await went(rec, 'fedora-desk-0', ['Running', 'Stopping', 'Stopped']);
    await recorded('the VMI Succeeded', () =>
      rec.phases('VirtualMachineInstance', 'fedora-desk-0').includes('Succeeded'),
    );

    await apply(manifest);
    const again = await vmWhen('fedora-desk-0', 'Running again', (v) => printable('Running')(v) && v.status.ready);
    expect(again.status.observedGeneration).toBe(again.metadata.generation);
    await recorded('a second VMI', () => rec.uids('VirtualMachineInstance', 'fedora-desk-0').length === 2);
    rec.stop();
  });

  it('provisions the DataVolume of a halted Windows VM, and starts it once runStrategy is Always', async () => {
    const rec = await recorder();
    await createGoldenImage();
    const manifest = await windowsVM('Halted');
    await apply(manifest);

    const dv = await until('DataVolume win11-desk-0-root Succeeded', async () => {
      const d = await dvNamed('win11-desk-0-root');
      return d?.status?.phase === 'Succeeded' ? d : undefined;
    });
    const vm = await vmWhen('win11-desk-0', 'Stopped', printable('Stopped'));
    expect(dv.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'VirtualMachine', name: 'win11-desk-0', uid: vm.metadata.uid, controller: true }),
    ]);
    expect(dv.metadata.labels).toEqual({ 'kubevirt.io/created-by': vm.metadata.uid });
    // The DataSource is resolved into the PVC to clone, as virt-controller does.
    expect(dv.spec.sourceRef).toBeUndefined();
    expect(dv.spec.source).toEqual({ pvc: { name: 'win11-golden-disk', namespace: namespace() } });
    expect(dv.spec.storage).toEqual(manifest.spec.dataVolumeTemplates[0].spec.storage);
    expect(dv.status).toMatchObject({ phase: 'Succeeded', progress: '100.0%', claimName: 'win11-desk-0-root' });
    expect(condition(dv, 'Ready')).toMatchObject({ status: 'True' });
    await recorded('the clone phases', () => rec.phases('DataVolume', 'win11-desk-0-root').length === 3);
    expect(rec.phases('DataVolume', 'win11-desk-0-root')).toEqual(['CloneScheduled', 'CloneInProgress', 'Succeeded']);
    await went(rec, 'win11-desk-0', ['Provisioning', 'Stopped']);
    expect(rec.uids('VirtualMachineInstance', 'win11-desk-0')).toEqual([]);

    await apply({ ...manifest, spec: { ...manifest.spec, runStrategy: 'Always' } });
    const running = await vmWhen('win11-desk-0', 'Running', (v) => printable('Running')(v) && v.status.ready);
    const vmi = await vmiNamed('win11-desk-0');
    expect(vmi.spec.volumes[0]).toEqual({ name: 'root', dataVolume: { name: 'win11-desk-0-root' } });
    expect(vmi.status.guestOSInfo).toMatchObject({ id: 'mswindows' });
    expect(condition(running, 'DataVolumesReady')).toMatchObject({ status: 'True', reason: 'AllDVsReady' });
    expect(condition(running, 'LiveMigratable')).toMatchObject({ status: 'False', reason: 'DisksNotLiveMigratable' });
    rec.stop();
  });

  it('with runStrategy Always, reports a missing DataSource, then is Provisioning, Starting and Running once it exists', async () => {
    const rec = await recorder();
    await apply(await windowsVM('Always'));
    const failing = await vmWhen('win11-desk-0', 'Failure condition', (v) => condition(v, 'Failure') !== undefined);
    expect(condition(failing, 'Failure')).toMatchObject({
      status: 'True',
      reason: 'FailedCreate',
      message:
        'Error encountered while creating DataVolumes: unable to create DataVolume manifest: datasources.cdi.kubevirt.io "win11-golden" not found',
    });
    expect(failing.status.printableStatus).toBe('Stopped');

    await createGoldenImage();
    const vm = await vmWhen('win11-desk-0', 'Running', (v) => printable('Running')(v) && v.status.ready);
    expect(condition(vm, 'Failure')).toBeUndefined();
    // The VMI only comes once the disk is populated: Provisioning, then Starting, then Running.
    await went(rec, 'win11-desk-0', ['Stopped', 'Provisioning', 'Starting', 'Running']);
    expect(rec.printableStatuses('win11-desk-0').indexOf('Starting')).toBeGreaterThan(
      rec.printableStatuses('win11-desk-0').lastIndexOf('Provisioning'),
    );
    rec.stop();
  });

  it('NeverReady: the VMI stays Scheduled and the VM Starting, until the annotation goes', async () => {
    await apply(await linuxVM('never', { [FAILURE]: 'NeverReady' }));
    await until('VMI Scheduled', async () =>
      (await vmiNamed('never'))?.status?.phase === 'Scheduled' ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 5 * DELAYS.bootDelayMs));
    const vmi = await vmiNamed('never');
    expect(vmi.status.phase).toBe('Scheduled');
    expect(condition(vmi, 'Ready')).toMatchObject({ status: 'False', reason: 'GuestNotRunning' });
    const vm = await vmNamed('never');
    expect(vm.status).toMatchObject({ printableStatus: 'Starting', ready: false, created: true });

    // Applying without the annotation removes it (same field manager).
    await apply(await linuxVM('never'));
    await vmWhen('never', 'Running', (v) => printable('Running')(v) && v.status.ready);
  });

  it('CloneFails: the DataVolume fails, the VM shows DataVolumeError and never gets a VMI', async () => {
    await createGoldenImage();
    await apply(await windowsVM('Always', { [FAILURE]: 'CloneFails' }));
    const vm = await vmWhen('win11-desk-0', 'DataVolumeError', printable('DataVolumeError'));
    const dv = await dvNamed('win11-desk-0-root');
    expect(dv.status.phase).toBe('Failed');
    expect(condition(dv, 'Running')).toMatchObject({ status: 'False', reason: 'Error' });
    expect(vm.status).toMatchObject({ ready: false, created: false });
    await new Promise((r) => setTimeout(r, 3 * DELAYS.bootDelayMs));
    expect(await vmiNamed('win11-desk-0')).toBeUndefined();
    expect((await vmNamed('win11-desk-0')).status.printableStatus).toBe('DataVolumeError');
  });

  it('CrashLoop: VMIs fail again and again, the VM shows CrashLoopBackOff and counts the failures', async () => {
    const rec = await recorder();
    await apply(await linuxVM('crash', { [FAILURE]: 'CrashLoop' }));
    const vm = await vmWhen(
      'crash',
      'CrashLoopBackOff after two failures',
      (v) => printable('CrashLoopBackOff')(v) && v.status.startFailure?.consecutiveFailCount >= 2,
    );
    expect(vm.status.ready).toBe(false);
    expect(Date.parse(vm.status.startFailure.retryAfterTimestamp)).toBeGreaterThan(
      Date.parse(vm.metadata.creationTimestamp),
    );
    await recorded('two VMIs', () => rec.uids('VirtualMachineInstance', 'crash').length >= 2);
    expect(rec.phases('VirtualMachineInstance', 'crash')).not.toContain('Running');
    await went(rec, 'crash', ['Starting', 'CrashLoopBackOff', 'Starting', 'CrashLoopBackOff']);
    rec.stop();
  });

  it('a template change on a running VM asks for a restart, which the next start applies', async () => {
    const manifest = await linuxVM();
    await apply(manifest);
    const first = await vmWhen('fedora-desk-0', 'Running', (v) => printable('Running')(v) && v.status.ready);
    const changed = structuredClone(manifest);
    changed.spec.template.spec.domain.cpu.cores = 4;
    await apply(changed);
    const pending = await vmWhen(
      'fedora-desk-0',
      'RestartRequired',
      (v) => condition(v, 'RestartRequired')?.status === 'True',
    );
    expect(pending.status.desiredGeneration).toBe(pending.metadata.generation);
    expect(pending.status.observedGeneration).toBe(first.metadata.generation);
    expect((await vmiNamed('fedora-desk-0')).spec.domain.cpu.cores).toBe(2);

    await apply({ ...changed, spec: { ...changed.spec, runStrategy: 'Halted' } });
    await vmWhen('fedora-desk-0', 'Stopped', (v) => printable('Stopped')(v) && !v.status.created);
    await apply(changed);
    const restarted = await vmWhen('fedora-desk-0', 'Running', (v) => printable('Running')(v) && v.status.ready);
    expect(condition(restarted, 'RestartRequired')).toBeUndefined();
    expect(restarted.status.observedGeneration).toBe(restarted.metadata.generation);
    expect((await vmiNamed('fedora-desk-0')).spec.domain.cpu.cores).toBe(4);
  });

  it('deleting a VM takes its VMI and, through the garbage collector, its DataVolume', async () => {
    const rec = await recorder();
    await createGoldenImage();
    await apply(await windowsVM('Always'));
    await vmWhen('win11-desk-0', 'Running', (v) => printable('Running')(v) && v.status.ready);

    await api().deleteNamespacedCustomObject({
      ...kv,
      namespace: namespace(),
      plural: 'virtualmachines',
      name: 'win11-desk-0',
    });
    await until('VM, VMI and DataVolume gone', async () => {
      const [vm, vmi, dv] = await Promise.all([
        vmNamed('win11-desk-0'),
        vmiNamed('win11-desk-0'),
        dvNamed('win11-desk-0-root'),
      ]);
      return vm || vmi || dv ? undefined : true;
    });
    await recorded('Terminating', () => rec.printableStatuses('win11-desk-0').includes('Terminating'));
    await recorded(
      'the VMI Succeeded',
      () => rec.phases('VirtualMachineInstance', 'win11-desk-0').at(-1) === 'Succeeded',
    );
    rec.stop();
  });

  it('a restarted simulator carries on from what the objects say', async () => {
    await sim?.stop();
    sim = await startSim({ cloneDelayMs: 3000 });
    await createGoldenImage();
    await apply(await windowsVM('Always'));
    await until('clone in progress', async () =>
      (await dvNamed('win11-desk-0-root'))?.status?.phase === 'CloneInProgress' ? true : undefined,
    );
    await sim.stop();
    await new Promise((r) => setTimeout(r, 500));
    expect((await dvNamed('win11-desk-0-root')).status.phase).toBe('CloneInProgress');
    expect((await vmNamed('win11-desk-0')).status.printableStatus).toBe('Provisioning');

    sim = await startSim();
    const vm = await vmWhen('win11-desk-0', 'Running', (v) => printable('Running')(v) && v.status.ready);
    expect(vm.status.created).toBe(true);
    expect((await dvNamed('win11-desk-0-root')).status.phase).toBe('Succeeded');
  });
});
