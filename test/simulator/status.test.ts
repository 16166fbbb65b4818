// The simulator's pure parts: printableStatus precedence as virt-controller evaluates it, condition
// bookkeeping, crash-loop backoff, name-based UUIDs, and the work queue's guarantees.
import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../local/simulator/queue.js';
import {
  legacyFirmwareUUID,
  nextStartFailure,
  type PrintableFacts,
  printableStatus,
  runStrategyOf,
  setCondition,
  startBackoffMs,
  syncVMConditions,
  uuidV5,
} from '../../local/simulator/status.js';
import type { VirtualMachine, VirtualMachineInstance } from '../../local/simulator/types.js';

const vm = (extra: Partial<VirtualMachine['metadata']> = {}, spec: Partial<VirtualMachine['spec']> = {}) =>
  ({
    metadata: { name: 'desk-0', namespace: 'ns', uid: 'vm-uid', resourceVersion: '1', ...extra },
    spec: { runStrategy: 'Always', template: { spec: { domain: {} } }, ...spec },
  }) as VirtualMachine;

const vmi = (phase: string, extra: Partial<VirtualMachineInstance['metadata']> = {}, conditions = []) =>
  ({
    metadata: { name: 'desk-0', namespace: 'ns', uid: 'vmi-uid', resourceVersion: '1', ...extra },
    spec: { domain: {} },
    status: {
      phase,
      conditions,
      phaseTransitionTimestamps:
        phase === 'Running' ? [{ phase, phaseTransitionTimestamp: '2025-01-01T00:00:00Z' }] : [],
    },
  }) as VirtualMachineInstance;

const facts = (f: Partial<PrintableFacts> = {}): PrintableFacts => ({
  runStrategy: 'Always',
  startExpected: false,
  stopExpected: false,
  dataVolumeError: false,
  dataVolumeProvisioning: false,
  ...f,
});

describe('printableStatus', () => {
  it('follows virt-controller: the first matching status wins', () => {
    expect(printableStatus(vm({ deletionTimestamp: 'x' }), vmi('Running'), {}, facts())).toBe('Terminating');
    expect(printableStatus(vm(), vmi('Running', { deletionTimestamp: 'x' }), {}, facts())).toBe('Stopping');
    expect(printableStatus(vm(), vmi('Running'), {}, facts({ stopExpected: true }))).toBe('Stopping');
    expect(printableStatus(vm(), vmi('Running'), {}, facts({ dataVolumeProvisioning: true }))).toBe('Running');
    expect(printableStatus(vm(), undefined, {}, facts({ dataVolumeError: true, dataVolumeProvisioning: true }))).toBe(
      'DataVolumeError',
    );
    expect(printableStatus(vm(), undefined, {}, facts({ dataVolumeProvisioning: true, startExpected: true }))).toBe(
      'Provisioning',
    );
    expect(printableStatus(vm(), undefined, {}, facts({ startExpected: true }))).toBe('Starting');
    for (const phase of ['', 'Pending', 'Scheduling', 'Scheduled']) {
      expect(printableStatus(vm(), vmi(phase), {}, facts())).toBe('Starting');
    }
    const failed = { startFailure: { consecutiveFailCount: 1, lastFailedVMIUID: 'u', retryAfterTimestamp: 'x' } };
    expect(printableStatus(vm(), vmi('Failed'), failed, facts())).toBe('CrashLoopBackOff');
    expect(printableStatus(vm(), undefined, failed, facts())).toBe('CrashLoopBackOff');
    expect(printableStatus(vm(), undefined, failed, facts({ runStrategy: 'Halted' }))).toBe('Stopped');
    expect(printableStatus(vm(), vmi('Succeeded'), {}, facts())).toBe('Stopped');
    expect(printableStatus(vm(), undefined, {}, facts())).toBe('Stopped');
  });
});

