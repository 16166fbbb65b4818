// Signing in and out: by pasting a bearer token (when the portal allows it), through the OpenID
// Connect issuer (oidc-routes.ts, when one is configured), and POST /sign-out for either.
import { ApiException } from '@kubernetes/client-node';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { asUser, type PortalCluster } from '../cluster.js';
import type { PortalMetrics } from '../metrics.js';
import type { Origins } from '../origin.js';
import { signInPage } from '../pages.js';
import { whoami } from '../whoami.js';
import type { OidcSignIn } from './oidc.js';
import { oidcRoutes } from './oidc-routes.js';
import type { SealKey } from './seal.js';
import type { Session, SessionCookies } from './session.js';
import { signInStateCookies } from './sign-in-state.js';
import { sessionExpiry } from './token-expiry.js';

/** A pasted token longer than this is not a token. */
const MAX_TOKEN_LENGTH = 16 * 1024;
const DEFAULT_SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

export interface SignInRoutesOptions {
  /** Sign-in with OpenID Connect, when the portal has an issuer. */
  oidc: OidcSignIn | undefined;
  /** Sign-in by pasting a bearer token. */
  tokenSignIn: boolean;
  /** Seals the OIDC sign-in's state cookie. */
  key: SealKey;
  cookies: SessionCookies;
  origins: Origins;
  cluster: PortalCluster;
  metrics: PortalMetrics;
  /** See PortalOptions.sessionMaxAgeSeconds (default 8 hours). */
  sessionMaxAgeSeconds: number | undefined;
  /** Clears the session's cookies in the answer (person.ts). */
  endSession: (request: FastifyRequest, reply: FastifyReply) => FastifyReply;
}

export function signInRoutes(app: FastifyInstance, options: SignInRoutesOptions): void {
  const { oidc, cookies, origins, cluster, metrics, endSession } = options;
  const maxAgeMs = (options.sessionMaxAgeSeconds ?? DEFAULT_SESSION_MAX_AGE_SECONDS) * 1000;

  if (options.tokenSignIn) {
    app.post('/sign-in/token', async (request, reply) => {
      const token = String((request.body as { token?: unknown } | undefined)?.token ?? '').trim();
      const failed = (status: number, error: string) =>
        reply
          .code(status)
          .type('text/html; charset=utf-8')
          .send(signInPage({ oidc: oidc !== undefined, tokenSignIn: true, error }));
      if (!token || token.length > MAX_TOKEN_LENGTH || /\s/.test(token)) {
        metrics.signIn('token', 'rejected');
        return failed(400, 'Paste a bearer token: one line, no spaces.');
      }
      let username: string;
      try {
        username = (await whoami(asUser(cluster, token))).username;
      } catch (err) {
        if (err instanceof ApiException && err.code === 401) {
          metrics.signIn('token', 'rejected');
          return failed(401, 'The Kubernetes API server did not accept this token: it is wrong, revoked or expired.');
        }
        metrics.signIn('token', 'error');
        request.log.warn({ cause: err instanceof Error ? err.message : String(err) }, 'token sign-in failed');
        return failed(502, 'The Kubernetes API server could not be asked who this token belongs to. Try again.');
      }
      const now = Date.now();
      const session: Session = {
        method: 'token',
        token,
        expiresAt: sessionExpiry(token, maxAgeMs, now),
        signedInAt: now,
      };
      if (session.expiresAt <= now) {
        metrics.signIn('token', 'rejected');
        return failed(401, 'This token has expired.');
      }
      metrics.signIn('token', 'success');
      request.log.info({ username, method: 'token' }, 'signed in');
      return reply
        .header('set-cookie', cookies.write(session, request.headers.cookie, origins.secure(request), now))
        .redirect('/', 303);
    });
  }

  if (oidc) {
    oidcRoutes(app, {
      oidc,
      signInState: signInStateCookies(options.key),
      cookies,
      origins,
      cluster,
      metrics,
      tokenSignIn: options.tokenSignIn,
      maxAgeMs,
    });
  }

  // Ends the session here, and at the issuer when it says how: otherwise the next sign-in would
  // pass through the issuer without a password. The refresh token is revoked first, server to
  // server: a copy of this session's cookie can then no longer renew itself, and every replica
  // refuses it at its next check with the issuer (session-renewal.ts).
  app.post('/sign-out', async (request, reply) => {
    const session = cookies.read(request.headers.cookie, origins.secure(request));
    endSession(request, reply);
    if (oidc && session?.method === 'oidc') {
      if (session.refreshToken) {
        try {
          if (!(await oidc.revoke(session.refreshToken)))
            request.log.warn(
              'the OIDC issuer has no revocation endpoint: a copy of this session renews itself until its maximum age',
            );
        } catch (err) {
          request.log.warn(
            { cause: err instanceof Error ? err.message : String(err) },
            'revoking the refresh token at sign-out failed',
          );
        }
      }
      try {
        const url = await oidc.endSessionUrl(`${origins.of(request)}/`);
        if (url) return reply.redirect(url, 303);
      } catch (err) {
        request.log.warn({ cause: err instanceof Error ? err.message : String(err) }, 'the OIDC issuer is unreachable');
      }
    }
    return reply.redirect('/', 303);
  });
}
