// GET /api/admin/changes: a Server-Sent Event each time pools, claims or desktops (and their
// instances: where they run, a migration) the person may watch change, or nodes for someone who
// sees the Hosts view (at most one per quarter second), so the Admin Portal's views follow live:
// the page reads the view again. Watched as the person, per namespace, from now on.

import { setMaxListeners } from 'node:events';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { FastifyInstance } from 'fastify';
import { CLAIMS } from '../../api/desktopclaim.js';
import { VIRTUAL_MACHINE_INSTANCES, VIRTUAL_MACHINES } from '../../api/kubernetes-kinds.js';
import { POOLS } from '../../api/virtualdesktoppool.js';
import { VMTEMPLATES } from '../../api/vmtemplate.js';
import { isForbiddenOrMissing } from '../kube-errors.js';
import type { AsPerson } from '../person.js';
import type { OpenStream } from '../sse.js';
import { whoami } from '../whoami.js';
import { adminAccess } from './access.js';
import { followCollection } from './collection-watch.js';
import type { NamespaceAccess } from './types.js';

const COALESCE_MS = 250;

const WATCHED: { kind: { group: string; version: string; plural: string }; may: (a: NamespaceAccess) => boolean }[] = [
  { kind: POOLS, may: (a) => a.pools.list },
  { kind: CLAIMS, may: (a) => a.claims.list },
  { kind: VMTEMPLATES, may: (a) => a.templates.list },
  { kind: VIRTUAL_MACHINES, may: (a) => a.desktops.list },
  { kind: VIRTUAL_MACHINE_INSTANCES, may: (a) => a.desktops.list },
];

/** Where a watch of nodes from now starts (one node read, not all). */
async function nodesVersion(kc: KubeConfig): Promise<string | undefined> {
  return (await kc.makeApiClient(CoreV1Api).listNode({ limit: 1 })).metadata?.resourceVersion;
}

/** Where a watch from now starts: the collection's resource version (one item read, not all). */
async function currentVersion(kc: KubeConfig, kind: (typeof WATCHED)[number]['kind'], namespace: string) {
  try {
    const list = (await kc
      .makeApiClient(CustomObjectsApi)
      .listNamespacedCustomObject({ ...kind, namespace, limit: 1 })) as { metadata?: { resourceVersion?: string } };
    return list.metadata?.resourceVersion;
  } catch (err) {
    if (isForbiddenOrMissing(err)) return undefined;
    throw err;
  }
}

export function changeRoutes(
  app: FastifyInstance,
  options: { asPerson: AsPerson; namespaces: readonly string[]; open: OpenStream },
): void {
  const { open } = options;
  app.get(
    '/api/admin/changes',
    options.asPerson(async (kc, request, reply) => {
      const access = await adminAccess(kc, '', options.namespaces);
      const watches = access.namespaces.flatMap((a) =>
        WATCHED.filter((w) => w.may(a)).map(({ kind }) => ({
          path: `/apis/${kind.group}/${kind.version}/namespaces/${encodeURIComponent(a.namespace)}/${kind.plural}`,
          from: () => currentVersion(kc, kind, a.namespace),
        })),
      );
      if (access.nodes) watches.push({ path: '/api/v1/nodes', from: () => nodesVersion(kc) });
      const from = await Promise.all(watches.map((w) => w.from()));
      const stream = open(reply, (await whoami(kc)).username);
      let pending: NodeJS.Timeout | undefined;
      const changed = () => {
        pending ??= setTimeout(() => {
          pending = undefined;
          stream.send({ type: 'changed' });
        }, COALESCE_MS);
      };
      // One abort listener per watch, and this one: many namespaces are no leak.
      setMaxListeners(watches.length + 10, stream.signal);
      stream.signal.addEventListener('abort', () => clearTimeout(pending));
      watches.forEach((w, i) => {
        void followCollection(kc, w.path, from[i], changed, stream.end, stream.signal).catch((err: unknown) =>
          request.log.warn({ cause: err instanceof Error ? err.message : String(err) }, 'a change watch failed'),
        );
      });
      stream.send({ type: 'ready' });
      return stream.reply();
    }),
  );
}
