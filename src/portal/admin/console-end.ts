// "End this connection", from the Sessions view: the administrator asks, as themself, by writing
// the console-end.kubevdi.io/<id> annotation on the claim (a ConsoleEndRequest) (only people who may change others'
// claims can: the admission policy keeps users to their own records). The portal replica carrying
// the connection follows the claim and closes it within moments; its audit line and the operator's
// Event name who asked, and so does the Event recorded here, as them. The person may connect again.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type ConsoleEndRequest, consoleEndAnnotation, consoleRecords, isConsoleId } from '../../api/console-record.js';
import { CLAIMS } from '../../api/desktopclaim.js';
import { GROUP, VERSION } from '../../api/meta.js';
import { type ApiError, ClaimParams } from '../api-types.js';
import type { ClaimObject } from '../kube-objects.js';
import type { AsPerson } from '../person.js';
import { whoami } from '../whoami.js';
import { recordAdminEvent } from './admin-events.js';

export interface ConsoleEndOptions {
  asPerson: AsPerson;
  refuse: (reply: FastifyReply, status: number, body: ApiError) => unknown;
}

export function consoleEndRoutes(app: FastifyInstance, { asPerson, refuse }: ConsoleEndOptions): void {
  app.post(
    '/api/admin/claims/:namespace/:name/consoles/:id/end',
    asPerson(async (kc, request, reply) => {
      const params = ClaimParams.safeParse(request.params);
      const id = String((request.params as { id?: string }).id ?? '');
      if (!params.success || !isConsoleId(id))
        return refuse(reply, 400, { error: 'not a console connection', kind: 'invalid' });
      const { namespace, name } = params.data;
      const custom = kc.makeApiClient(CustomObjectsApi);
      const claim = (await custom.getNamespacedCustomObject({ ...CLAIMS, namespace, name })) as ClaimObject & {
        metadata?: { uid?: string; resourceVersion?: string };
      };
      const entry = consoleRecords(claim.metadata?.annotations).find((e) => e.id === id);
      if (!entry || entry.record.ended)
        return refuse(reply, 404, { error: 'that connection has already ended', kind: 'not-found' });
      const { username } = await whoami(kc);
      const { record } = entry;
      const ask: ConsoleEndRequest = { by: username, at: new Date().toISOString() };
      await custom.patchNamespacedCustomObject(
        {
          ...CLAIMS,
          namespace,
          name,
          body: { metadata: { annotations: { [consoleEndAnnotation(id)]: JSON.stringify(ask) } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await recordAdminEvent(kc, request.log, {
        actor: username,
        namespace,
        involved: { apiVersion: `${GROUP}/${VERSION}`, kind: 'DesktopClaim', name, uid: claim.metadata?.uid },
        reason: 'ConsoleEndRequested',
        message: `${username} ended ${record.person}'s ${record.protocol.toUpperCase()} connection to desktop ${record.desktop} from the Admin Portal`,
      });
      request.log.info(
        {
          audit: 'console-end-requested',
          by: username,
          connection: id,
          person: record.person,
          desktop: `${namespace}/${record.desktop}`,
        },
        'console connection ended by an administrator',
      );
      return reply.code(202).send();
    }),
  );
}
