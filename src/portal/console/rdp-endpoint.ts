// Where the gateway may connect for one desktop, found as the person: never a host or port from
// the request (no SSRF), only the RDP endpoint of the desktop their claim holds. The desktop's
// VirtualMachine names its claim (annotation), the claim names the RDP Service (only pools with
// `rdp.enabled` have one), and the gateway's address template turns those — and, where it asks
// for {ip}, the address KubeVirt reports for the running instance — into host:port. The claim's
// pool says what the connection may carry besides the screen (rdp-policy.ts).
import { ApiException, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { CLAIM_ANNOTATION } from '../../api/annotations.js';
import { CLAIMS } from '../../api/desktopclaim.js';
import { VIRTUAL_MACHINE_INSTANCES, VIRTUAL_MACHINES } from '../../api/kubernetes-kinds.js';
import { POOLS } from '../../api/virtualdesktoppool.js';
import type { ClaimObject, PoolObject, VmObject } from '../kube-objects.js';
import { rdpAddress } from './rdp-file.js';
import { rdpPolicy } from './rdp-policy.js';
import type { RdpPolicy } from './rdp-protocol.js';

export const DEFAULT_RDP_UPSTREAM = '{service}.{namespace}.svc:3389';

export type RdpEndpoint =
  | { ok: true; host: string; port: number; claim: string; policy: RdpPolicy }
  | { ok: false; why: RdpUnreachable };

/** Why a desktop cannot be reached over RDP now, as the page words it. */
export type RdpUnreachable = 'forbidden' | 'not-found' | 'not-rdp' | 'not-running' | 'signed-out' | 'unavailable';

interface VmiObject {
  status?: { phase?: string; interfaces?: Array<{ ipAddress?: string }> };
}

export async function findRdpEndpoint(
  kc: KubeConfig,
  namespace: string,
  desktop: string,
  template: string,
): Promise<RdpEndpoint> {
  const api = kc.makeApiClient(CustomObjectsApi);
  try {
    const vm = (await api.getNamespacedCustomObject({ ...VIRTUAL_MACHINES, namespace, name: desktop })) as VmObject;
    const claimName = vm.metadata?.annotations?.[CLAIM_ANNOTATION];
    if (!claimName) return { ok: false, why: 'not-found' };
    const claim = (await api.getNamespacedCustomObject({ ...CLAIMS, namespace, name: claimName })) as ClaimObject;
    const service = claim.status?.connection?.rdpService;
    if (claim.status?.desktop?.name !== desktop) return { ok: false, why: 'not-found' };
    if (!service) return { ok: false, why: 'not-rdp' };
    if (vm.status?.printableStatus !== 'Running') return { ok: false, why: 'not-running' };
    let ip: string | undefined;
    if (template.includes('{ip}')) {
      const vmi = (await api.getNamespacedCustomObject({
        ...VIRTUAL_MACHINE_INSTANCES,
        namespace,
        name: desktop,
      })) as VmiObject;
      ip = vmi.status?.phase === 'Running' ? vmi.status.interfaces?.[0]?.ipAddress : undefined;
      if (!ip) return { ok: false, why: 'not-running' };
    }
    const { host, port } = splitAddress(rdpAddress(template, { namespace, desktop, service, ...(ip ? { ip } : {}) }));
    const poolName = claim.spec?.poolRef?.name;
    // A pool the person may not read (or that is gone) lets nothing through besides the screen.
    const pool = poolName
      ? ((await api.getNamespacedCustomObject({ ...POOLS, namespace, name: poolName }).catch(() => undefined)) as
          | PoolObject
          | undefined)
      : undefined;
    return { ok: true, host, port, claim: claimName, policy: rdpPolicy(pool) };
  } catch (err) {
    if (err instanceof ApiException) {
      if (err.code === 401) return { ok: false, why: 'signed-out' };
      if (err.code === 403) return { ok: false, why: 'forbidden' };
      if (err.code === 404) return { ok: false, why: 'not-found' };
    }
    return { ok: false, why: 'unavailable' };
  }
}

/** host:port, [v6]:port; throws on anything else (a template error shows at start, not here). */
export function splitAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) throw new Error(`"${address}" is not host:port`);
  return { host: (match[1] ?? match[2]) as string, port };
}
