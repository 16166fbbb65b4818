// The OIDC settings of `kubevdi portal`: issuer and client ID are plain flags; the client secret,
// like the session secret, comes from a mounted file or the environment, never the command line
// (visible in `ps`); a private issuer CA from a file.
import { readFile } from 'node:fs/promises';
import type { OidcOptions } from './oidc.js';

export const OIDC_CLIENT_SECRET_ENV = 'KUBEVDI_PORTAL_OIDC_CLIENT_SECRET';

export interface OidcFlags {
  issuer?: string;
  clientId?: string;
  clientSecretFile?: string;
  caFile?: string;
}

/** The OIDC options, or undefined when no issuer is given (OIDC sign-in off). */
export async function loadOidcOptions(flags: OidcFlags, env = process.env): Promise<OidcOptions | undefined> {
  if (!flags.issuer) {
    if (flags.clientId || flags.clientSecretFile || flags.caFile)
      throw new Error('--oidc-client-id, --oidc-client-secret-file and --oidc-ca-file need --oidc-issuer');
    return undefined;
  }
  if (!flags.clientId) throw new Error('--oidc-issuer needs --oidc-client-id');
  const clientSecret = flags.clientSecretFile
    ? (await readFile(flags.clientSecretFile, 'utf8')).trim()
    : env[OIDC_CLIENT_SECRET_ENV];
  if (!clientSecret)
    throw new Error(
      `--oidc-issuer needs the client secret: --oidc-client-secret-file FILE or ${OIDC_CLIENT_SECRET_ENV}`,
    );
  return {
    issuer: flags.issuer,
    clientId: flags.clientId,
    clientSecret,
    caPem: flags.caFile ? await readFile(flags.caFile, 'utf8') : undefined,
  };
}
