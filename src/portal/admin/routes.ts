// The Admin Portal's JSON API: every read and every change as the signed-in person, so RBAC and
// the admission policy decide what each administrator sees and may do. What an administrator did
// to someone's desktop (force release, restart, stop, start) is also recorded as an Event, as them.

import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CLAIMS } from '../../api/desktopclaim.js';
import { VIRTUAL_MACHINE_INSTANCES, VIRTUAL_MACHINES } from '../../api/kubernetes-kinds.js';
import { GROUP, VERSION } from '../../api/meta.js';
import { POOLS } from '../../api/virtualdesktoppool.js';
import { VMTEMPLATES } from '../../api/vmtemplate.js';
import type { ApiError } from '../api-types.js';
import { ClaimParams, DesktopParams } from '../api-types.js';
import { isForbiddenOrMissing } from '../kube-errors.js';
import type { ClaimObject, PoolObject, TemplateObject } from '../kube-objects.js';
import type { AsPerson, PersonPage } from '../person.js';
import { listReadable } from '../readable.js';
import { openStreams, type StreamOptions } from '../sse.js';
import { powerAction } from '../vms.js';
import { serveBundle } from '../web-assets.js';
import { whoami } from '../whoami.js';
import { adminAccess, adminNamespaces } from './access.js';
import { recordAdminEvent } from './admin-events.js';
import { adminPage } from './admin-page.js';
import { changeRoutes } from './change-stream.js';
import { consoleEndRoutes } from './console-end.js';
import { eventRoutes } from './event-stream.js';
import { nodeMaintenanceRoutes } from './node-maintenance.js';
import { poolEditRoutes } from './pool-edit.js';
import { poolSchedule } from './pool-schedule.js';
import { profileDiskRoutes } from './profile-disks.js';
import {
  adminPool,
  desktopRows,
  hostRows,
  matchesUser,
  type NodeObject,
  overview,
  sessionRows,
  type VmiObject,
  type VmObject,
} from './summary.js';
import { templateEditRoutes } from './template-edit.js';
import { templateRoutes } from './templates.js';
import { AdminAccess, DesktopList, ForceRelease, HostList, Overview, SessionList } from './types.js';
import { yamlRoutes } from './yaml-routes.js';

export interface AdminRoutesOptions {
  asPerson: AsPerson;
  personPage: PersonPage;
  refuse: (reply: FastifyReply, status: number, body: ApiError) => unknown;
  namespaces: readonly string[];
  /** The caps and metrics of the Admin Portal's live updates (Events, changes). */
  streams: StreamOptions;
}

