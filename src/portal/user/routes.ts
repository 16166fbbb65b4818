// The user's side of the portal: their desktops page (GET /), the JSON API it calls (who they are,
// the pools they may take a desktop from, their claims and what they do with their desktops), the
// compiled front end's files, and the live updates of the person's own claims as Server-Sent
// Events (GET /api/events), watched as the person. Streams are capped per person and per portal
// (sse.ts), and a claim the page names that the person cannot see (someone else's, or no grant for
// it) is given up after a while instead of asked for all the stream's life.
import type { KubeConfig } from '@kubernetes/client-node';
import type { FastifyInstance } from 'fastify';
import { ClaimEvent, ClaimRef, Me, PoolList } from '../api-types.js';
import type { AsPerson, PersonPage, Refuse } from '../person.js';
import { entitledPools } from '../pools.js';
import { remembered } from '../remembered.js';
import { DEFAULT_STREAM_LIMITS, openStreams, type StreamLimits } from '../sse.js';
import type { StreamMetrics } from '../stream-metrics.js';
import { serveBundle, webAssets } from '../web-assets.js';
import { whoami } from '../whoami.js';
import { claimRoutes } from './claim-routes.js';
import { ownClaims } from './claims.js';
import { followDesktopClaim } from './desktop-follow.js';
import { desktopRoutes } from './desktop-routes.js';
import { desktopsPage } from './desktops-page.js';

/** How long a person's "may administer something" answer is kept for their desktops page's link. */
const ADMINISTERS_REMEMBERED_MS = 60_000;

/** The live-update streams' limits (defaults: DEFAULT_STREAM_LIMITS, CLAIM_PATIENCE_MS). */
export interface LiveUpdateOptions extends Partial<StreamLimits> {
  /** How long a watch waits to see a claim or desktop the person cannot see yet, then gives up. */
  patienceMs?: number;
}

export interface UserRoutesOptions {
  asPerson: AsPerson;
  personPage: PersonPage;
  refuse: Refuse;
  namespaces: readonly string[];
  /** Whether the person administers something, so their page links the Admin Portal. */
  administers: (kc: KubeConfig, username: string) => Promise<boolean>;
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

/** Resolves once the page's compiled files are loaded: a portal without its page does not start. */
export async function userRoutes(app: FastifyInstance, options: UserRoutesOptions): Promise<void> {
  const { asPerson, namespaces } = options;
  const metrics = options.streamMetrics;
  const live = options.liveUpdates ?? {};
  const open = openStreams(app, { limits: streamLimits(live), metrics });
  const follow = { patienceMs: live.patienceMs ?? CLAIM_PATIENCE_MS, watches: metrics.watches };
  const web = await webAssets('app');
  void serveBundle(app, 'app');

  // Whether the page links the Admin Portal: asked once a minute per person, not on every load
  // (a dozen reviews for someone with many namespaces); /admin itself always asks afresh.
  const administers = remembered<boolean>(ADMINISTERS_REMEMBERED_MS);
  app.get(
    '/',
    options.personPage(async (kc, username, _reply, name) =>
      desktopsPage(web, { username, name }, await administers(username, () => options.administers(kc, username))),
    ),
  );

  app.get(
    '/api/me',
    asPerson(async (kc) => Me.parse(await whoami(kc))),
  );
  app.get(
    '/api/pools',
    asPerson(async (kc) => PoolList.parse({ pools: await entitledPools(kc, namespaces) })),
  );
  claimRoutes(app, { asPerson, refuse: options.refuse, namespaces });
  desktopRoutes(app, { asPerson, refuse: options.refuse });

  // Browsers ask for it on every page (the sign-in page too); nothing to show, nothing to log.
  app.get('/favicon.ico', async (_request, reply) =>
    reply.code(204).header('cache-control', 'public, max-age=86400').send(),
  );

  app.get(
    '/api/events',
    asPerson(async (kc, request, reply) => {
      const named = namedClaims((request.query as { claim?: string | string[] }).claim);
      const { username } = await whoami(kc);
      // Found as GET /api/claims finds them; a claim just created may not be found yet (its
      // grant comes a moment later), which is why the page names those itself.
      const found = await ownClaims(kc, username, namespaces);
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
