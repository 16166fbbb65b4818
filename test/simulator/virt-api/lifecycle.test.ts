// virt-api's start/stop/restart decisions (KubeVirt v1.9 lifecycle.go) for each runStrategy: the
// write it makes, or the refusal with upstream's status and message.
import { describe, expect, it } from 'vitest';
import type { VirtualMachine, VirtualMachineInstance } from '../../../local/simulator/types.js';
import { decide, guardHolds, type LifecycleAction } from '../../../local/simulator/virt-api/lifecycle.js';

function vm(spec: Partial<VirtualMachine['spec']>, status?: VirtualMachine['status']): VirtualMachine {
  return {
    metadata: { name: 'desk-0', namespace: 'ns', uid: 'vm-uid', resourceVersion: '1' },
    spec: { template: { spec: { domain: {} } }, ...spec },
    ...(status ? { status } : {}),
  };
}

function vmi(phase: string, spec: Partial<VirtualMachineInstance['spec']> = {}): VirtualMachineInstance {
  return {
    metadata: { name: 'desk-0', namespace: 'ns', uid: 'vmi-uid', resourceVersion: '2' },
    spec: { domain: {}, ...spec },
    status: { phase },
  };
}

const run = (
  action: LifecycleAction,
  machine: VirtualMachine | undefined,
  instance?: VirtualMachineInstance,
  body = '',
) => decide(action, 'desk-0', machine, instance, body);

/** The refusal as a client reads it. */
const refusal = (plan: ReturnType<typeof run>) =>
  plan.refusal && { code: plan.refusal.status.code, message: plan.refusal.status.message };
const conflict = (why: string) => ({
  code: 409,
  message: `Operation cannot be fulfilled on virtualmachine.kubevirt.io "desk-0": ${why}`,
});

describe('start', () => {
  it('turns a Halted VM into Always, guarded by the runStrategy it saw', () => {
    const plan = run('start', vm({ runStrategy: 'Halted' }));
    expect(plan.write).toEqual({ kind: 'spec', field: 'runStrategy', value: 'Always', guard: 'Halted' });
    expect(plan.refusal).toBeUndefined();
  });

  it('sets `running: true` on a VM that uses the deprecated field, and Halted when it has neither', () => {
    expect(run('start', vm({ running: false })).write).toMatchObject({ field: 'running', value: true });
    expect(run('start', vm({})).write).toMatchObject({ field: 'running', value: true, guard: undefined });
  });

  it('sends a Start request for Manual, and Stop(old uid)+Start after a finished VMI; clears startFailure', () => {
    expect(run('start', vm({ runStrategy: 'Manual' }, { printableStatus: 'Stopped' })).write).toEqual({
      kind: 'status',
      stateChangeRequests: [{ action: 'Start' }],
      clearStartFailure: false,
      guard: undefined,
    });
    const failed = vm(
      { runStrategy: 'Manual' },
      { startFailure: { consecutiveFailCount: 2, lastFailedVMIUID: 'x', retryAfterTimestamp: 'y' } },
    );
    expect(run('start', failed, vmi('Succeeded')).write).toMatchObject({
      stateChangeRequests: [{ action: 'Stop', uid: 'vmi-uid' }, { action: 'Start' }],
      clearStartFailure: true,
    });
  });

  it('starts paused through a request carrying data.paused, even when Halted', () => {
    expect(run('start', vm({ runStrategy: 'Halted' }), undefined, '{"paused":true}').write).toMatchObject({
      kind: 'status',
      stateChangeRequests: [{ action: 'Start', data: { paused: 'true' } }],
    });
  });

  it('refuses as virt-api does', () => {
    expect(refusal(run('start', undefined))).toEqual({
      code: 404,
      message: 'virtualmachine.kubevirt.io "desk-0" not found',
    });
    expect(refusal(run('start', vm({ runStrategy: 'Halted' }), vmi('Scheduling')))).toEqual(
      conflict('VM is already running'),
    );
    expect(refusal(run('start', vm({ runStrategy: 'Always' })))).toEqual(
      conflict('Always does not support manual start requests'),
    );
    expect(refusal(run('start', vm({ runStrategy: 'Once' })))).toEqual(
      conflict('Once does not support manual start requests'),
    );
    expect(refusal(run('start', vm({ runStrategy: 'RerunOnFailure' }), vmi('Failed')))).toEqual(
      conflict('RerunOnFailure does not support starting VM from failed state'),
    );
    expect(refusal(run('start', vm({ runStrategy: 'Manual' }, { stateChangeRequests: [{ action: 'Stop' }] })))).toEqual(
      {
        code: 500,
        message: 'Internal error occurred: unable to complete request: stop/start already underway',
      },
    );
    expect(refusal(run('start', vm({ runStrategy: 'Halted', running: true })))?.code).toBe(500);
    expect(refusal(run('start', vm({ runStrategy: 'Halted' }), undefined, '{oops'))?.code).toBe(400);
  });

  it('treats a VMI that has not been processed yet (no phase) as not running', () => {
    expect(run('start', vm({ runStrategy: 'Halted' }), vmi('')).write).toMatchObject({ value: 'Always' });
  });
});

