// The API calls virt-api makes: it reads the VM and VMI fresh for every request (no cache) and
// writes as virt-api, with the admin's credentials standing in for its service account.
import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { isNotFound, MIGRATIONS, type Resource, VIRTUAL_MACHINE_INSTANCES, VIRTUAL_MACHINES } from '../kube.js';
import type { Migration, VirtualMachine, VirtualMachineInstance } from '../types.js';
import type { LifecycleWrite } from './lifecycle.js';

/** The field manager virt-api's client shows in managedFields (its user agent). */
export const VIRT_API = 'virt-api';

export class VirtApiClient {
  private readonly custom: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  getVM(namespace: string, name: string): Promise<VirtualMachine | undefined> {
    return this.get<VirtualMachine>(VIRTUAL_MACHINES, namespace, name);
  }

  getVMI(namespace: string, name: string): Promise<VirtualMachineInstance | undefined> {
    return this.get<VirtualMachineInstance>(VIRTUAL_MACHINE_INSTANCES, namespace, name);
  }

  /**
   * Upstream sends a JSON patch that tests the field it decided on. Here: a merge patch guarded by
   * the VM's resourceVersion (a conflict is sorted out by the caller, see subresources.ts).
   */
  async writeVM(vm: VirtualMachine, write: LifecycleWrite, dryRun: boolean): Promise<void> {
    const metadata = { resourceVersion: vm.metadata.resourceVersion };
    const request = {
      group: VIRTUAL_MACHINES.group,
      version: VIRTUAL_MACHINES.version,
      plural: VIRTUAL_MACHINES.plural,
      namespace: vm.metadata.namespace,
      name: vm.metadata.name,
      fieldManager: VIRT_API,
      ...(dryRun ? { dryRun: 'All' } : {}),
    };
    const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    if (write.kind === 'spec') {
      await this.custom.patchNamespacedCustomObject(
        { ...request, body: { metadata, spec: { [write.field]: write.value } } },
        options,
      );
      return;
    }
    const status: Record<string, unknown> = { stateChangeRequests: write.stateChangeRequests };
    if (write.clearStartFailure) status.startFailure = null;
    await this.custom.patchNamespacedCustomObjectStatus({ ...request, body: { metadata, status } }, options);
  }

  /** addvolume/removevolume: the VM's pending volume requests, guarded by its resourceVersion (hotplug.ts). */
  async writeVolumeRequests(vm: VirtualMachine, volumeRequests: unknown[]): Promise<void> {
    await this.custom.patchNamespacedCustomObjectStatus(
      {
        group: VIRTUAL_MACHINES.group,
        version: VIRTUAL_MACHINES.version,
        plural: VIRTUAL_MACHINES.plural,
        namespace: vm.metadata.namespace,
        name: vm.metadata.name,
        fieldManager: VIRT_API,
        body: { metadata: { resourceVersion: vm.metadata.resourceVersion }, status: { volumeRequests } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /** Stop with a grace period shortens the VMI's terminationGracePeriodSeconds first. */
  async setGracePeriod(vmi: VirtualMachineInstance, seconds: number, dryRun: boolean): Promise<void> {
    await this.custom.patchNamespacedCustomObject(
      {
        group: VIRTUAL_MACHINE_INSTANCES.group,
        version: VIRTUAL_MACHINE_INSTANCES.version,
        plural: VIRTUAL_MACHINE_INSTANCES.plural,
        namespace: vmi.metadata.namespace,
        name: vmi.metadata.name,
        fieldManager: VIRT_API,
        body: { spec: { terminationGracePeriodSeconds: seconds } },
        ...(dryRun ? { dryRun: 'All' } : {}),
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /** The VMI's migrations (upstream looks them up by the webhook's `kubevirt.io/vmi-name` label; spec covers unlabelled ones). */
  async listMigrations(namespace: string, vmiName: string): Promise<Migration[]> {
    const list = (await this.custom.listNamespacedCustomObject({
      group: MIGRATIONS.group,
      version: MIGRATIONS.version,
      plural: MIGRATIONS.plural,
      namespace,
    })) as { items: Migration[] };
    return list.items.filter((m) => m.spec?.vmiName === vmiName);
  }

  async createMigration(migration: Migration, dryRun: boolean): Promise<Migration> {
    return (await this.custom.createNamespacedCustomObject({
      group: MIGRATIONS.group,
      version: MIGRATIONS.version,
      plural: MIGRATIONS.plural,
      namespace: migration.metadata.namespace,
      body: migration,
      ...(dryRun ? { dryRun: 'All' } : {}),
    })) as Migration;
  }

  private async get<T>(resource: Resource, namespace: string, name: string): Promise<T | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({
        group: resource.group,
        version: resource.version,
        plural: resource.plural,
        namespace,
        name,
      })) as T;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
