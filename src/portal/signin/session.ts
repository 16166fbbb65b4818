// A session lives in the browser as sealed cookies (see seal.ts), so any portal replica can read
// it and none has to remember anything. It holds what the API server needs to know the person —
// a bearer token — and, for OpenID Connect sign-ins, what renewing it takes; page scripts never
// see it (HttpOnly) and it is readable only with the session secret.
import { z } from 'zod';
import { type CookieAttributes, parseCookies, serializeCookie } from './cookies.js';
import { type SealKey, seal, unseal } from './seal.js';

export const Session = z.object({
  /** How the person signed in. */
  method: z.enum(['token', 'oidc']),
  /** The bearer token sent to the API server: the pasted token, or the OIDC ID token. */
  token: z.string().min(1),
  /** OIDC: the refresh token, when the issuer gives one, to renew `token` before `expiresAt`. */
  refreshToken: z.string().optional(),
  /** ms since the epoch: when `token` stops working. */
  expiresAt: z.number(),
  /**
   * ms since the epoch: OIDC sessions outlive their ID token until then, so an expiring token can
   * be refreshed, and an expired one sends the person through sign-in back to the same page.
   * Without it the session (and the cookie) ends at `expiresAt`.
   */
  keepUntil: z.number().optional(),
  /** ms since the epoch. */
  signedInAt: z.number(),
  /**
   * OIDC: ms since the epoch when the issuer last vouched for this sign-in (answered the sign-in
   * or a refresh, by the portal's clock). The session is checked with the issuer again a few minutes later (session-renewal.ts),
   * so a sign-out or a revocation there reaches every copy of the cookie. Absent in older cookies:
   * `signedInAt` stands in.
   */
  checkedAt: z.number().optional(),
  /** OIDC: what to call the person in the header (display-name.ts); never used to decide anything. */
  name: z.string().optional(),
});
export type Session = z.infer<typeof Session>;

/**
 * Browsers keep at least 4096 bytes per cookie, name and attributes included; a session larger
 * than one chunk (an ID token plus a refresh token can be) is split over numbered cookies.
 */
export const CHUNK_BYTES = 3800;
/** More chunks than this is not a session but an attack on the server's memory. */
const MAX_CHUNKS = 8;
const PURPOSE = 'session';

export interface SessionCookies {
  /** The session of this request, or undefined when there is none, it is forged or it expired. */
  read(cookieHeader: string | undefined, secure: boolean, now?: number): Session | undefined;
  /** Set-Cookie values that store `session`, and delete chunks the request had beyond it. */
  write(session: Session, cookieHeader: string | undefined, secure: boolean, now?: number): string[];
  /** Set-Cookie values that delete every chunk the request carried. */
  clear(cookieHeader: string | undefined, secure: boolean): string[];
}

/**
 * Secure cookies take the `__Host-` prefix: the browser then refuses them unless Secure, Path=/
 * and without Domain, so a sibling subdomain cannot plant or shadow a session.
 */
function baseName(secure: boolean): string {
  return secure ? '__Host-kubevdi-session' : 'kubevdi-session';
}

/** When the cookie, and with it the session, is gone. */
function sessionEnd(session: Session): number {
  return Math.max(session.expiresAt, session.keepUntil ?? 0);
}

export function sessionCookies(key: SealKey): SessionCookies {
  const chunkNames = (cookieHeader: string | undefined, secure: boolean) => {
    const prefix = `${baseName(secure)}.`;
    return [...parseCookies(cookieHeader).keys()].filter((n) => n.startsWith(prefix));
  };
  return {
    read(cookieHeader, secure, now = Date.now()) {
      const cookies = parseCookies(cookieHeader);
      const parts: string[] = [];
      for (let i = 0; i < MAX_CHUNKS; i++) {
        const part = cookies.get(`${baseName(secure)}.${i}`);
        if (part === undefined) break;
        parts.push(part);
      }
      if (!parts.length) return undefined;
      const plaintext = unseal(key, PURPOSE, parts.join(''));
      if (plaintext === undefined) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(plaintext);
      } catch {
        return undefined;
      }
      const session = Session.safeParse(parsed);
      if (!session.success || sessionEnd(session.data) <= now) return undefined;
      return session.data;
    },
    write(session, cookieHeader, secure, now = Date.now()) {
      const sealed = seal(key, PURPOSE, JSON.stringify(Session.parse(session)));
      const chunks: string[] = [];
      for (let i = 0; i < sealed.length; i += CHUNK_BYTES) chunks.push(sealed.slice(i, i + CHUNK_BYTES));
      if (chunks.length > MAX_CHUNKS) throw new Error('the session is too large for cookies');
      const attributes: CookieAttributes = { maxAge: (sessionEnd(session) - now) / 1000, secure };
      const names = chunks.map((_, i) => `${baseName(secure)}.${i}`);
      const stale = chunkNames(cookieHeader, secure).filter((n) => !names.includes(n));
      return [
        ...chunks.map((chunk, i) => serializeCookie(names[i] as string, chunk, attributes)),
        ...stale.map((n) => serializeCookie(n, '', { maxAge: 0, secure })),
      ];
    },
    clear(cookieHeader, secure) {
      return chunkNames(cookieHeader, secure).map((n) => serializeCookie(n, '', { maxAge: 0, secure }));
    },
  };
}
