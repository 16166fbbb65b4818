// The test world's OpenID provider: started before the control plane, whose API server is told
// to trust it, with the portal's client and the people of OIDC_USERS.
import { randomBytes } from 'node:crypto';
import type { OidcTrust } from '../../local/devcluster/authentication.js';
import { type OidcProvider, startOidcProvider } from '../../local/devcluster/oidc.js';
import {
  loopbackPortalClient,
  PORTAL_CLIENT_ID,
  PORTAL_POST_LOGOUT_REDIRECT_URIS,
  PORTAL_REDIRECT_URIS,
} from '../../local/devcluster/portal-client.js';
import { OIDC_USERS, type OidcInfo } from './users.js';

const SHORT_LIVED_CLIENT_ID = 'kubevdi-short-lived';

export { PORTAL_CLIENT_ID, PORTAL_POST_LOGOUT_REDIRECT_URIS, PORTAL_REDIRECT_URIS };

export interface TestOidc {
  provider: OidcProvider;
  info: OidcInfo;
  trust: OidcTrust;
}

export async function startTestOidc(log: (line: string) => void): Promise<TestOidc> {
  const clientSecret = randomBytes(24).toString('base64url');
  const client = (clientId: string) => loopbackPortalClient(clientId, clientSecret);
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
      browserUrl: provider.browserUrl,
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
