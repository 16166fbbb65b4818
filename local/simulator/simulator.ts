// Wires the simulator together: three list+watch caches (VirtualMachines, VirtualMachineInstances,
// DataVolumes) whose events only enqueue keys, one work queue, and the three reconcilers, which read
// the caches and write to the API server. Everything is level-triggered: a restarted simulator
// lists, enqueues every object and carries on from what the objects say.
import type { KubeConfig } from '@kubernetes/client-node';
import { type Context, Expectations, queueKey, type SimulatorConfig, StaleGuard, SyncFailure } from './context.js';
import { reconcileDataVolume } from './datavolumes.js';
import { reconcileInstance } from './instances.js';
import { Api, DATA_VOLUMES, VIRTUAL_MACHINE_INSTANCES, VIRTUAL_MACHINES } from './kube.js';
import { WorkQueue } from './queue.js';
import { Reflector } from './reflector.js';
import type { DesktopEndpoints } from './screen/endpoints.js';
import { timestamp } from './status.js';
import { controllerOf, type DataVolume, key, type VirtualMachine, type VirtualMachineInstance } from './types.js';
import { reconcileVirtualMachine } from './virtualmachines.js';

export interface RunningSimulator {
  stop(): Promise<void>;
}

export async function runSimulator(
  kc: KubeConfig,
  config: SimulatorConfig,
  writeLine: (line: string) => void,
  /** With real screens (screen/setup.ts): the desktops' listeners, closed on stop. */
  desktops?: DesktopEndpoints,
): Promise<RunningSimulator> {
  const api = new Api(kc);
  const log = (kind: string, k: string, message: string) => writeLine(`${timestamp()} ${kind} ${k}: ${message}`);
  const warn = (message: string) => writeLine(`${timestamp()} ${message}`);

  const reconcile = async (item: string) => {
    const [kind, k = ''] = item.split('|');
    if (kind === 'vm') await reconcileVirtualMachine(ctx, k);
    else if (kind === 'vmi') await reconcileInstance(ctx, k);
    else if (kind === 'dv') await reconcileDataVolume(ctx, k);
  };
  const queue = new WorkQueue(reconcile, (item, err) => {
    if (err instanceof SyncFailure) return;
    warn(`error reconciling ${item.replace('|', ' ')}: ${err instanceof Error ? err.message : String(err)}`);
  });
  const expectations = new Expectations();

  const onVM = (_: string, vm: VirtualMachine) => {
    const k = key(vm);
    queue.add(queueKey.vm(k));
    queue.add(queueKey.vmi(k));
    for (const t of vm.spec?.dataVolumeTemplates ?? [])
      queue.add(queueKey.dv(`${vm.metadata.namespace}/${t.metadata.name}`));
  };
  const onVMI = (_: string, vmi: VirtualMachineInstance) => {
    expectations.observe(vmi.metadata.uid);
    const k = key(vmi);
    queue.add(queueKey.vmi(k));
    const ref = controllerOf(vmi);
    queue.add(queueKey.vm(ref?.kind === 'VirtualMachine' ? `${vmi.metadata.namespace}/${ref.name}` : k));
  };
  const onDV = (_: string, dv: DataVolume) => {
    expectations.observe(dv.metadata.uid);
    const ns = dv.metadata.namespace;
    const name = dv.metadata.name;
    queue.add(queueKey.dv(key(dv)));
    const ref = controllerOf(dv);
    if (ref?.kind === 'VirtualMachine') queue.add(queueKey.vm(`${ns}/${ref.name}`));
    for (const vm of ctx.vms.list(ns)) {
      const spec = vm.spec?.template?.spec;
      if (spec?.volumes?.some((v) => v.dataVolume?.name === name)) queue.add(queueKey.vm(key(vm)));
    }
    for (const vmi of ctx.vmis.list(ns)) {
      if (vmi.spec?.volumes?.some((v) => v.dataVolume?.name === name)) queue.add(queueKey.vmi(key(vmi)));
    }
  };

  const prefix = config.namespacePrefix;
  const inScope = prefix
    ? (o: { metadata: { namespace?: string } }) => !!o.metadata.namespace?.startsWith(prefix)
    : undefined;
  const ctx: Context = {
    config,
    api,
    vms: new Reflector<VirtualMachine>(api, VIRTUAL_MACHINES, config.namespace, onVM, warn, inScope),
    vmis: new Reflector<VirtualMachineInstance>(api, VIRTUAL_MACHINE_INSTANCES, config.namespace, onVMI, warn, inScope),
    dvs: new Reflector<DataVolume>(api, DATA_VOLUMES, config.namespace, onDV, warn, inScope),
    queue,
    stale: new StaleGuard(),
    expectations,
    revisions: new Map(),
    log,
    desktops,
  };

  // Reconciles start once every cache holds a full list, so none acts on a partial picture.
  await Promise.all([ctx.vms.start(), ctx.vmis.start(), ctx.dvs.start()]);
  queue.start(4);

  return {
    async stop() {
      ctx.vms.stop();
      ctx.vmis.stop();
      ctx.dvs.stop();
      await queue.shutdown();
      await desktops?.closeAll();
    },
  };
}
