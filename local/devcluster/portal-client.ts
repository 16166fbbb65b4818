// The portal's client at a local OpenID provider (`kubevdi dev` and the tests): confidential, PKCE,
// refresh tokens, and loopback redirect URIs that match on any port (`native`), because the portal
// listens on a free one.
import type { OidcClient } from './oidc.js';

export const PORTAL_CLIENT_ID = 'kubevdi-portal';
/** Where the portal receives the authorization code. */
export const PORTAL_REDIRECT_URIS = ['http://127.0.0.1/auth/callback', 'http://localhost/auth/callback'];
/** Where the issuer's end-session endpoint may send the browser back: the portal's sign-in page. */
export const PORTAL_POST_LOGOUT_REDIRECT_URIS = ['http://127.0.0.1/', 'http://localhost/'];

export function loopbackPortalClient(clientId: string, clientSecret: string): OidcClient {
  return {
    client_id: clientId,
    client_secret: clientSecret,
    token_endpoint_auth_method: 'client_secret_basic',
    application_type: 'native',
    redirect_uris: PORTAL_REDIRECT_URIS,
    post_logout_redirect_uris: PORTAL_POST_LOGOUT_REDIRECT_URIS,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  };
}
