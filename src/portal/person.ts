// Requests made as the signed-in person, the way every room answers them: a JSON API call runs with
// the person's own token and passes the API server's refusals on as they are; a page shows the
// sign-in page to anyone else. The rooms (signin/, user/, admin/) take these from startPortal
// instead of each deciding again what "signed in" and "refused" look like.
import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from './api-types.js';
import { asUser, type PortalCluster } from './cluster.js';
import { refusalOf } from './kube-errors.js';
import type { PortalMetrics } from './metrics.js';
import type { Origins } from './origin.js';
import { signInPage } from './pages.js';
import type { OidcSignIn } from './signin/oidc.js';
import { signInPath } from './signin/return-to.js';
import type { Session, SessionCookies } from './signin/session.js';
import type { SessionRenewal } from './signin/session-renewal.js';
import { whoami } from './whoami.js';

/** Runs a JSON API handler as the signed-in person and passes refusals on. */
export type AsPerson = (
  /** `session`: the sign-in itself, for what must be bound to it (an RDP ticket). */
  handler: (kc: KubeConfig, request: FastifyRequest, reply: FastifyReply, session: Session) => Promise<unknown>,
) => (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** Serves a page for the signed-in person, else the sign-in page. */
export type PersonPage = (
  /** `name`: what to call the person in the header, when the sign-in said (display-name.ts). */
  render: (kc: KubeConfig, username: string, reply: FastifyReply, name?: string) => Promise<string | FastifyReply>,
) => (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** Answers an API request with an error, counted in the portal's metrics by its kind. */
export type Refuse = (reply: FastifyReply, status: number, body: ApiError) => FastifyReply;

export interface PersonRequests {
  asPerson: AsPerson;
  personPage: PersonPage;
  refuse: Refuse;
  /** The 401 of an API request without a (usable) session. */
  signInRequired: (reply: FastifyReply) => FastifyReply;
  /** Clears the session's cookies in the answer. */
  endSession: (request: FastifyRequest, reply: FastifyReply) => FastifyReply;
}

export interface PersonRequestsOptions {
  cluster: PortalCluster;
  cookies: SessionCookies;
  origins: Origins;
  renewal: SessionRenewal;
  oidc: OidcSignIn | undefined;
  tokenSignIn: boolean;
  metrics: PortalMetrics;
}

export function personRequests(options: PersonRequestsOptions): PersonRequests {
  const { cluster, cookies, origins, renewal, oidc, tokenSignIn, metrics } = options;

  const endSession = (request: FastifyRequest, reply: FastifyReply) =>
    reply.header('set-cookie', cookies.clear(request.headers.cookie, origins.secure(request)));

  const refuse: Refuse = (reply, status, body) => {
    metrics.apiError(body.kind);
    return reply.code(status).send(body);
  };

  /**
   * No (usable) session: the page should send the person through sign-in. The portal cannot know
   * which page called, so `signIn` returns to `/`; the page may put its own path in `returnTo`.
   */
  const signInRequired = (reply: FastifyReply) =>
    refuse(reply, 401, { error: 'signin-required', kind: 'unauthenticated', signIn: oidc ? signInPath('/') : '/' });

  /** A JSON API route run as the signed-in person; the API server's refusals are passed on as they are. */
  const asPerson: AsPerson = (handler) => async (request, reply) => {
    const current = await renewal.current(request, reply);
    if (current.status !== 'signed-in') return signInRequired(reply);
    const { session } = current;
    try {
      return await handler(asUser(cluster, session.token), request, reply, session);
    } catch (err) {
      if (!(err instanceof ApiException) && !isNetworkError(err)) throw err;
      const refusal = refusalOf(err);
      // The API server no longer takes the token (expired, revoked): the session is over.
      if (refusal.status === 401) {
        endSession(request, reply);
        return signInRequired(reply);
      }
      if (refusal.kind === 'internal' || refusal.kind === 'unavailable')
        request.log.warn({ status: refusal.status, message: refusal.message }, 'the API server failed a request');
      return refuse(reply, refusal.status === 0 ? 502 : refusal.status, {
        error: refusal.message,
        kind: refusal.kind,
      });
    }
  };

  /**
   * A page for the signed-in person; the sign-in page for anyone else, and an expired OIDC sign-in
   * goes through the issuer and back to this very page.
   */
  const personPage: PersonPage = (render) => async (request, reply) => {
    reply.type('text/html; charset=utf-8');
    const current = await renewal.current(request, reply);
    if (current.status === 'expired') return reply.redirect(signInPath(request.url), 303);
    if (current.status === 'signed-out') return signInPage({ oidc: oidc !== undefined, tokenSignIn });
    // Its sign-out form leads to the issuer's end-session endpoint: that origin must be known.
    if (oidc && current.session.method === 'oidc') await oidc.discover().catch(() => {});
    const kc = asUser(cluster, current.session.token);
    try {
      return await render(kc, (await whoami(kc)).username, reply, current.session.name);
    } catch (err) {
      if (!(err instanceof ApiException) || err.code !== 401) throw err;
      endSession(request, reply);
      return signInPage({
        oidc: oidc !== undefined,
        tokenSignIn,
        error: 'Your sign-in has expired. Sign in again.',
      });
    }
  };

  return { asPerson, personPage, refuse, signInRequired, endSession };
}

/** fetch's failures to reach the API server at all (DNS, refused, TLS), which are not ApiExceptions. */
function isNetworkError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'FetchError' || err.name === 'TypeError' || 'cause' in err);
}
