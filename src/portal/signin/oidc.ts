// Sign-in with OpenID Connect: the authorization code flow with PKCE (S256) against the issuer
// the API server trusts, done by openid-client, which validates the ID token (signature, iss,
// aud, nonce, exp). The ID token is only carried: it is the bearer token for the API server,
// and who the person is comes from the API server (whoami.ts), never from the token's claims.
// Signing out sends no token anywhere the browser can see it: the end-session URL names the
// client, not the person's ID token, and the refresh token is revoked server to server.
import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { nameFromClaims } from '../display-name.js';
import { browserEndpointUrl } from './browser-endpoint.js';
import { issuerFetch } from './oidc-fetch.js';

export interface OidcOptions {
  /** Exactly the API server's `jwt.issuer.url` (and the tokens' `iss`), https. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** PEM of a private CA the issuer's certificate is issued by; the system's trust otherwise. */
  caPem?: string;
}

/**
 * `profile` for the person's name in the header; `groups` as Dex and the test provider have it; `offline_access` (with `prompt=consent`, as
 * OpenID Connect Core requires for it) for a refresh token, so a sign-in outlives one ID token.
 */
export const OIDC_SCOPES = 'openid profile email groups offline_access';

/** What the browser must bring back to the callback: sealed into a cookie (sign-in-state.ts). */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
}

export interface OidcTokens {
  idToken: string;
  refreshToken?: string;
  /** ms since the epoch: the ID token's `exp`, as validated by openid-client. */
  expiresAt: number;
  /**
   * ms since the epoch, by this machine's clock (not the issuer's, which may drift): when the
   * issuer answered, that is, last vouched for the sign-in. A renewal shared with a later caller
   * keeps the time of the answer.
   */
  answeredAt: number;
  /** What to call the person in the header (display-name.ts): the ID token's `name` or `email`. */
  name?: string;
}

export interface OidcSignIn {
  /** Where to send the browser, and what to keep for the callback. */
  start(redirectUri: string): Promise<{ url: string; pending: PendingSignIn }>;
  /** Checks the authorization response against `pending` and exchanges the code for tokens. */
  finish(callbackQuery: string, pending: PendingSignIn): Promise<OidcTokens>;
  /**
   * New tokens for a refresh token; concurrent calls with the same token share one request.
   * Rejects with an error `refusedByIssuer` recognises when the issuer says the grant is over.
   */
  refresh(refreshToken: string): Promise<OidcTokens>;
  /**
   * Revokes the refresh token at the issuer (RFC 7009) when it has a revocation endpoint, so no
   * copy of the session can renew itself; false when the issuer has none.
   */
  revoke(refreshToken: string): Promise<boolean>;
  /**
   * The issuer's end-session URL, when it advertises one. It names the client, never the ID
   * token: a URL lands in the browser's history and in proxies' logs, and the ID token is the
   * person's credential for the cluster.
   */
  endSessionUrl(postLogoutRedirectUri: string): Promise<string | undefined>;
  /** Discovers the issuer now, if it has not been (pages that sign out need `formActionOrigins`). */
  discover(): Promise<void>;
  /**
   * Where a form's answer may send the browser (the pages' Content-Security-Policy form-action):
   * the issuer, and its end-session endpoint's origin once discovered, when that differs.
   */
  formActionOrigins(): string[];
}

/**
 * The issuer refused a refresh token: revoked (signed out), expired or replayed (RFC 6749 5.2
 * `invalid_grant`). Anything else — the issuer down, an answer that is not OAuth — says nothing
 * about the sign-in, and a session may go on until its ID token runs out.
 */
export function refusedByIssuer(err: unknown): boolean {
  return err instanceof client.ResponseBodyError && err.error === 'invalid_grant';
}

/**
 * A page often makes several API calls at once; with one expiring session they would all
 * refresh, and an issuer that rotates refresh tokens treats the second use of the old one as
 * theft and revokes the grant. Calls within this window (or half the new ID token's life, if
 * shorter) share the first one's answer.
 */
const REFRESH_SHARING_MS = 30_000;

