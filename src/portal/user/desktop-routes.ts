// What a person does with a desktop they hold, each as the person so RBAC and the admission
// policy decide: power (KubeVirt's start, stop and restart subresources), "I'm still here" (the
// activity annotation on their claim) and a .rdp file for native clients. POSTs pass the portal's
// CSRF check (security.ts) like every state-changing request; the .rdp file is a GET that changes
// nothing, so a plain download link can fetch it.

import { CustomObjectsApi } from '@kubernetes/client-node';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CLAIMS } from '../../api/desktopclaim.js';
import { reportActivity } from '../activity.js';
import { ActivityAnswer, type ApiError, ClaimParams, DesktopParams } from '../api-types.js';
import type { ClaimObject } from '../claim-view.js';
import { rdpAddress, rdpFile, rdpFileName } from '../console/rdp-file.js';
import { powerAction } from '../vms.js';
import type { AsPerson } from './routes.js';

export interface DesktopRoutesOptions {
  asPerson: AsPerson;
  refuse: (reply: FastifyReply, status: number, body: ApiError) => unknown;
  /** Template of the address a .rdp file names (console/rdp-file.ts). */
  rdpAddress: string;
}

export function desktopRoutes(app: FastifyInstance, options: DesktopRoutesOptions): void {
  const { asPerson, refuse } = options;

  app.post(
    '/api/desktops/:namespace/:name/:action',
    asPerson(async (kc, request, reply) => {
      const params = DesktopParams.safeParse(request.params);
      if (!params.success) return refuse(reply, 400, { error: 'not a desktop and an action', kind: 'invalid' });
      const { namespace, name, action } = params.data;
      await powerAction(kc, namespace, name, action);
      request.log.info({ desktop: `${namespace}/${name}`, action }, 'desktop power action');
      return reply.code(204).send();
    }),
  );

  app.post(
    '/api/claims/:namespace/:name/activity',
    asPerson(async (kc, request, reply) => {
      const params = ClaimParams.safeParse(request.params);
      if (!params.success) return refuse(reply, 400, { error: 'not a claim name', kind: 'invalid' });
      const activity = await reportActivity(kc, params.data.namespace, params.data.name);
      request.log.debug({ claim: `${params.data.namespace}/${params.data.name}` }, 'activity reported');
      return reply.send(ActivityAnswer.parse({ activity }));
    }),
  );

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
      const address = rdpAddress(options.rdpAddress, { namespace, desktop, service });
      return reply
        .type('application/x-rdp; charset=utf-8')
        .header('content-disposition', `attachment; filename="${rdpFileName(desktop)}"`)
        .send(rdpFile(address));
    }),
  );
}
