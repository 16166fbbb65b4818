// GET /api/admin/events: the Events of every namespace the person may watch them in, as
// Server-Sent Events — the most recent first, then each as the API server reports it, watched as
// the person. Filters (namespace, object, text) are the page's; the stream carries what the
// person may see. Each Event says who recorded it only where the events admission policy checked
// that (recordedBy); the API server's audit log is the authority on who did what.
import { CoreV1Api, type CoreV1Event } from '@kubernetes/client-node';
import type { FastifyInstance } from 'fastify';
import { isForbiddenOrMissing } from '../kube-errors.js';
import type { AsPerson } from '../person.js';
import type { OpenStream } from '../sse.js';
import { whoami } from '../whoami.js';
import { adminAccess } from './access.js';
import { ACTOR_ANNOTATION, OPERATOR_CONTROLLER, PORTAL_COMPONENT } from './admin-events.js';
import { followCollection } from './collection-watch.js';
import { type AdminEvent, AdminEventMessage } from './types.js';

/** The recent Events sent first, all namespaces together. */
const RECENT = 200;

/**
 * Who an Event says recorded it, believed only where the events admission policy checked it: the
 * actor annotation of a portal Event (the user who created it), or the operator for the operator's.
 */
export function recordedBy(e: CoreV1Event): string | undefined {
  const components = [e.reportingComponent, e.source?.component];
  if (components.includes(OPERATOR_CONTROLLER)) return 'the kubevdi operator';
  const actor = e.metadata?.annotations?.[ACTOR_ANNOTATION];
  if (components.includes(PORTAL_COMPONENT) && actor) return actor;
  return undefined;
}

export function toAdminEvent(e: CoreV1Event): AdminEvent {
  const time = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  const by = recordedBy(e);
  return {
    namespace: e.metadata?.namespace ?? '',
    name: e.metadata?.name ?? '',
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    kind: e.involvedObject?.kind ?? '',
    object: e.involvedObject?.name ?? '',
    ...(time ? { time: new Date(time).toISOString() } : {}),
    ...(e.count ? { count: e.count } : {}),
    ...(by ? { recordedBy: by } : {}),
    source: e.reportingComponent || e.source?.component || '',
  };
}

export function eventRoutes(
  app: FastifyInstance,
  options: { asPerson: AsPerson; namespaces: readonly string[]; open: OpenStream },
): void {
  const { open } = options;
  app.get(
    '/api/admin/events',
    options.asPerson(async (kc, request, reply) => {
      const access = await adminAccess(kc, '', options.namespaces);
      const namespaces = access.namespaces.filter((n) => n.events.list).map((n) => n.namespace);
      const core = kc.makeApiClient(CoreV1Api);
      const recent: { namespace: string; events: CoreV1Event[]; resourceVersion?: string }[] = await Promise.all(
        namespaces.map(async (namespace) => {
          try {
            const list = await core.listNamespacedEvent({ namespace });
            return { namespace, events: list.items, resourceVersion: list.metadata?.resourceVersion };
          } catch (err) {
            if (isForbiddenOrMissing(err)) return { namespace, events: [] };
            throw err;
          }
        }),
      );
      const stream = open(reply, (await whoami(kc)).username);
      const send = (message: AdminEventMessage) => stream.send(AdminEventMessage.parse(message));
      const all = recent.flatMap((r) => r.events.map(toAdminEvent));
      all.sort((a, b) => (b.time ?? '').localeCompare(a.time ?? ''));
      send({ type: 'events', events: all.slice(0, RECENT) });
      for (const { namespace, resourceVersion } of recent) {
        const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`;
        const onChange = (type: string, object: unknown) => {
          if (type === 'ADDED' || type === 'MODIFIED')
            send({ type: 'event', event: toAdminEvent(object as CoreV1Event) });
        };
        void followCollection(kc, path, resourceVersion, onChange, stream.end, stream.signal).catch((err: unknown) =>
          request.log.warn(
            { namespace, cause: err instanceof Error ? err.message : String(err) },
            'an event watch failed',
          ),
        );
      }
      return stream.reply();
    }),
  );
}
