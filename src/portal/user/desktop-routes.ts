// What a person does with a desktop they hold, each as the person so RBAC and the admission
// policy decide: power (KubeVirt's start, stop and restart subresources), "I'm still here" (the
// activity annotation on their claim); the .rdp file for native clients is the console's
// (console/rdp-routes.ts). POSTs pass the portal's CSRF check (security.ts) like every
// state-changing request.

import type { FastifyInstance } from 'fastify';
import { reportActivity } from '../activity.js';
import { ActivityAnswer, ClaimParams, DesktopParams } from '../api-types.js';
import type { AsPerson, Refuse } from '../person.js';
import { powerAction } from '../vms.js';

export interface DesktopRoutesOptions {
  asPerson: AsPerson;
  refuse: Refuse;
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
}
