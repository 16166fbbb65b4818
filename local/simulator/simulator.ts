// Wires the simulator together: list+watch caches (VirtualMachines, VirtualMachineInstances,
// DataVolumes; Nodes, migrations and PVCs for placement and live migration) whose events only
// enqueue keys, one work queue, and the reconcilers, which read the caches and write to the API
// server. Everything is level-triggered: a restarted simulator
// lists, enqueues every object and carries on from what the objects say.
import type { KubeConfig } from '@kubernetes/client-node';
import { type Context, Expectations, queueKey, type SimulatorConfig, StaleGuard, SyncFailure } from './context.js';
import { reconcileDataVolume } from './datavolumes.js';
import { reconcileNode } from './evacuation.js';
import { reconcileInstance } from './instances.js';
import {
  Api,
  DATA_VOLUMES,
  errorCode,
  MIGRATIONS,
  NODES,
  PERSISTENT_VOLUME_CLAIMS,
  VIRTUAL_MACHINE_INSTANCES,
  VIRTUAL_MACHINES,
} from './kube.js';
import { enqueueFor, reconcileMigration } from './migrations.js';
import { ensureNodes, NODE_GROUP_LABEL, type Node } from './nodes.js';
import { WorkQueue } from './queue.js';
import { Reflector } from './reflector.js';
import type { DesktopEndpoints } from './screen/endpoints.js';
import { timestamp } from './status.js';
import {
  controllerOf,
  type DataVolume,
  key,
  type Migration,
  type PersistentVolumeClaim,
  type VirtualMachine,
  type VirtualMachineInstance,
} from './types.js';
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
    else if (kind === 'vmim') await reconcileMigration(ctx, k);
    else if (kind === 'node') await reconcileNode(ctx, k.slice(1));
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
    enqueueFor(ctx, k);
    if (vmi.status?.nodeName) queue.add(queueKey.node(vmi.status.nodeName));
  };
  // A node that changes may take VMIs waiting for one, migration targets waiting for one, or be drained.
  const onNode = (_: string, node: Node) => {
    queue.add(queueKey.node(node.metadata.name));
    for (const vmi of ctx.vmis.list()) if (vmi.status?.phase === 'Scheduling') queue.add(queueKey.vmi(key(vmi)));
    for (const m of ctx.migrations.list()) if (m.status?.phase === 'Scheduling') queue.add(queueKey.vmim(key(m)));
  };
  const onMigration = (_: string, m: Migration) => {
    queue.add(queueKey.vmim(key(m)));
    const vmi = ctx.vmis.get(`${m.metadata.namespace}/${m.spec.vmiName}`);
    if (vmi?.status?.nodeName) queue.add(queueKey.node(vmi.status.nodeName));
  };
  // LiveMigratable follows the access modes of the claims a VMI uses.
  const onClaim = (_: string, pvc: PersistentVolumeClaim) => {
    for (const vmi of ctx.vmis.list(pvc.metadata.namespace)) {
      const uses = vmi.spec?.volumes?.some(
        (v) => v.persistentVolumeClaim?.claimName === pvc.metadata.name || v.dataVolume?.name === pvc.metadata.name,
      );
      if (uses) queue.add(queueKey.vmi(key(vmi)));
    }
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
    nodes: new Reflector<Node>(
      api,
      NODES,
      undefined,
      onNode,
      warn,
      (n) => n.metadata.labels?.[NODE_GROUP_LABEL] === config.nodeGroup,
    ),
    migrations: new Reflector<Migration>(api, MIGRATIONS, config.namespace, onMigration, warn, inScope),
    pvcs: new Reflector<PersistentVolumeClaim>(api, PERSISTENT_VOLUME_CLAIMS, config.namespace, onClaim, warn, inScope),
    queue,
    stale: new StaleGuard(),
    expectations,
    revisions: new Map(),
    log,
    desktops,
  };

  // Reconciles start once every cache holds a full list, so none acts on a partial picture.
  if (config.nodes > 0) await ensureNodes(api, config.nodeGroup, config.nodes);
  // A control plane without the migration CRD (an older CRD set) still runs VMs, without migrations.
  const migrationsServed = await api.list(MIGRATIONS, config.namespace).then(
    () => true,
    (err: unknown) => {
      if (errorCode(err) !== 404) throw err;
      warn('VirtualMachineInstanceMigration CRD not installed: live migration is off');
      return false;
    },
  );
  await Promise.all([
    ctx.vms.start(),
    ctx.vmis.start(),
    ctx.dvs.start(),
    ctx.nodes.start(),
    migrationsServed ? ctx.migrations.start() : undefined,
    ctx.pvcs?.start(),
  ]);
  queue.start(4);

  return {
    async stop() {
      ctx.vms.stop();
      ctx.vmis.stop();
      ctx.dvs.stop();
      ctx.nodes.stop();
      ctx.migrations.stop();
      ctx.pvcs?.stop();
      await queue.shutdown();
      await desktops?.closeAll();
    },
  };
}
