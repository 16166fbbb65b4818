// How the portal addresses the signed-in person in its header: their name, as a person reads it,
// not the Kubernetes user name RBAC sees (`oidc:ada@example.com`), which stays in the header's
// title. Display only: who the person is for the cluster always comes from the API server
// (whoami.ts); the name comes from the ID token's claims, as openid-client validated them.
import { escapeHtml } from './pages.js';

/** Longer claims are cut: a header is not the place for a paragraph. */
const MAX_NAME_LENGTH = 80;

/** The ID token's `name`, else its `email`: what the issuer says to call the person, if anything. */
export function nameFromClaims(claims: Record<string, unknown>): string | undefined {
  for (const claim of [claims.name, claims.email]) {
    if (typeof claim !== 'string') continue;
    const name = claim.replace(/\s+/g, ' ').trim();
    if (name) return name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH - 1)}…` : name;
  }
  return undefined;
}

/**
 * The name from the sign-in when there is one; else the user name without the prefix the API
 * server put in front of it (`oidc:`), and a ServiceAccount by its own name.
 */
export function displayName(username: string, name?: string): string {
  if (name) return name;
  const serviceAccount = /^system:serviceaccount:[^:]+:(.+)$/.exec(username);
  if (serviceAccount?.[1]) return serviceAccount[1];
  const colon = username.indexOf(':');
  return colon > 0 && colon < username.length - 1 && !username.startsWith('system:')
    ? username.slice(colon + 1)
    : username;
}

/** The header's "Signed in as", with the Kubernetes user name in the title (and to assistive technology). */
export function signedInAs(username: string, name?: string): string {
  const shown = displayName(username, name);
  const title = `Kubernetes user ${username}`;
  return `<p class="who">Signed in as <strong title="${escapeHtml(title)}">${escapeHtml(shown)}</strong>${
    shown === username ? '' : `<span class="visually-hidden"> (${escapeHtml(title)})</span>`
  }</p>`;
}
