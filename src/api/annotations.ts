// Annotation keys kubevdi reads and writes: on desktops (most), on claims (activity) and on pools
// and templates (description). Part of the wire contract, like the labels and the finalizer.

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

/**
 * On a desktop of a Manual Stateless pool released by its user: when the reset was asked for.
 * The desktop stays its user's; it is stopped and given fresh disks (its DataVolumes deleted and
 * made again from the template) before that user can log on to it again.
 */
export const RESET_ANNOTATION = 'kubevdi.io/reset-requested';

/**
 * Set on a claim by its user (the portal does it for them, as them) to say "I am still here": an
 * open console, or "I'm still working". Its value is theirs to choose (the portal writes the time);
 * the operator counts the moment it sees the value change, by its own clock, as activity that
 * restarts the idle and logoff timers. The admission policy lets users change nothing else.
 */
export const ACTIVITY_ANNOTATION = 'kubevdi.io/activity';

/** On a pool, or failing that its template: a description people see under its name in the portal. */
export const DESCRIPTION_ANNOTATION = 'kubevdi.io/description';
