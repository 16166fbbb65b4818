// A sign-in in progress: state, nonce and PKCE verifier, kept in a sealed cookie between
// /auth/login and /auth/callback. The cookie binds the callback to the browser that started the
// sign-in (a code and state sent to another browser find nothing to match), it lives 10 minutes
// and the callback always deletes it, so it is used once. No replica remembers anything.
import { z } from 'zod';
import { parseCookies, serializeCookie } from './cookies.js';
import { type SealKey, seal, unseal } from './seal.js';

export const PendingSignInCookie = z.object({
  state: z.string().min(1),
  nonce: z.string().min(1),
  codeVerifier: z.string().min(43),
  redirectUri: z.url(),
  /** Where to go after signing in: a same-origin path checked by return-to.ts. */
  returnTo: z.string(),
  /** ms since the epoch. */
  startedAt: z.number(),
});
export type PendingSignInCookie = z.infer<typeof PendingSignInCookie>;

/** Long enough to type a password, short enough that a stolen cookie is soon worthless. */
export const SIGN_IN_MAX_AGE_MS = 10 * 60 * 1000;
/** Bound into the seal: a session cookie's value cannot pass for this, nor this for a session. */
const PURPOSE = 'oidc-sign-in';

function cookieName(secure: boolean): string {
  return secure ? '__Host-kubevdi-sign-in' : 'kubevdi-sign-in';
}

export interface SignInStateCookies {
  /** The Set-Cookie value that starts a sign-in. */
  write(pending: PendingSignInCookie, secure: boolean): string;
  /** The sign-in this browser started, unless it is missing, forged or older than 10 minutes. */
  read(cookieHeader: string | undefined, secure: boolean, now?: number): PendingSignInCookie | undefined;
  /** The Set-Cookie value that ends it. */
  clear(secure: boolean): string;
}

export function signInStateCookies(key: SealKey): SignInStateCookies {
  return {
    write(pending, secure) {
      const value = seal(key, PURPOSE, JSON.stringify(PendingSignInCookie.parse(pending)));
      return serializeCookie(cookieName(secure), value, { maxAge: SIGN_IN_MAX_AGE_MS / 1000, secure });
    },
    read(cookieHeader, secure, now = Date.now()) {
      const sealed = parseCookies(cookieHeader).get(cookieName(secure));
      if (!sealed) return undefined;
      const plaintext = unseal(key, PURPOSE, sealed);
      if (plaintext === undefined) return undefined;
      try {
        const pending = PendingSignInCookie.safeParse(JSON.parse(plaintext));
        if (!pending.success) return undefined;
        const age = now - pending.data.startedAt;
        return age >= 0 && age < SIGN_IN_MAX_AGE_MS ? pending.data : undefined;
      } catch {
        return undefined;
      }
    },
    clear(secure) {
      return serializeCookie(cookieName(secure), '', { maxAge: 0, secure });
    },
  };
}
