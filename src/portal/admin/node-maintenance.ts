// Start and End maintenance on a node, from the Hosts view, as the person: their own credentials
// patch the node, so the API server's RBAC decides (patch on nodes). Start cordons it (what
// `kubectl cordon` does) and writes the deadline by which held desktops that cannot migrate are
// restarted elsewhere; the operator does the rest (README, "Node maintenance"). End uncordons it,
// removes the deadline and kubevdi's own maintenance taint (kubevdi.io/maintenance: left behind
// it would keep the node in maintenance for kubevdi), and nobody else's taints. Each is an audit
// line and an Event on the Node naming the person.
import { ApiException, CoreV1Api, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify';
import * as z from 'zod';
import { MAINTENANCE_DEADLINE_ANNOTATION, MAINTENANCE_TAINT } from '../../api/node-maintenance.js';
import type { ApiError } from '../api-types.js';
import type { AsPerson } from '../person.js';
import { whoami } from '../whoami.js';
import { recordAdminEvent } from './admin-events.js';
import { MaintenanceStart } from './types.js';

/** A node's name: a DNS subdomain. */
const NodeParams = z.object({
  name: z
    .string()
    .max(253)
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/),
});

/** Where Events about cluster-scoped objects go (the kubelet's own Node Events are there too). */
const NODE_EVENTS_NAMESPACE = 'default';
/** A patch that lost a race with another writer of the node is tried again, this many times. */
const ATTEMPTS = 3;

export interface NodeMaintenanceOptions {
  asPerson: AsPerson;
  refuse: (reply: FastifyReply, status: number, body: ApiError) => unknown;
}

/**
 * The merge patch that ends maintenance, against the node as read: the taint list is replaced
 * whole, so the patch carries the resourceVersion it was computed from (a conflict, not a lost taint).
 */
export function endMaintenancePatch(node: {
  metadata?: { resourceVersion?: string };
  spec?: { taints?: { key: string }[] };
}): object {
  const taints = node.spec?.taints ?? [];
  const ours = taints.some((t) => t.key === MAINTENANCE_TAINT);
  return {
    metadata: {
      resourceVersion: node.metadata?.resourceVersion,
      annotations: { [MAINTENANCE_DEADLINE_ANNOTATION]: null },
    },
    spec: { unschedulable: null, ...(ours ? { taints: taints.filter((t) => t.key !== MAINTENANCE_TAINT) } : {}) },
  };
}

async function patchNode(
  kc: KubeConfig,
  name: string,
  body: (node: Awaited<ReturnType<CoreV1Api['readNode']>>) => object,
) {
  const core = kc.makeApiClient(CoreV1Api);
  for (let attempt = 1; ; attempt++) {
    const node = await core.readNode({ name });
    try {
      return await core.patchNode(
        { name, body: body(node) },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 409) || attempt >= ATTEMPTS) throw err;
    }
  }
}

async function record(
  kc: KubeConfig,
  log: FastifyBaseLogger,
  node: { name: string; uid?: string },
  reason: 'MaintenanceStarted' | 'MaintenanceEnded',
  message: string,
  audit: Record<string, unknown>,
): Promise<void> {
  const { username } = await whoami(kc);
  const words = `${username} ${message} from the Admin Portal`;
  await recordAdminEvent(kc, log, {
    actor: username,
    namespace: NODE_EVENTS_NAMESPACE,
    // A cluster-scoped object: its Events name no namespace (`kubectl describe node` finds them).
    involved: { apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, namespace: '' },
    reason,
    message: words,
  });
  log.info(
    {
      audit: reason === 'MaintenanceStarted' ? 'node-maintenance-started' : 'node-maintenance-ended',
      by: username,
      node: node.name,
      ...audit,
    },
    words,
  );
}

export function nodeMaintenanceRoutes(app: FastifyInstance, { asPerson, refuse }: NodeMaintenanceOptions): void {
  app.post(
    '/api/admin/nodes/:name/maintenance',
    asPerson(async (kc, request, reply) => {
      const params = NodeParams.safeParse(request.params);
      const body = MaintenanceStart.safeParse(request.body ?? {});
      if (!params.success) return refuse(reply, 400, { error: 'not a node name', kind: 'invalid' });
      if (!body.success) return refuse(reply, 400, { error: 'the deadline is not a date and time', kind: 'invalid' });
      const { name } = params.data;
      const deadline = body.data.deadline ? new Date(body.data.deadline) : undefined;
      if (deadline && deadline.getTime() <= Date.now())
        return refuse(reply, 400, { error: 'the deadline has passed: choose a later time', kind: 'invalid' });
      const node = await patchNode(kc, name, () => ({
        metadata: { annotations: { [MAINTENANCE_DEADLINE_ANNOTATION]: deadline?.toISOString() ?? null } },
        spec: { unschedulable: true },
      }));
      await record(
        kc,
        request.log,
        { name, uid: node.metadata?.uid },
        'MaintenanceStarted',
        `started maintenance on node ${name} (cordoned${deadline ? `; desktops that cannot migrate restart at ${deadline.toISOString()}` : ''})`,
        deadline ? { deadline: deadline.toISOString() } : {},
      );
      return reply.code(204).send();
    }),
  );

  app.delete(
    '/api/admin/nodes/:name/maintenance',
    asPerson(async (kc, request, reply) => {
      const params = NodeParams.safeParse(request.params);
      if (!params.success) return refuse(reply, 400, { error: 'not a node name', kind: 'invalid' });
      const { name } = params.data;
      const node = await patchNode(kc, name, endMaintenancePatch);
      await record(
        kc,
        request.log,
        { name, uid: node.metadata?.uid },
        'MaintenanceEnded',
        `ended maintenance on node ${name} (uncordoned)`,
        {},
      );
      return reply.code(204).send();
    }),
  );
}
