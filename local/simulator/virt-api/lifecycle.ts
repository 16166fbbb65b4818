// What virt-api's start, stop and restart subresources decide (KubeVirt v1.9,
// pkg/virt-api/rest/lifecycle.go), as pure functions: given the VM and VMI as read and the request
// body, either a refusal (the same Status virt-api writes) or the one write to make. The handler
// in subresources.ts performs the write; virt-controller (the simulator) does the rest.
import { deepEqual, hasCondition, isFinal, runStrategyOf } from '../status.js';
import type { StateChangeRequest, VirtualMachine, VirtualMachineInstance } from '../types.js';
import { badRequest, conflict, internalError, notFound, type StatusError } from './errors.js';

export const LIFECYCLE_ACTIONS = ['start', 'stop', 'restart'] as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number];

/**
 * The write virt-api makes. Upstream sends a JSON patch that first `test`s the field it decided on;
 * `guard` is that test: the write applies only while it still holds (see subresources.ts).
 */
export type LifecycleWrite =
  | { kind: 'spec'; field: 'runStrategy' | 'running'; value: string | boolean; guard: unknown }
  | {
      kind: 'status';
      stateChangeRequests: StateChangeRequest[];
      /** `remove /status/startFailure`: a start request resets the crash-loop backoff. */
      clearStartFailure: boolean;
      guard: StateChangeRequest[] | undefined;
    };

export interface LifecyclePlan {
  /** Stop with a gracePeriod first sets the VMI's terminationGracePeriodSeconds (even if it then refuses). */
  vmiGracePeriodSeconds?: number;
  refusal?: StatusError;
  write?: LifecycleWrite;
  /** From the body's `dryRun` (["All"]): the API server validates the writes but persists nothing. */
  dryRun: boolean;
}

export interface Options {
  dryRun?: string[];
  paused?: boolean;
  gracePeriod?: number;
  gracePeriodSeconds?: number;
}

const MANUAL_RECOVERY_REQUIRED =
  'VM recovery required: Volume migration failed, leaving some volumes pointing to non-consistent targets; manual intervention is needed to reassign them to their original volumes.';
const VM_NOT_RUNNING = 'VM is not running';

/** `name` is the one in the path: the VM may not exist. */
export function decide(
  action: LifecycleAction,
  name: string,
  vm: VirtualMachine | undefined,
  vmi: VirtualMachineInstance | undefined,
  body: string,
): LifecyclePlan {
  switch (action) {
    case 'start':
      return decideStart(name, vm, vmi, body);
    case 'stop':
      return decideStop(name, vm, vmi, body);
    case 'restart':
      return decideRestart(name, vm, vmi, body);
  }
}

/** StartVMRequestHandler: the order of the checks is upstream's, so the same request gets the same refusal. */
function decideStart(
  name: string,
  vm: VirtualMachine | undefined,
  vmi: VirtualMachineInstance | undefined,
  body: string,
): LifecyclePlan {
  if (!vm) return refuse(notFound('virtualmachine', name));
  const phase = vmi?.status?.phase ?? '';
  if (vmi && !isFinal(vmi) && phase !== 'Unknown' && phase !== '') {
    return refuse(conflict('virtualmachine', name, 'VM is already running'));
  }
  if (hasCondition(vm.status?.conditions, 'ManualRecoveryRequired', 'True')) {
    return refuse(conflict('virtualmachine', name, MANUAL_RECOVERY_REQUIRED));
  }
  const parsed = parseOptions(body);
  if (!parsed.ok) return refuse(parsed.refusal);
  const options = parsed.options;
  const dryRun = isDryRun(options);
  const data = options.paused ? { paused: 'true' } : undefined;
  const start: StateChangeRequest = data ? { action: 'Start', data } : { action: 'Start' };

  const runStrategy = runStrategyOf(vm);
  if (runStrategy === undefined) return refuse(mutuallyExclusive());
  switch (runStrategy) {
    case 'Halted':
      // A paused start is a request: virt-controller sets runStrategy itself when it sees it.
      if (options.paused) return changeRequests(vm, [start], dryRun);
      return { dryRun, write: runningWrite(vm, true) };
    case 'RerunOnFailure':
    case 'Manual': {
      const final = vmi !== undefined && isFinal(vmi);
      if (runStrategy === 'RerunOnFailure' && phase === 'Failed') {
        return refuse(
          conflict('virtualmachine', name, 'RerunOnFailure does not support starting VM from failed state'),
        );
      }
      const needsRestart = runStrategy === 'RerunOnFailure' ? vmi !== undefined && phase === 'Succeeded' : final;
      const changes: StateChangeRequest[] = needsRestart
        ? [{ action: 'Stop', uid: vmi?.metadata.uid }, start]
        : [start];
      return changeRequests(vm, changes, dryRun);
    }
    case 'Always':
    case 'Once':
      return refuse(conflict('virtualmachine', name, `${runStrategy} does not support manual start requests`));
    default:
      // An unknown strategy matches no case upstream: accepted, nothing written.
      return { dryRun };
  }
}

