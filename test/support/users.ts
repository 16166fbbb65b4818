/** The people of the test world: names and the groups the API server sees them in. */
export const TEST_USERS: Record<string, string[]> = {
  alice: ['vdi-users'],
  bob: ['vdi-users', 'vdi-admins'],
  carol: ['vdi-pool-admins'],
  dave: ['vdi-template-admins'],
  erin: ['vdi-power-users'],
  frank: ['vdi-users'],
  /** The operator in tests runs as this user, bound to nothing but the kubevdi:operator ClusterRole. */
  'kubevdi-operator': [],
};

export interface ClusterInfo {
  url: string;
  adminKubeconfig: string;
  userKubeconfigs: Record<string, string>;
  /** A kubectl of the same release as the API server. */
  kubectl: string;
  oidc: OidcInfo;
}

/**
 * People who sign in through the test world's OpenID provider (not certificate users): the API
 * server knows them as `oidc:<email>` in groups `oidc:<group>`.
 */
export const OIDC_USERS: Record<string, { password: string; name?: string; email: string; groups: string[] }> = {
  // Ada has a name at the provider (scope profile); the others only an email.
  ada: { password: 'ada-correct-horse', name: 'Ada Lovelace', email: 'ada@example.com', groups: ['vdi-users'] },
  grace: { password: 'grace-battery-staple', email: 'grace@example.com', groups: ['vdi-admins'] },
  // The Admin Portal's people (test/portal-admin.integration.test.ts binds their groups' roles).
  hopper: { password: 'hopper-compiler-1952', email: 'hopper@example.com', groups: ['vdi-cluster-admins'] },
  hedy: { password: 'hedy-frequency-hop', email: 'hedy@example.com', groups: ['vdi-pool-admins'] },
  linus: { password: 'linus-golden-image', email: 'linus@example.com', groups: ['vdi-template-admins'] },
  mary: { password: 'mary-read-only-eyes', email: 'mary@example.com', groups: ['vdi-viewers'] },
};

/** The test world's OpenID provider and the portal's client registered there. */
export interface OidcInfo {
  /** https://localhost:PORT, exactly the `iss` the API server expects. */
  issuer: string;
  /** http://127.0.0.1:PORT: the provider's pages for browsers (login, end-session), no certificate to trust. */
  browserUrl: string;
  /** CA of the issuer's serving certificate (not the cluster CA). */
  caPem: string;
  /** `kubevdi-portal`, confidential (client_secret_basic), PKCE (S256) required. */
  clientId: string;
  clientSecret: string;
  /**
   * Loopback redirect URIs; the client is `application_type: native`, so any port of these
   * is accepted (RFC 8252), the path must match exactly.
   */
  redirectUris: string[];
  /** A client whose ID tokens live 2 s, for expiry tests; also an audience the API server accepts. */
  shortLivedClientId: string;
}
