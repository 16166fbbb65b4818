// GET /auth/login and GET /auth/callback: the two ends of an OpenID Connect sign-in. Login
// remembers (in a sealed cookie) what the callback must check, and sends the browser to the
// issuer; the callback checks it, takes the tokens, asks the API server who they belong to,
// stores the session and sends the person back where they were.
import { ApiException } from '@kubernetes/client-node';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { asUser, type PortalCluster } from '../cluster.js';
import type { PortalMetrics } from '../metrics.js';
import type { Origins } from '../origin.js';
import { signInPage } from '../pages.js';
import { whoami } from '../whoami.js';
import type { OidcSignIn } from './oidc.js';
import { safeReturnTo } from './return-to.js';
import type { Session, SessionCookies } from './session.js';
import type { SignInStateCookies } from './sign-in-state.js';

export const CALLBACK_PATH = '/auth/callback';

export interface OidcRoutesOptions {
  oidc: OidcSignIn;
  signInState: SignInStateCookies;
  cookies: SessionCookies;
  origins: Origins;
  cluster: PortalCluster;
  metrics: PortalMetrics;
  tokenSignIn: boolean;
  /** How long a sign-in may be renewed by refresh before the person signs in again. */
  maxAgeMs: number;
}

export function oidcRoutes(app: FastifyInstance, options: OidcRoutesOptions): void {
  const { oidc, signInState, cookies, origins, cluster, metrics } = options;

  const failed = (reply: FastifyReply, status: number, error: string) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(signInPage({ oidc: true, tokenSignIn: options.tokenSignIn, error }));

  app.get('/auth/login', async (request: FastifyRequest<{ Querystring: { returnTo?: string } }>, reply) => {
    const raw = request.query.returnTo;
    const returnTo = raw === undefined ? '/' : safeReturnTo(raw);
    if (returnTo === undefined)
      return reply.code(400).type('text/plain; charset=utf-8').send('400: returnTo must be a path on this portal\n');
    let start: Awaited<ReturnType<OidcSignIn['start']>>;
    try {
      start = await oidc.start(`${origins.of(request)}${CALLBACK_PATH}`);
    } catch (err) {
      metrics.signIn('oidc', 'error');
      request.log.warn({ cause: err instanceof Error ? err.message : String(err) }, 'the OIDC issuer is unreachable');
      return failed(reply, 502, 'The sign-in service cannot be reached. Try again in a moment.');
    }
    const secure = origins.secure(request);
    return reply
      .header('set-cookie', signInState.write({ ...start.pending, returnTo, startedAt: Date.now() }, secure))
      .redirect(start.url, 303);
  });

  app.get(CALLBACK_PATH, async (request, reply) => {
    const secure = origins.secure(request);
    const pending = signInState.read(request.headers.cookie, secure);
    // Used once, whatever happens next: a replayed callback finds nothing to match.
    reply.header('set-cookie', signInState.clear(secure));
    if (!pending) {
      metrics.signIn('oidc', 'rejected');
      return failed(reply, 400, 'This sign-in expired or was started in another browser. Sign in again.');
    }
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    let tokens: Awaited<ReturnType<OidcSignIn['finish']>>;
    try {
      tokens = await oidc.finish(query, pending);
    } catch (err) {
      // A tampered state, a refused or reused code, an ID token that does not check out: the
      // reason goes to the log (it names no token), the person gets a fresh start.
      metrics.signIn('oidc', 'rejected');
      request.log.warn({ cause: err instanceof Error ? err.message : String(err) }, 'OIDC sign-in refused');
      return failed(reply, 400, 'The sign-in could not be completed. Sign in again.');
    }

    let username: string;
    try {
      username = (await whoami(asUser(cluster, tokens.idToken))).username;
    } catch (err) {
      if (err instanceof ApiException && err.code === 401) {
        metrics.signIn('oidc', 'rejected');
        return failed(reply, 401, 'The Kubernetes API server did not accept this sign-in. Ask your administrator.');
      }
      metrics.signIn('oidc', 'error');
      request.log.warn({ cause: err instanceof Error ? err.message : String(err) }, 'OIDC sign-in: whoami failed');
      return failed(reply, 502, 'The Kubernetes API server could not be reached. Try again.');
    }

    const now = Date.now();
    const session: Session = {
      method: 'oidc',
      token: tokens.idToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      // Without a refresh token there is nothing to renew, but the session still outlives the
      // token a little so an expired sign-in comes back to the same page.
      keepUntil: now + options.maxAgeMs,
      signedInAt: now,
      checkedAt: tokens.answeredAt,
      name: tokens.name,
    };
    metrics.signIn('oidc', 'success');
    request.log.info({ username, method: 'oidc' }, 'signed in');
    return reply
      .header('set-cookie', cookies.write(session, request.headers.cookie, secure, now))
      .redirect(pending.returnTo, 303);
  });
}
