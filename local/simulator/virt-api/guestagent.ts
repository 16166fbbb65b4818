// The guest agent's answers, as virt-handler relays them for the `userlist` and `guestosinfo`
// subresources. There is no guest, so who is logged in is whatever a test wrote into the VMI
// annotation below; the rest is derived from the VMI. Pure functions.
import type { VirtualMachineInstance } from '../types.js';
import { conflict, PlainTextError } from './errors.js';

/**
 * Set by tests on the VMI: a JSON array `[{"userName":"alice","domain":"","loginTime":1732540000.5}]`
 * (loginTime in seconds since the epoch, as the guest agent reports it). Absent means nobody.
 */
export const LOGGED_IN_USERS_ANNOTATION = 'simulator.kubevdi.io/logged-in-users';

/** VirtualMachineInstanceGuestOSUser; `domain` and `loginTime` are omitempty upstream. */
export interface GuestOSUser {
  userName: string;
  domain?: string;
  loginTime?: number;
}

/**
 * vmiGuestAgentValidation. Upstream builds a 409 Conflict here, but the handler writes every error
 * with `response.WriteError(http.StatusInternalServerError, err)`: what reaches the caller is a 500
 * whose plain-text body is the Conflict's message. So does a missing VMI (its NotFound message).
 */
export function checkGuestAgent(vmi: VirtualMachineInstance): void {
  const name = vmi.metadata.name;
  if (vmi.status?.phase !== 'Running') {
    throw new PlainTextError(500, conflict('virtualmachineinstance', name, 'VMI is not running').message);
  }
  // HasCondition: present at all, whatever its status (the simulator removes it when the agent goes).
  if (!vmi.status.conditions?.some((c) => c.type === 'AgentConnected')) {
    throw new PlainTextError(
      500,
      conflict('virtualmachineinstance', name, 'VMI does not have guest agent connected').message,
    );
  }
}

export function loggedInUsers(vmi: VirtualMachineInstance): GuestOSUser[] {
  const raw = vmi.metadata.annotations?.[LOGGED_IN_USERS_ANNOTATION];
  if (raw === undefined || raw === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new PlainTextError(500, `simulator: annotation ${LOGGED_IN_USERS_ANNOTATION} is not JSON: ${String(err)}`);
  }
  if (!Array.isArray(parsed)) {
    throw new PlainTextError(500, `simulator: annotation ${LOGGED_IN_USERS_ANNOTATION} must be a JSON array`);
  }
  return parsed.map((entry: Partial<GuestOSUser>) => {
    const user: GuestOSUser = { userName: String(entry.userName ?? '') };
    if (entry.domain) user.domain = entry.domain;
    if (typeof entry.loginTime === 'number' && entry.loginTime !== 0) user.loginTime = entry.loginTime;
    return user;
  });
}

/** VirtualMachineInstanceGuestOSUserList, as virt-api re-encodes it (ListMeta is always present). */
export function userList(vmi: VirtualMachineInstance): { metadata: Record<string, never>; items: GuestOSUser[] } {
  checkGuestAgent(vmi);
  return { metadata: {}, items: loggedInUsers(vmi) };
}

/** VirtualMachineInstanceGuestAgentInfo: what qemu-guest-agent reports through virt-launcher. */
export function guestAgentInfo(vmi: VirtualMachineInstance): Record<string, unknown> {
  checkGuestAgent(vmi);
  const os = (vmi.status?.guestOSInfo ?? {}) as Record<string, string>;
  const users = loggedInUsers(vmi);
  return {
    guestAgentVersion: os.id === 'mswindows' ? '107.0.1' : '9.1.2',
    hostname: typeof vmi.spec.hostname === 'string' && vmi.spec.hostname ? vmi.spec.hostname : vmi.metadata.name,
    os,
    timezone: timezone(vmi),
    ...(users.length ? { userList: users } : {}),
    fsInfo: { disks: [] },
  };
}

/** virt-launcher formats the agent's guest-get-timezone as "<zone>, <offset seconds>". */
function timezone(vmi: VirtualMachineInstance, now = new Date()): string {
  const zone = vmi.spec.domain.clock?.timezone;
  if (typeof zone !== 'string' || zone === '') return 'UTC, 0';
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
      .formatToParts(now)
      .find((p) => p.type === 'timeZoneName')?.value;
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(part ?? '');
    if (!match) return `${zone}, 0`;
    const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60;
    return `${zone}, ${match[1] === '-' ? -seconds : seconds}`;
  } catch {
    return `${zone}, 0`;
  }
}