/** StopVMRequestHandler. */
function decideStop(
  name: string,
  vm: VirtualMachine | undefined,
  vmi: VirtualMachineInstance | undefined,
  body: string,
): LifecyclePlan {
  const parsed = parseOptions(body);
  if (!parsed.ok) return refuse(parsed.refusal);
  const options = parsed.options;
  const dryRun = isDryRun(options);
  if (!vm) return refuse(notFound('virtualmachine', name));
  const runStrategy = runStrategyOf(vm);
  if (runStrategy === undefined) return refuse(mutuallyExclusive());

  const running = vmi !== undefined && !isFinal(vmi);
  const plan: LifecyclePlan = { dryRun };
  const oldGrace = vmi?.spec.terminationGracePeriodSeconds;
  if (running && options.gracePeriod !== undefined) plan.vmiGracePeriodSeconds = options.gracePeriod;

  switch (runStrategy) {
    case 'Halted':
      if (!running) return { ...plan, refusal: conflict('virtualmachine', name, VM_NOT_RUNNING) };
      if (options.gracePeriod === undefined || (typeof oldGrace === 'number' && options.gracePeriod >= oldGrace)) {
        return {
          ...plan,
          refusal: conflict(
            'virtualmachine',
            name,
            'Halted only supports manual stop requests with a shorter graceperiod',
          ),
        };
      }
      return { ...plan, ...changeRequests(vm, [{ action: 'Stop', uid: vmi?.metadata.uid }], dryRun) };
    case 'RerunOnFailure':
    case 'Manual':
      // "Pass the buck": a stop request, so the VM keeps its runStrategy.
      if (!running) return { ...plan, refusal: conflict('virtualmachine', name, VM_NOT_RUNNING) };
      return { ...plan, ...changeRequests(vm, [{ action: 'Stop', uid: vmi?.metadata.uid }], dryRun) };
    case 'Always':
    case 'Once':
      return { ...plan, write: runningWrite(vm, false) };
    default:
      return plan;
  }
}

/** RestartVMRequestHandler: stop this VMI (by uid) and start a new one, in one request pair. */
function decideRestart(
  name: string,
  vm: VirtualMachine | undefined,
  vmi: VirtualMachineInstance | undefined,
  body: string,
): LifecyclePlan {
  const parsed = parseOptions(body);
  if (!parsed.ok) return refuse(parsed.refusal);
  const options = parsed.options;
  const dryRun = isDryRun(options);
  const grace = options.gracePeriodSeconds;
  if (grace !== undefined && grace > 0) {
    return refuse(badRequest('For force restart, only gracePeriod=0 is supported for now'));
  }
  if (grace !== undefined && grace < 0) return refuse(badRequest('gracePeriod has to be greater or equal to 0'));
  if (!vm) return refuse(notFound('virtualmachine', name));
  if (hasCondition(vm.status?.conditions, 'VolumesChange', 'True')) {
    return refuse(conflict('virtualmachine', name, MANUAL_RECOVERY_REQUIRED));
  }
  const runStrategy = runStrategyOf(vm);
  if (runStrategy === undefined) return refuse(mutuallyExclusive());
  if (runStrategy === 'Halted' || runStrategy === 'Once') {
    // "RunStategy" (sic): upstream's message.
    return refuse(
      conflict('virtualmachine', name, `RunStategy ${runStrategy} does not support manual restart requests`),
    );
  }
  if (!vmi) return refuse(conflict('virtualmachine', name, 'VM is not running: Halted'));
  // gracePeriodSeconds 0 would also delete the virt-launcher pod; there are no pods here.
  return changeRequests(vm, [{ action: 'Stop', uid: vmi.metadata.uid }, { action: 'Start' }], dryRun);
}

/**
 * getChangeRequestJson: requests are added when there are none; a lone Stop replaces whatever is
 * pending; anything else while requests are pending is refused (500, as upstream).
 */
function changeRequests(vm: VirtualMachine, changes: StateChangeRequest[], dryRun: boolean): LifecyclePlan {
  const pending = vm.status?.stateChangeRequests ?? [];
  const loneStop = changes.length === 1 && changes[0]?.action === 'Stop';
  if (pending.length > 0 && !loneStop) {
    return refuse(internalError('unable to complete request: stop/start already underway'));
  }
  return {
    dryRun,
    write: {
      kind: 'status',
      stateChangeRequests: changes,
      clearStartFailure: vm.status?.startFailure !== undefined && vm.status?.startFailure !== null,
      guard: vm.status?.stateChangeRequests,
    },
  };
}

/** getRunningPatch: runStrategy Always/Halted, or the deprecated `running` if that is what the VM uses. */
function runningWrite(vm: VirtualMachine, running: boolean): LifecycleWrite {
  if (vm.spec.runStrategy !== undefined) {
    return { kind: 'spec', field: 'runStrategy', value: running ? 'Always' : 'Halted', guard: vm.spec.runStrategy };
  }
  return { kind: 'spec', field: 'running', value: running, guard: vm.spec.running };
}

/** Whether the VM, as read again after a conflict, still passes the write's test. */
export function guardHolds(write: LifecycleWrite, vm: VirtualMachine): boolean {
  if (write.kind === 'spec') return deepEqual(vm.spec[write.field], write.guard);
  return deepEqual(vm.status?.stateChangeRequests ?? [], write.guard ?? []);
}

/** virt-api decodes the body with a YAML-or-JSON decoder; an empty body is fine. JSON only here. */
export function parseOptions(body: string): { ok: true; options: Options } | { ok: false; refusal: StatusError } {
  if (body.trim() === '') return { ok: true, options: {} };
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return { ok: true, options: parsed as Options };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { ok: false, refusal: badRequest(`Can not unmarshal Request body to struct, error: ${why}`) };
  }
}

export function isDryRun(options: Options): boolean {
  return Array.isArray(options.dryRun) && options.dryRun.includes('All');
}

/** A refusal before anything is written (dryRun is moot then). */
function refuse(refusal: StatusError): LifecyclePlan {
  return { dryRun: false, refusal };
}

function mutuallyExclusive(): StatusError {
  return internalError('running and runstrategy are mutually exclusive');
}