export function adminRoutes(app: FastifyInstance, options: AdminRoutesOptions): void {
  const { asPerson, refuse } = options;
  const assets = serveBundle(app, 'admin');

  // The Admin Portal's page: for people who administer something; everyone else has the User Portal.
  app.get(
    '/admin',
    options.personPage(async (kc, username, reply, name) => {
      const access = await adminAccess(kc, username, options.namespaces);
      if (!access.administers) return reply.redirect('/', 303);
      return adminPage(await assets, { username, name });
    }),
  );
  const where = (kc: KubeConfig) => adminNamespaces(kc, options.namespaces);
  const read = async <T>(kc: KubeConfig, kind: typeof CLAIMS) => listReadable<T>(kc, kind, await where(kc));

  app.get(
    '/api/admin/access',
    asPerson(async (kc) => AdminAccess.parse(await adminAccess(kc, (await whoami(kc)).username, options.namespaces))),
  );

  app.get(
    '/api/admin/overview',
    asPerson(async (kc) => {
      const [pools, templates, claims, desktops] = await Promise.all([
        read<PoolObject>(kc, POOLS),
        read<TemplateObject>(kc, VMTEMPLATES),
        read<ClaimObject>(kc, CLAIMS),
        read<VmObject>(kc, VIRTUAL_MACHINES),
      ]);
      return Overview.parse(overview({ pools, templates, claims, desktops }));
    }),
  );

  app.get(
    '/api/admin/pools/:namespace/:name/desktops',
    asPerson(async (kc, request, reply) => {
      const params = ClaimParams.safeParse(request.params);
      if (!params.success) return refuse(reply, 400, { error: 'not a pool name', kind: 'invalid' });
      const { namespace, name } = params.data;
      const custom = kc.makeApiClient(CustomObjectsApi);
      const labelSelector = `kubevdi.io/pool=${name}`;
      // Someone who may not list desktops or claims still sees the pool, without them.
      const hidden = <T>(read: Promise<{ items: T[] }>) =>
        read.catch((err: unknown) => {
          if (isForbiddenOrMissing(err)) return undefined;
          throw err;
        });
      const [pool, vms, vmis, claims] = await Promise.all([
        custom.getNamespacedCustomObject({ ...POOLS, namespace, name }) as Promise<PoolObject>,
        hidden(
          custom.listNamespacedCustomObject({ ...VIRTUAL_MACHINES, namespace, labelSelector }) as Promise<{
            items: VmObject[];
          }>,
        ),
        hidden(
          custom.listNamespacedCustomObject({ ...VIRTUAL_MACHINE_INSTANCES, namespace, labelSelector }) as Promise<{
            items: VmiObject[];
          }>,
        ),
        hidden(custom.listNamespacedCustomObject({ ...CLAIMS, namespace }) as Promise<{ items: ClaimObject[] }>),
      ]);
      return DesktopList.parse({
        pool: adminPool(pool, claims?.items ?? []),
        desktops: desktopRows(name, vms?.items ?? [], vmis?.items ?? [], claims?.items ?? []),
        desktopsVisible: vms !== undefined,
        schedule: poolSchedule(pool, new Date()),
      });
    }),
  );

  app.get(
    '/api/admin/sessions',
    asPerson(async (kc, request) => {
      const user = String((request.query as { user?: string }).user ?? '');
      const [claims, vmis] = await Promise.all([
        read<ClaimObject>(kc, CLAIMS),
        read<VmiObject>(kc, VIRTUAL_MACHINE_INSTANCES),
      ]);
      return SessionList.parse({ sessions: sessionRows(claims, vmis).filter((s) => matchesUser(s, user)) });
    }),
  );

  app.get(
    '/api/admin/hosts',
    asPerson(async (kc) => {
      const [nodes, vmis, claims] = await Promise.all([
        kc.makeApiClient(CoreV1Api).listNode(),
        read<VmiObject>(kc, VIRTUAL_MACHINE_INSTANCES),
        read<ClaimObject>(kc, CLAIMS),
      ]);
      return HostList.parse({ hosts: hostRows(nodes.items as NodeObject[], vmis, claims) });
    }),
  );

  // Force release: the claim goes (the operator logs the user off, takes the grant back and
  // returns or resets the desktop), and the Event says who did it and why.
  app.delete(
    '/api/admin/claims/:namespace/:name',
    asPerson(async (kc, request, reply) => {
      const params = ClaimParams.safeParse(request.params);
      const body = ForceRelease.safeParse(request.body ?? {});
      if (!params.success || !body.success) return refuse(reply, 400, { error: 'not a claim name', kind: 'invalid' });
      const { namespace, name } = params.data;
      const custom = kc.makeApiClient(CustomObjectsApi);
      const claim = (await custom.getNamespacedCustomObject({ ...CLAIMS, namespace, name })) as ClaimObject & {
        metadata?: { uid?: string };
      };
      await custom.deleteNamespacedCustomObject({ ...CLAIMS, namespace, name });
      const { username } = await whoami(kc);
      const desktop = claim.status?.desktop?.name;
      await recordAdminEvent(kc, request.log, {
        actor: username,
        namespace,
        involved: { apiVersion: `${GROUP}/${VERSION}`, kind: 'DesktopClaim', name, uid: claim.metadata?.uid },
        reason: 'ForceReleased',
        message: `${username} released ${claim.spec?.user ?? 'the user'}'s ${desktop ? `desktop ${desktop}` : 'claim'} from the Admin Portal${body.data.reason ? `: ${body.data.reason}` : ''}`,
      });
      request.log.info({ claim: `${namespace}/${name}` }, 'claim released by an administrator');
      return reply.code(204).send();
    }),
  );

  app.post(
    '/api/admin/desktops/:namespace/:name/:action',
    asPerson(async (kc, request, reply) => {
      const params = DesktopParams.safeParse(request.params);
      if (!params.success)
        return refuse(reply, 400, { error: 'expected start, stop or restart of a desktop', kind: 'invalid' });
      const { namespace, name, action } = params.data;
      await powerAction(kc, namespace, name, action);
      const { username } = await whoami(kc);
      await recordAdminEvent(kc, request.log, {
        actor: username,
        namespace,
        involved: { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', name },
        reason: `Admin${action[0]?.toUpperCase()}${action.slice(1)}`,
        message: `${username} asked desktop ${name} to ${action} from the Admin Portal`,
      });
      return reply.code(204).send();
    }),
  );

  // One set of caps for both: an Admin Portal page holds a change stream and, in Events, another.
  const open = openStreams(app, options.streams);
  eventRoutes(app, { asPerson, namespaces: options.namespaces, open });
  changeRoutes(app, { asPerson, namespaces: options.namespaces, open });
  poolEditRoutes(app, { asPerson, refuse });
  templateRoutes(app, { asPerson, refuse, namespaces: options.namespaces });
  templateEditRoutes(app, { asPerson, refuse });
  consoleEndRoutes(app, { asPerson, refuse });
  profileDiskRoutes(app, { asPerson, refuse });
  nodeMaintenanceRoutes(app, { asPerson, refuse });
  yamlRoutes(app, { asPerson, refuse });
}
