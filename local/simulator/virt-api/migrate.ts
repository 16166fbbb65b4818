// `PUT virtualmachines/NAME/migrate` (pkg/virt-api/rest/lifecycle.go MigrateVMRequestHandler): the
// VM and its VMI must exist and the VMI run; then a VirtualMachineInstanceMigration
// `kubevirt-migrate-vm-*` is created for it (with `addedNodeSelector` and `dryRun` from the body),
// and the answer is 202 with no body. Creating it passes virt-api's own migration webhook upstream;
// the simulator has none, so the webhook's refusals are checked here and answered as the client's
// create error comes back through the handler: 500 `Internal error occurred: admission webhook
// "migration-create-validator.kubevirt.io" denied the request: Cannot migrate VMI, Reason:
// DisksNotLiveMigratable, Message: ...` (or the in-flight migration's message).
import { errorMessage } from '../kube.js';
import { activeMigrations, admissionRefusal } from '../migrations.js';
import type { Migration } from '../types.js';
import { conflict, internalError, notFound } from './errors.js';
import type { VirtApiClient } from './kube.js';
import { isDryRun, type Options, parseOptions } from './lifecycle.js';
import type { Reply } from './subresources.js';

const WEBHOOK = 'migration-create-validator.kubevirt.io';

export async function migrate(client: VirtApiClient, namespace: string, name: string, body: string): Promise<Reply> {
  const parsed = parseOptions(body);
  if (!parsed.ok) throw parsed.refusal;
  const options = parsed.options as Options & { addedNodeSelector?: Record<string, string> };
  const vm = await client.getVM(namespace, name).catch((err: unknown) => {
    throw internalError(`unable to retrieve vm [${name}]: ${errorMessage(err)}`);
  });
  if (!vm) throw notFound('virtualmachine', name);
  const vmi = await client.getVMI(namespace, name).catch((err: unknown) => {
    throw internalError(`unable to retrieve vmi [${name}]: ${errorMessage(err)}`);
  });
  if (!vmi) throw notFound('virtualmachineinstance', name);
  if (vmi.status?.phase !== 'Running') throw conflict('virtualmachine', name, 'VM is not running');

  const inFlight = activeMigrations(await client.listMigrations(namespace, name), namespace, name);
  const refusal = admissionRefusal(vmi, namespace, name, inFlight);
  if (refusal) throw internalError(`admission webhook "${WEBHOOK}" denied the request: ${refusal}`);
  const migration = {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachineInstanceMigration',
    metadata: { generateName: 'kubevirt-migrate-vm-', namespace },
    spec: { vmiName: name, ...(options.addedNodeSelector ? { addedNodeSelector: options.addedNodeSelector } : {}) },
  } as unknown as Migration;
  try {
    await client.createMigration(migration, isDryRun(options));
  } catch (err) {
    throw internalError(errorMessage(err));
  }
  return { status: 202 };
}
