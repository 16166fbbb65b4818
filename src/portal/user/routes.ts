// The user's pages beyond the JSON API: the compiled front end's files, and the live updates of
// the person's own claims as Server-Sent Events (GET /api/events), watched as the person. Streams
// are capped per person and per portal (sse.ts), and a claim the page names that the person cannot
// see (someone else's, or no grant for it) is given up after a while instead of asked for all the
// stream's life.
import type { KubeConfig } from '@kubernetes/client-node';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClaimEvent, ClaimRef } from '../api-types.js';
import { DEFAULT_STREAM_LIMITS, openStreams, type StreamLimits } from '../sse.js';
import type { StreamMetrics } from '../stream-metrics.js';
import { serveBundle } from '../web-assets.js';
import { whoami } from '../whoami.js';
import { ownClaims } from './claims.js';
import { followDesktopClaim } from './desktop-follow.js';

/** server.ts's wrapper that runs a handler as the signed-in person and passes refusals on. */
export type AsPerson = (
  handler: (kc: KubeConfig, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
) => (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** The live-update streams' limits (defaults: DEFAULT_STREAM_LIMITS, CLAIM_PATIENCE_MS). */
export interface LiveUpdateOptions extends Partial<StreamLimits> {
  /** How long a watch waits to see a claim or desktop the person cannot see yet, then gives up. */
  patienceMs?: number;
}

export interface UserRoutesOptions {
  asPerson: AsPerson;
  namespaces: readonly string[];
  /** The portal's stream metrics, shared with the Admin Portal's streams. */
  streamMetrics: StreamMetrics;
  liveUpdates?: LiveUpdateOptions;
}

export { STREAM_LIFETIME_MS } from '../sse.js';

/** Claims the page may name beyond those found: the ones it just created. */
const MAX_NAMED_CLAIMS = 20;
/** A just-created claim's grant, and a just-bound desktop's, come within seconds. */
export const CLAIM_PATIENCE_MS = 30_000;

/** The caps of live-update streams, from the portal's options and the defaults. */
export function streamLimits(live: LiveUpdateOptions = {}): StreamLimits {
  return {
    perPerson: live.perPerson ?? DEFAULT_STREAM_LIMITS.perPerson,
    perPortal: live.perPortal ?? DEFAULT_STREAM_LIMITS.perPortal,
  };
}

export function userRoutes(app: FastifyInstance, options: UserRoutesOptions): void {
  const metrics = options.streamMetrics;
  const live = options.liveUpdates ?? {};
  const open = openStreams(app, { limits: streamLimits(live), metrics });
  const follow = { patienceMs: live.patienceMs ?? CLAIM_PATIENCE_MS, watches: metrics.watches };
  void serveBundle(app, 'app');

  // Browsers ask for it on every page (the sign-in page too); nothing to show, nothing to log.
  app.get('/favicon.ico', async (_request, reply) =>
    reply.code(204).header('cache-control', 'public, max-age=86400').send(),
  );

  app.get(
    '/api/events',
    options.asPerson(async (kc, request, reply) => {
      const named = namedClaims((request.query as { claim?: string | string[] }).claim);
      const { username } = await whoami(kc);
      // Found as GET /api/claims finds them; a claim just created may not be found yet (its
      // grant comes a moment later), which is why the page names those itself.
      const found = await ownClaims(kc, username, options.namespaces);
      const stream = open(reply, username);
      const send = (event: ClaimEvent) => stream.send(ClaimEvent.parse(event));
      send({ type: 'claims', claims: found });
      const refs = new Map<string, ClaimRef>();
      for (const ref of [...found, ...named]) refs.set(`${ref.namespace}/${ref.name}`, ref);
      for (const ref of refs.values()) {
        followDesktopClaim(
          kc,
          username,
          { namespace: ref.namespace, name: ref.name },
          {
            claim: (claim) => send({ type: 'claim', claim }),
            gone: ({ namespace, name }) => send({ type: 'gone', namespace, name }),
            signedOut: stream.end,
            trouble: (err) =>
              request.log.debug(
                { cause: err instanceof Error ? err.message : String(err) },
                'could not read beside a claim',
              ),
          },
          stream.signal,
          follow,
        ).catch((err: unknown) => {
          request.log.warn({ cause: err instanceof Error ? err.message : String(err) }, 'a claim watch failed');
        });
      }
      return stream.reply();
    }),
  );
}

/** `?claim=<namespace>/<name>` (repeatable); anything that is not a claim name is ignored. */
function namedClaims(value: string | string[] | undefined): ClaimRef[] {
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return values.slice(0, MAX_NAMED_CLAIMS).flatMap((v) => {
    const [namespace, name, ...rest] = v.split('/');
    const ref = ClaimRef.safeParse({ namespace, name });
    return ref.success && rest.length === 0 ? [ref.data] : [];
  });
}
