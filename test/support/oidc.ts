// The test world's OpenID provider: started before the control plane, whose API server is told
// to trust it, with the portal's client and the people of OIDC_USERS.
import { randomBytes } from 'node:crypto';
import type { OidcTrust } from '../../src/devcluster/authentication.js';
import { type OidcClient, type OidcProvider, startOidcProvider } from '../../src/devcluster/oidc.js';
import { OIDC_USERS, type OidcInfo } from './users.js';

export const PORTAL_CLIENT_ID = 'kubevdi-portal';
const SHORT_LIVED_CLIENT_ID = 'kubevdi-short-lived';
/** Where the portal receives the authorization code; any loopback port (see OidcInfo.redirectUris). */
export const PORTAL_REDIRECT_URIS = ['http://127.0.0.1/auth/callback', 'http://localhost/auth/callback'];
export const PORTAL_POST_LOGOUT_REDIRECT_URIS = ['http://127.0.0.1/', 'http://localhost/'];

export interface TestOidc {
  provider: OidcProvider;
  info: OidcInfo;
  trust: OidcTrust;
}

export async function startTestOidc(log: (line: string) => void): Promise<TestOidc> {
  const clientSecret = randomBytes(24).toString('base64url');
  const client = (client_id: string): OidcClient => ({
    client_id,
    client_secret: clientSecret,
    token_endpoint_auth_method: 'client_secret_basic',
    // `native` so the loopback redirect URIs match on any port: the portal under test listens
    // on a free one.
    application_type: 'native',
    redirect_uris: PORTAL_REDIRECT_URIS,
    // Where the issuer's end-session endpoint may send the browser back: the portal's sign-in
    // page (any loopback port, as for redirect_uris).
    post_logout_redirect_uris: PORTAL_POST_LOGOUT_REDIRECT_URIS,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  });
  const provider = await startOidcProvider({
    issuerHost: 'localhost',
    users: OIDC_USERS,
    clients: [client(PORTAL_CLIENT_ID), { ...client(SHORT_LIVED_CLIENT_ID), idTokenTtlSeconds: 2 }],
    log,
  });
  return {
    provider,
    info: {
      issuer: provider.issuer,
      caPem: provider.caPem,
      clientId: PORTAL_CLIENT_ID,
      clientSecret,
      redirectUris: PORTAL_REDIRECT_URIS,
      shortLivedClientId: SHORT_LIVED_CLIENT_ID,
    },
    trust: {
      issuer: provider.issuer,
      caPem: provider.caPem,
      clientIds: [PORTAL_CLIENT_ID, SHORT_LIVED_CLIENT_ID],
    },
  };
}
