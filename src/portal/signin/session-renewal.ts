// The session of a request, renewed on the way when it is an OIDC sign-in about to expire: the
// refresh token buys a new ID token and the cookie is rewritten in the same answer, so the person
// never notices. When renewal is impossible (no refresh token, issuer down) and the ID token has
// run out, the session is over and the caller sends the person through sign-in.
//
// Sessions are sealed cookies that no replica remembers, so a copy of a cookie works wherever the
// original does. What ends every copy is the issuer: an OIDC session is renewed at least every
// `checkEveryMs` (not only when its ID token runs out), and when the issuer refuses the refresh
// token — revoked at sign-out (routes.ts), by an administrator, or the grant ended there — the
// session is over at once, on every replica, for every copy.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Origins } from '../origin.js';
import { type OidcSignIn, refusedByIssuer } from './oidc.js';
import type { Session, SessionCookies } from './session.js';

export type SignInStatus =
  | { status: 'signed-in'; session: Session }
  /** No session at all, or one that ended for good (its cookie is gone). */
  | { status: 'signed-out' }
  /** An OIDC session whose token ran out and could not be renewed: sign in again, then come back. */
  | { status: 'expired' };

/** Renew this long before the ID token's `exp`: the API server refuses a token exactly at `exp`. */
export const REFRESH_BEFORE_MS = 60_000;
/** A token that could not be renewed is still sent until this close to `exp` (clocks drift). */
const LAST_USE_BEFORE_MS = 5_000;
/** How long a copy of a session cookie may outlive a sign-out or a revocation at the issuer. */
export const DEFAULT_CHECK_EVERY_MS = 5 * 60_000;

export interface SessionRenewal {
  current(request: FastifyRequest, reply: FastifyReply): Promise<SignInStatus>;
}

/** When an OIDC session must next go to the issuer: before its ID token runs out, and at least every `checkEveryMs`. */
export function renewalDue(session: Session, checkEveryMs: number): number {
  const due = session.expiresAt - REFRESH_BEFORE_MS;
  return session.refreshToken ? Math.min(due, (session.checkedAt ?? session.signedInAt) + checkEveryMs) : due;
}

export function sessionRenewal(
  cookies: SessionCookies,
  origins: Origins,
  oidc?: OidcSignIn,
  checkEveryMs = DEFAULT_CHECK_EVERY_MS,
): SessionRenewal {
  return {
    async current(request, reply) {
      const header = request.headers.cookie;
      const secure = origins.secure(request);
      const session = cookies.read(header, secure);
      if (!session) return { status: 'signed-out' };
      const now = Date.now();
      if (session.method !== 'oidc' || now < renewalDue(session, checkEveryMs)) {
        return { status: 'signed-in', session };
      }
      if (session.refreshToken && oidc) {
        try {
          const tokens = await oidc.refresh(session.refreshToken);
          const renewed: Session = {
            ...session,
            token: tokens.idToken,
            // Issuers that do not rotate refresh tokens answer without one: keep the old.
            refreshToken: tokens.refreshToken ?? session.refreshToken,
            expiresAt: tokens.expiresAt,
            checkedAt: tokens.answeredAt,
            name: tokens.name ?? session.name,
          };
          reply.header('set-cookie', cookies.write(renewed, header, secure, now));
          request.log.info({ method: 'oidc' }, 'sign-in renewed');
          return { status: 'signed-in', session: renewed };
        } catch (err) {
          // openid-client's errors name the issuer's answer (invalid_grant...), never the token.
          request.log.warn({ cause: err instanceof Error ? err.message : String(err) }, 'renewing a sign-in failed');
          // Signed out or revoked at the issuer: over now, however long the ID token has left.
          if (refusedByIssuer(err)) {
            reply.header('set-cookie', cookies.clear(header, secure));
            return { status: 'expired' };
          }
        }
      }
      if (now < session.expiresAt - LAST_USE_BEFORE_MS) return { status: 'signed-in', session };
      reply.header('set-cookie', cookies.clear(header, secure));
      return { status: 'expired' };
    },
  };
}