describe('stop', () => {
  it('turns Always (and Once) into Halted', () => {
    expect(run('stop', vm({ runStrategy: 'Always' }), vmi('Running')).write).toEqual({
      kind: 'spec',
      field: 'runStrategy',
      value: 'Halted',
      guard: 'Always',
    });
    expect(run('stop', vm({ runStrategy: 'Once' })).write).toMatchObject({ value: 'Halted' });
  });

  it('sends Stop(uid) for Manual and RerunOnFailure, replacing whatever was pending', () => {
    const pending = vm({ runStrategy: 'RerunOnFailure' }, { stateChangeRequests: [{ action: 'Start' }] });
    expect(run('stop', pending, vmi('Running')).write).toEqual({
      kind: 'status',
      stateChangeRequests: [{ action: 'Stop', uid: 'vmi-uid' }],
      clearStartFailure: false,
      guard: [{ action: 'Start' }],
    });
  });

  it('refuses a VM that is not running, and Halted unless the grace period gets shorter', () => {
    expect(refusal(run('stop', vm({ runStrategy: 'Manual' })))).toEqual(conflict('VM is not running'));
    expect(refusal(run('stop', vm({ runStrategy: 'Manual' }), vmi('Succeeded')))).toEqual(
      conflict('VM is not running'),
    );
    expect(refusal(run('stop', vm({ runStrategy: 'Halted' }), vmi('Running')))).toEqual(
      conflict('Halted only supports manual stop requests with a shorter graceperiod'),
    );
    const terminating = vmi('Running', { terminationGracePeriodSeconds: 180 });
    const forced = run('stop', vm({ runStrategy: 'Halted' }), terminating, '{"gracePeriod":0}');
    expect(forced.vmiGracePeriodSeconds).toBe(0);
    expect(forced.write).toMatchObject({ stateChangeRequests: [{ action: 'Stop', uid: 'vmi-uid' }] });
    expect(refusal(run('stop', undefined, undefined))).toEqual({
      code: 404,
      message: 'virtualmachine.kubevirt.io "desk-0" not found',
    });
  });

  it('passes dryRun through', () => {
    expect(run('stop', vm({ runStrategy: 'Always' }), vmi('Running'), '{"dryRun":["All"]}').dryRun).toBe(true);
    expect(run('stop', vm({ runStrategy: 'Always' }), vmi('Running')).dryRun).toBe(false);
  });
});

describe('restart', () => {
  it('sends Stop(current uid) then Start', () => {
    expect(run('restart', vm({ runStrategy: 'Always' }), vmi('Running')).write).toMatchObject({
      stateChangeRequests: [{ action: 'Stop', uid: 'vmi-uid' }, { action: 'Start' }],
    });
  });

  it('refuses Halted and Once, a VM without VMI, and force restarts other than gracePeriodSeconds 0', () => {
    expect(refusal(run('restart', vm({ runStrategy: 'Halted' }), vmi('Running')))).toEqual(
      conflict('RunStategy Halted does not support manual restart requests'),
    );
    expect(refusal(run('restart', vm({ runStrategy: 'Always' })))).toEqual(conflict('VM is not running: Halted'));
    expect(refusal(run('restart', vm({ runStrategy: 'Always' }), vmi('Running'), '{"gracePeriodSeconds":5}'))).toEqual({
      code: 400,
      message: 'For force restart, only gracePeriod=0 is supported for now',
    });
    expect(
      run('restart', vm({ runStrategy: 'Always' }), vmi('Running'), '{"gracePeriodSeconds":0}').write,
    ).toBeDefined();
  });
});

describe('guardHolds', () => {
  it('holds while the decided-on field is unchanged, whatever else changed', () => {
    const write = run('start', vm({ runStrategy: 'Halted' })).write;
    if (!write) throw new Error('no write');
    expect(guardHolds(write, vm({ runStrategy: 'Halted' }, { printableStatus: 'Stopped' }))).toBe(true);
    expect(guardHolds(write, vm({ runStrategy: 'Always' }))).toBe(false);
    const request = run('start', vm({ runStrategy: 'Manual' })).write;
    if (!request) throw new Error('no write');
    expect(guardHolds(request, vm({ runStrategy: 'Manual' }, { ready: false }))).toBe(true);
    expect(guardHolds(request, vm({ runStrategy: 'Manual' }, { stateChangeRequests: [{ action: 'Start' }] }))).toBe(
      false,
    );
  });
});
