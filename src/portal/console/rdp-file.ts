// A `.rdp` file for native Remote Desktop clients (mstsc, Microsoft's apps, Remmina, FreeRDP), for
// pools with rdp.enabled. Pure.
//
// The clipboard and drives follow the pool's policy as far as a .rdp file can say it: it has no
// "one way", so the clipboard is on only when the pool allows both ways, and the person's drives
// are redirected only when files may go both ways. The person can edit the file: it is a courtesy,
// not a control; the desktop's own policies (and the portal's gateway, in the browser) enforce.
//
// The address: the operator names the desktop's Service in the claim (`rdp-<desktop>`, port 3389),
// and users may not read Services, so the portal cannot look up a node port or a load balancer.
// By default the file names the Service's cluster DNS name (`rdp-<desktop>.<namespace>.svc:3389`),
// which works from inside the cluster's network (a VPN, a jump host). Where RDP is exposed some
// other way (a gateway, per-desktop DNS), the portal's `rdpAddress` option is a template with
// {service}, {desktop} and {namespace} placeholders, e.g. `{desktop}.desktops.example.com:3389`.
// The portal's own RDP gateway uses the same kind of template for where it connects, where {ip}
// (the desktop's address as KubeVirt reports it) may stand in for the Service.

import type { TransferDirection } from '../../api/remote-desktop.js';

export const DEFAULT_RDP_ADDRESS = '{service}.{namespace}.svc:3389';

export interface RdpTarget {
  namespace: string;
  desktop: string;
  /** The Service the claim names in status.connection.rdpService. */
  service: string;
  /** The VirtualMachineInstance's first interface address, where the template asks for it. */
  ip?: string;
}

/** The address (host:port) for a desktop from the template; throws on a template that makes nonsense. */
export function rdpAddress(template: string, target: RdpTarget): string {
  const address = template.replace(
    /\{(service|desktop|namespace|ip)\}/g,
    // An IPv6 address goes in brackets, so the port after it stays apart.
    (_, key: keyof RdpTarget) =>
      key === 'ip' && target.ip?.includes(':') ? `[${target.ip}]` : (target[key] ?? `{${key}}`),
  );
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(address)) throw new Error(`the RDP address template gives "${address}"`);
  return address;
}

export interface RdpFileOptions {
  /** The pool's rdp.multipleMonitors: the client spans all of the person's monitors. */
  multipleMonitors?: boolean;
  /** The pool's rdp.clipboard and rdp.fileTransfer; without, neither. */
  clipboard?: TransferDirection;
  fileTransfer?: TransferDirection;
}

/** The file's text: one `name:type:value` per line, CRLF as Windows writes it. */
export function rdpFile(address: string, options: RdpFileOptions = {}): string {
  return `${[
    `full address:s:${address}`,
    'prompt for credentials:i:1',
    'administrative session:i:0',
    'screen mode id:i:2',
    `use multimon:i:${options.multipleMonitors ? 1 : 0}`,
    'dynamic resolution:i:1',
    'audiomode:i:0',
    `redirectclipboard:i:${options.clipboard === 'Both' ? 1 : 0}`,
    `drivestoredirect:s:${options.fileTransfer === 'Both' ? '*' : ''}`,
    'autoreconnection enabled:i:1',
    'authentication level:i:2',
  ].join('\r\n')}\r\n`;
}

/** The file's name: the desktop's, which is a DNS label and so safe in a header. */
export const rdpFileName = (desktop: string) => `${desktop}.rdp`;