export function oidcSignIn(options: OidcOptions): OidcSignIn {
  const issuer = new URL(options.issuer);
  if (issuer.protocol !== 'https:') throw new Error(`the OIDC issuer must be https, got ${options.issuer}`);
  const fetch = issuerFetch(options.caPem);

  // Discovered on first use, not at start: the portal becomes ready while the issuer is down,
  // and a failed discovery is retried by the next sign-in instead of being remembered.
  let configuration: Promise<client.Configuration> | undefined;
  const config = () => {
    configuration ??= client
      .discovery(
        issuer,
        options.clientId,
        { client_secret: options.clientSecret },
        client.ClientSecretBasic(options.clientSecret),
        { [client.customFetch]: fetch, timeout: 10 },
      )
      .then((c) => {
        c[client.customFetch] = fetch;
        const endSession = c.serverMetadata().end_session_endpoint;
        endSessionOrigin = endSession ? new URL(endSession).origin : undefined;
        return c;
      })
      .catch((err: unknown) => {
        configuration = undefined;
        throw err;
      });
    return configuration;
  };

  const tokensOf = (response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): OidcTokens => {
    const claims = response.claims();
    if (!response.id_token || !claims) throw new Error('the issuer answered without an ID token');
    return {
      idToken: response.id_token,
      refreshToken: response.refresh_token,
      expiresAt: claims.exp * 1000,
      answeredAt: Date.now(),
      name: nameFromClaims(claims),
    };
  };

  let endSessionOrigin: string | undefined;
  const refreshing = new Map<string, Promise<OidcTokens>>();
  const refreshKey = (refreshToken: string) => createHash('sha256').update(refreshToken).digest('base64url');

  return {
    async start(redirectUri) {
      const c = await config();
      const pending: PendingSignIn = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
        redirectUri,
      };
      const url = browserEndpointUrl('authorization_endpoint', c.serverMetadata().authorization_endpoint ?? '', {
        client_id: options.clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: OIDC_SCOPES,
        code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
        // Without it an issuer drops offline_access (OpenID Connect Core 11): no refresh token.
        prompt: 'consent',
      });
      return { url: url.href, pending };
    },

    async finish(callbackQuery, pending) {
      const c = await config();
      // The redirect_uri sent to the token endpoint is this URL without its query: the one the
      // authorization request named, whatever Host the callback arrived with.
      const current = new URL(pending.redirectUri);
      current.search = callbackQuery;
      const response = await client.authorizationCodeGrant(c, current, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      return tokensOf(response);
    },

    refresh(refreshToken) {
      const key = refreshKey(refreshToken);
      let shared = refreshing.get(key);
      if (!shared) {
        shared = config().then(async (c) => tokensOf(await client.refreshTokenGrant(c, refreshToken)));
        refreshing.set(key, shared);
        // Shared for half the new ID token's life at most: an answer whose token has run out is
        // no answer (a console reopened after its short-lived token expired got the stale one).
        const forget = (tokens: OidcTokens) =>
          setTimeout(
            () => refreshing.delete(key),
            Math.max(0, Math.min(REFRESH_SHARING_MS, (tokens.expiresAt - Date.now()) / 2)),
          ).unref();
        shared.then(forget, () => refreshing.delete(key));
      }
      return shared;
    },

    async revoke(refreshToken) {
      // A renewal this replica shared a moment ago must not outlive the revocation here.
      refreshing.delete(refreshKey(refreshToken));
      const c = await config();
      if (!c.serverMetadata().revocation_endpoint) return false;
      await client.tokenRevocation(c, refreshToken, { token_type_hint: 'refresh_token' });
      return true;
    },

    async discover() {
      await config();
    },

    formActionOrigins() {
      return [...new Set([issuer.origin, ...(endSessionOrigin ? [endSessionOrigin] : [])])];
    },

    async endSessionUrl(postLogoutRedirectUri) {
      const endpoint = (await config()).serverMetadata().end_session_endpoint;
      if (!endpoint) return undefined;
      // client_id instead of id_token_hint: the issuer knows the person from its own session
      // cookie, and asks them to confirm. No logout_hint either: it would put who they are into
      // the URL.
      return browserEndpointUrl('end_session_endpoint', endpoint, {
        client_id: options.clientId,
        post_logout_redirect_uri: postLogoutRedirectUri,
      }).href;
    },
  };
}