describe('conditions', () => {
  it('keep their timestamps while status, reason and message stay the same', () => {
    const first = setCondition([], { type: 'Ready', status: 'False', reason: 'A', lastTransitionTime: 't1' });
    expect(setCondition(first, { type: 'Ready', status: 'False', reason: 'A', lastTransitionTime: 't2' })).toBe(first);
    expect(setCondition(first, { type: 'Ready', status: 'False', reason: 'B', lastTransitionTime: 't2' })).toEqual([
      { type: 'Ready', status: 'False', reason: 'B', lastTransitionTime: 't1' },
    ]);
    expect(setCondition(first, { type: 'Ready', status: 'True', lastTransitionTime: 't3' })).toEqual([
      { type: 'Ready', status: 'True', lastTransitionTime: 't3' },
    ]);
  });

  it('are copied from the VMI to the VM, except the VM-only ones', () => {
    const running = vmi('Running', {}, [
      { type: 'Ready', status: 'True' },
      { type: 'AgentConnected', status: 'True' },
    ] as never);
    const conds = syncVMConditions(
      [
        { type: 'RestartRequired', status: 'True' },
        { type: 'Paused', status: 'True' },
      ],
      running,
      undefined,
      0,
    );
    expect(conds.map((c) => c.type).sort()).toEqual(['AgentConnected', 'Ready', 'RestartRequired']);
    const none = syncVMConditions(conds, undefined, { reason: 'FailedCreate', message: 'm' }, 0);
    expect(none.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'VMINotExists' });
    expect(none.find((c) => c.type === 'Failure')).toMatchObject({ status: 'True', reason: 'FailedCreate' });
  });
});

describe('start failures', () => {
  it('count VMIs that failed before running, once each, and reset when one runs', () => {
    const one = nextStartFailure(undefined, vmi('Failed'), 'Always', 0, 1000);
    expect(one).toMatchObject({ consecutiveFailCount: 1, lastFailedVMIUID: 'vmi-uid' });
    expect(nextStartFailure(one, vmi('Failed'), 'Always', 0, 1000)).toBe(one);
    const two = nextStartFailure(one, vmi('Failed', { uid: 'other' }), 'Always', 0, 1000);
    expect(two?.consecutiveFailCount).toBe(2);
    expect(nextStartFailure(two, vmi('Running'), 'Always', 0, 1000)).toBeNull();
    expect(nextStartFailure(two, undefined, 'Halted', 0, 1000)).toBeNull();
  });

  it('back off quadratically, capped at 30 units', () => {
    for (let i = 0; i < 20; i++) {
      expect(startBackoffMs(1, 10)).toBeGreaterThanOrEqual(10);
      expect(startBackoffMs(1, 10)).toBeLessThanOrEqual(16);
      expect(startBackoffMs(2, 10)).toBeGreaterThanOrEqual(40);
      expect(startBackoffMs(9, 10)).toBe(300);
    }
  });
});

describe('identifiers', () => {
  it('name-based UUIDs match RFC 4122 (v5)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
    expect(legacyFirmwareUUID('desk-0')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5/);
  });

  it('runStrategy: running maps to Always/Halted, neither means Halted, both is an error', () => {
    expect(runStrategyOf(vm({}, { runStrategy: undefined, running: true }))).toBe('Always');
    expect(runStrategyOf(vm({}, { runStrategy: undefined }))).toBe('Halted');
    expect(runStrategyOf(vm({}, { runStrategy: 'Manual', running: true }))).toBeUndefined();
  });
});

describe('WorkQueue', () => {
  it('never runs a key twice at once, and runs it again if it was added meanwhile', async () => {
    const runs: string[] = [];
    let active = 0;
    let maxActive = 0;
    const queue = new WorkQueue(
      async (k) => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs.push(k);
        if (runs.length === 1) queue.add('a');
        await new Promise((r) => setTimeout(r, 10));
        active--;
      },
      () => undefined,
    );
    queue.add('a');
    queue.add('a');
    queue.start(4);
    await new Promise((r) => setTimeout(r, 60));
    await queue.shutdown();
    expect(runs).toEqual(['a', 'a']);
    expect(maxActive).toBe(1);
  });
});
