// Annotations kubevdi reads and writes on desktops.

/**
 * The user who holds a desktop. While it is set, the pool never removes, restarts or recreates
 * the desktop; DesktopClaims set and clear it (a label cannot hold user names like
 * "oidc:alice@example.com").
 */
export const HOLDER_ANNOTATION = 'kubevdi.io/assigned-to';

/** Hash of the desktop as kubevdi last rendered it: equal hash, nothing to write. */
export const SPEC_HASH_ANNOTATION = 'kubevdi.io/spec-hash';

/** The DesktopClaim (name, for people) a desktop is bound to. */
export const CLAIM_ANNOTATION = 'kubevdi.io/claim';

/** The uid of that claim: a claim deleted and created again under the same name is another logon. */
export const CLAIM_UID_ANNOTATION = 'kubevdi.io/claim-uid';

/** On every DesktopClaim: its desktop is given back (and its grant removed) before it goes. */
export const RELEASE_FINALIZER = 'kubevdi.io/release-desktop';

/**
 * On a desktop of a Manual Stateless pool released by its user: when the reset was asked for.
 * The desktop stays its user's; it is stopped and given fresh disks (its DataVolumes deleted and
 * made again from the template) before that user can log on to it again.
 */
export const RESET_ANNOTATION = 'kubevdi.io/reset-requested';
