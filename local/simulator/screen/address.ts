// Where a simulated desktop can be reached: a loopback address of its own, derived from the VMI's
// uid, which the simulator reports as the VMI's IP (status.interfaces[].ipAddress) and listens on
// for the desktop's RDP (3389) and VNC (5900) servers. Every desktop has its own address, so
// parallel simulators on one machine never fight over a port, and a gateway dials exactly the IP
// the VMI names, as it would on a cluster. Pure.
import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';

export const RDP_PORT = 3389;
/**
 * The desktop's VNC server: the simulator's virt-api reaches it here, as virt-handler reaches the
 * VNC socket of virt-launcher on a node.
 */
export const VNC_PORT = 5900;

/**
 * 127.a.b.c from the uid (and the interface's index), c in 2..254: never 127.0.0.1 (this machine's
 * own services), never a .0 or .255. Two VMIs share an address about once in 8 million pairs: a
 * second listener then fails (and says so) rather than answering for the wrong desktop.
 */
export function desktopAddress(vmiUID: string, index = 0): string {
  const h = createHash('sha256').update(`${vmiUID}/ip/${index}`).digest();
  return `127.${h.readUInt8(0)}.${h.readUInt8(1)}.${2 + (h.readUInt8(2) % 253)}`;
}

/** Whether an address is one desktopAddress gives: what the simulator listens on (not 10.x, not 127.0.0.1). */
export function isDesktopAddress(ip: string | undefined): ip is string {
  if (!ip || !isIPv4(ip)) return false;
  const [first, , , last] = ip.split('.').map(Number) as [number, number, number, number];
  return first === 127 && last >= 2 && last <= 254;
}
