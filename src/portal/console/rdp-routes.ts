// GET /api/claims/:namespace/:name/rdp: a .rdp file for a native Remote Desktop client, for the
// desktop the person's claim holds (rdp-file.ts says what address it names). A GET that changes
// nothing, so a plain download link can fetch it; the claim is read as the person.
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { FastifyInstance } from 'fastify';
import { CLAIMS } from '../../api/desktopclaim.js';
import { POOLS } from '../../api/virtualdesktoppool.js';
import { ClaimParams } from '../api-types.js';
import type { ClaimObject, PoolObject } from '../kube-objects.js';
import type { AsPerson, Refuse } from '../person.js';
import { DEFAULT_RDP_ADDRESS, rdpAddress, rdpFile, rdpFileName } from './rdp-file.js';
import { rdpPolicy } from './rdp-policy.js';

export interface RdpRoutesOptions {
  asPerson: AsPerson;
  refuse: Refuse;
  /** Template of the address a .rdp file names (rdp-file.ts); default DEFAULT_RDP_ADDRESS. */
  rdpAddress: string | undefined;
}

/** Throws, so the portal does not start, when the address template cannot make an address. */
export function rdpRoutes(app: FastifyInstance, options: RdpRoutesOptions): void {
  const { asPerson, refuse } = options;
  const template = options.rdpAddress ?? DEFAULT_RDP_ADDRESS;
  // A template that cannot make an address fails at start, not at a person's download.
  rdpAddress(template, { namespace: 'ns', desktop: 'desktop-0', service: 'rdp-desktop-0' });

  app.get(
    '/api/claims/:namespace/:name/rdp',
    asPerson(async (kc, request, reply) => {
      const params = ClaimParams.safeParse(request.params);
      if (!params.success) return refuse(reply, 400, { error: 'not a claim name', kind: 'invalid' });
      const { namespace, name } = params.data;
      const claim = (await kc
        .makeApiClient(CustomObjectsApi)
        .getNamespacedCustomObject({ ...CLAIMS, namespace, name })) as ClaimObject;
      const desktop = claim.status?.desktop?.name;
      const service = claim.status?.connection?.rdpService;
      if (!desktop || !service)
        return refuse(reply, 404, { error: 'this desktop cannot be reached over RDP', kind: 'not-found' });
      const address = rdpAddress(template, { namespace, desktop, service });
      // Users may read pools; one they may not still gets a file: one monitor, no clipboard, no drives.
      const poolName = claim.spec?.poolRef?.name;
      const pool = poolName
        ? ((await kc
            .makeApiClient(CustomObjectsApi)
            .getNamespacedCustomObject({ ...POOLS, namespace, name: poolName })
            .catch(() => undefined)) as PoolObject | undefined)
        : undefined;
      return reply
        .type('application/x-rdp; charset=utf-8')
        .header('content-disposition', `attachment; filename="${rdpFileName(desktop)}"`)
        .send(rdpFile(address, { multipleMonitors: pool?.spec?.rdp?.multipleMonitors === true, ...rdpPolicy(pool) }));
    }),
  );
}
