// The REST subresources: start/stop/restart on VirtualMachines (decided in lifecycle.ts, written
// here) and the guest agent's userlist/guestosinfo on VirtualMachineInstances. Each request reads
// the objects fresh from the API server, as virt-api does.
import { errorMessage, isConflict } from '../kube.js';
import type { VirtualMachine, VirtualMachineInstance } from '../types.js';
import { conflict, internalError, notFound, PlainTextError } from './errors.js';
import { guestAgentInfo, userList } from './guestagent.js';
import type { VirtApiClient } from './kube.js';
import { decide, guardHolds, type LifecycleAction } from './lifecycle.js';

/** A successful answer: JSON, or (for the lifecycle actions) 202 with no body, as virt-api sends it. */
export interface Reply {
  status: number;
  json?: unknown;
}

const ACCEPTED: Reply = { status: 202 };
/** Writes that lose a resourceVersion race are tried again this many times. */
const MAX_ATTEMPTS = 10;

export async function lifecycle(
  client: VirtApiClient,
  action: LifecycleAction,
  namespace: string,
  name: string,
  body: string,
): Promise<Reply> {
  const [vm, vmi] = await Promise.all([readVM(client, namespace, name), readVMI(client, namespace, name)]);
  const plan = decide(action, name, vm, vmi, body);
  if (plan.vmiGracePeriodSeconds !== undefined && vmi) {
    await client.setGracePeriod(vmi, plan.vmiGracePeriodSeconds, plan.dryRun).catch((err: unknown) => {
      throw internalError(errorMessage(err));
    });
  }
  if (plan.refusal) throw plan.refusal;
  const write = plan.write;
  if (!write || !vm) return ACCEPTED;

  // The status of a VM changes all the time (the controller writes it), so the resourceVersion
  // guard often loses. Upstream's JSON patch only tests the field it decided on; do the same: read
  // again and write again while that field is unchanged, refuse as upstream when it changed.
  let current: VirtualMachine = vm;
  for (let attempt = 1; ; attempt++) {
    try {
      await client.writeVM(current, write, plan.dryRun);
      return ACCEPTED;
    } catch (err) {
      if (!isConflict(err) || attempt >= MAX_ATTEMPTS) throw internalError(errorMessage(err));
    }
    const again = await readVM(client, namespace, name);
    if (!again) throw internalError(`virtualmachines.kubevirt.io "${name}" not found`);
    if (!guardHolds(write, again)) {
      throw conflict('virtualmachine', name, 'jsonpatch test operation does not apply');
    }
    current = again;
  }
}

export async function guestAgent(
  client: VirtApiClient,
  what: 'userlist' | 'guestosinfo',
  namespace: string,
  name: string,
): Promise<Reply> {
  let vmi: VirtualMachineInstance | undefined;
  try {
    vmi = await client.getVMI(namespace, name);
  } catch (err) {
    throw new PlainTextError(500, `Internal error occurred: unable to retrieve vmi [${name}]: ${errorMessage(err)}`);
  }
  // Like every failure of these two handlers upstream: 500 with the error's text.
  if (!vmi) throw new PlainTextError(500, notFound('virtualmachineinstance', name).message);
  return { status: 200, json: what === 'userlist' ? userList(vmi) : guestAgentInfo(vmi) };
}

async function readVM(client: VirtApiClient, namespace: string, name: string): Promise<VirtualMachine | undefined> {
  try {
    return await client.getVM(namespace, name);
  } catch (err) {
    throw internalError(`unable to retrieve vm [${name}]: ${errorMessage(err)}`);
  }
}

async function readVMI(
  client: VirtApiClient,
  namespace: string,
  name: string,
): Promise<VirtualMachineInstance | undefined> {
  try {
    return await client.getVMI(namespace, name);
  } catch (err) {
    throw internalError(errorMessage(err));
  }
}
