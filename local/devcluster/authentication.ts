// The API server's structured authentication configuration (`--authentication-config`): which
// OpenID Connect issuers it trusts and how their ID tokens become users. Client certificates and
// service-account tokens keep working beside it; they are configured by flags.
import { rename } from 'node:fs/promises';
import { stringify } from 'yaml';
import { writeSecret } from './pki.js';

export interface OidcTrust {
  /** Must equal the tokens' `iss` character for character (`localhost` is not `127.0.0.1`); https. */
  issuer: string;
  /** The CA of the issuer's serving certificate, PEM. */
  caPem: string;
  /** Client ids: a token is accepted when its `aud` names one of them. */
  clientIds: string[];
}

/**
 * Users and groups carry the `oidc:` prefix, so a person signed in through the issuer can never
 * be mistaken for a certificate user or a built-in group of the same name (`system:masters`).
 */
export const OIDC_PREFIX = 'oidc:';

export function authenticationConfiguration(trust: OidcTrust[]): Record<string, unknown> {
  return {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AuthenticationConfiguration',
    jwt: trust.map(({ issuer, caPem, clientIds }) => {
      if (!issuer.startsWith('https://')) throw new Error(`OIDC issuer ${issuer} must be https`);
      if (clientIds.length === 0) throw new Error(`OIDC issuer ${issuer} needs at least one client id`);
      return {
        issuer: {
          url: issuer,
          audiences: clientIds,
          // Required with more than one audience: the token's `aud` must name any one of them.
          ...(clientIds.length > 1 ? { audienceMatchPolicy: 'MatchAny' } : {}),
          certificateAuthority: caPem,
        },
        claimMappings: {
          username: { claim: 'email', prefix: OIDC_PREFIX },
          groups: { claim: 'groups', prefix: OIDC_PREFIX },
        },
      };
    }),
  };
}

/**
 * Written to a temporary file and renamed: the API server re-reads the file while running and
 * has been seen to read a half-written copy (FACTS.md).
 */
export async function writeAuthenticationConfiguration(file: string, trust: OidcTrust[]): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeSecret(temporary, stringify(authenticationConfiguration(trust)));
  await rename(temporary, file);
}
