// The guest agent's answers: who is logged in (from the test's annotation), the guest info, and the
// refusals as upstream writes them (500, plain text).
import { describe, expect, it } from 'vitest';
import type { VirtualMachineInstance } from '../../../local/simulator/types.js';
import { PlainTextError } from '../../../local/simulator/virt-api/errors.js';
import { guestAgentInfo, LOGGED_IN_USERS_ANNOTATION, userList } from '../../../local/simulator/virt-api/guestagent.js';

function vmi(
  options: { phase?: string; agent?: boolean; users?: string; timezone?: string } = {},
): VirtualMachineInstance {
  const { phase = 'Running', agent = true, users, timezone } = options;
  return {
    metadata: {
      name: 'desk-0',
      namespace: 'ns',
      uid: 'u',
      resourceVersion: '1',
      ...(users === undefined ? {} : { annotations: { [LOGGED_IN_USERS_ANNOTATION]: users } }),
    },
    spec: { domain: timezone ? { clock: { timezone } } : {} },
    status: {
      phase,
      conditions: agent ? [{ type: 'AgentConnected', status: 'True' }] : [],
      guestOSInfo: { id: 'fedora', name: 'Fedora Linux' },
    },
  };
}

function refusal(fn: () => unknown): { code: number; text: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof PlainTextError) return { code: err.code, text: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('guest agent', () => {
  it('lists nobody without the annotation, and the annotation’s users with upstream’s omitempty fields', () => {
    expect(userList(vmi())).toEqual({ metadata: {}, items: [] });
    const users = JSON.stringify([
      { userName: 'alice', domain: '', loginTime: 1732540000.5 },
      { userName: 'bob', domain: 'CORP', loginTime: 0 },
    ]);
    expect(userList(vmi({ users })).items).toEqual([
      { userName: 'alice', loginTime: 1732540000.5 },
      { userName: 'bob', domain: 'CORP' },
    ]);
  });

  it('describes the guest: hostname, OS from the VMI status, timezone, users, no filesystems', () => {
    const users = JSON.stringify([{ userName: 'alice' }]);
    expect(guestAgentInfo(vmi({ users }))).toEqual({
      guestAgentVersion: '9.1.2',
      hostname: 'desk-0',
      os: { id: 'fedora', name: 'Fedora Linux' },
      timezone: 'UTC, 0',
      userList: [{ userName: 'alice' }],
      fsInfo: { disks: [] },
    });
    // A zone without daylight saving time, so the offset is fixed.
    expect(guestAgentInfo(vmi({ timezone: 'Asia/Kolkata' })).timezone).toBe('Asia/Kolkata, 19800');
    expect(guestAgentInfo(vmi())).not.toHaveProperty('userList');
  });

  it('refuses with a 500 and the Conflict’s text unless the VMI runs with its agent connected', () => {
    expect(refusal(() => userList(vmi({ phase: 'Scheduled' })))).toEqual({
      code: 500,
      text: 'Operation cannot be fulfilled on virtualmachineinstance.kubevirt.io "desk-0": VMI is not running',
    });
    expect(refusal(() => guestAgentInfo(vmi({ agent: false })))).toEqual({
      code: 500,
      text: 'Operation cannot be fulfilled on virtualmachineinstance.kubevirt.io "desk-0": VMI does not have guest agent connected',
    });
    expect(refusal(() => userList(vmi({ users: '{not json' }))).text).toMatch(/is not JSON/);
  });
});
