// What an administrator did through the portal, recorded as a core Event on the object, created as
// that person (kubevdi:admin and kubevdi:pool-admin may create Events): `kubectl describe` and the
// Events view show who released or restarted whose desktop, and why. The Event names the person in
// the kubevdi.io/actor annotation, which the events admission policy (config/admission/) checks is
// exactly the user who created it; the Events view shows the actor from there and nowhere else.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { GROUP, VERSION } from '../../api/meta.js';
import { whoami } from '../whoami.js';

export interface AdminEvent {
  /** Who acted: the person whose credentials write the Event (the admission policy checks it). */
  actor: string;
  namespace: string;
  /** The object; `namespace: ''` for a cluster-scoped one (a Node), whose Event goes in `namespace`. */
  involved: { apiVersion: string; kind: string; name: string; uid?: string; namespace?: string };
  reason: string;
  message: string;
}

export const PORTAL_COMPONENT = 'kubevdi-portal';
/** The operator's events.k8s.io reportingController (src/runtime/events.ts). */
export const OPERATOR_CONTROLLER = 'kubevdi.io/operator';
/** Names who acted, on Events the portal records; the events admission policy checks it. */
export const ACTOR_ANNOTATION = 'kubevdi.io/actor';

/** The change is done: an Event that cannot be written (no right to, a hiccup) is logged, not thrown. */
export async function recordAdminEvent(kc: KubeConfig, log: FastifyBaseLogger, event: AdminEvent): Promise<void> {
  const now = new Date();
  try {
    await kc.makeApiClient(CoreV1Api).createNamespacedEvent({
      namespace: event.namespace,
      body: {
        metadata: {
          name: `${event.involved.name}.${randomBytes(8).toString('hex')}`,
          namespace: event.namespace,
          annotations: { [ACTOR_ANNOTATION]: event.actor },
        },
        involvedObject: { namespace: event.namespace, ...event.involved },
        reason: event.reason,
        message: event.message,
        type: 'Normal',
        source: { component: PORTAL_COMPONENT },
        reportingComponent: PORTAL_COMPONENT,
        reportingInstance: PORTAL_COMPONENT,
        action: event.reason,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  } catch (err) {
    log.warn(
      { reason: event.reason, cause: err instanceof Error ? err.message : String(err) },
      'could not record an Event',
    );
  }
}

/** A change someone made to a kubevdi object: "<who> <did> from the Admin Portal", on the object. */
export async function recordObjectChange(
  kc: KubeConfig,
  log: FastifyBaseLogger,
  object: { namespace: string; kind: 'VirtualDesktopPool' | 'VMTemplate'; name: string; uid?: string },
  reason: string,
  did: string,
): Promise<void> {
  const { username } = await whoami(kc);
  await recordAdminEvent(kc, log, {
    actor: username,
    namespace: object.namespace,
    involved: { apiVersion: `${GROUP}/${VERSION}`, kind: object.kind, name: object.name, uid: object.uid },
    reason,
    message: `${username} ${did} from the Admin Portal`,
  });
}
