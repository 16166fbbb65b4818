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

/**
 * On a claim, one per open console connection to its desktop (VNC or RDP, through the portal):
 * `console.kubevdi.io/<connection id>`, its value a ConsoleRecord (console-record.ts). The portal
 * writes it as the person who connected, refreshes it while the connection is open and marks it
 * ended; the operator turns records into the claim's `status.consoles` and Events, and removes
 * ended ones. The admission policy lets users change these besides the activity annotation.
 */
export const CONSOLE_ANNOTATION_PREFIX = 'console.kubevdi.io/';

/**
 * On a claim, beside a console record: `console-end.kubevdi.io/<connection id>`, its value the
 * name of the administrator who asked for that connection to end (through the Admin Portal, as
 * them). The portal carrying the connection follows the claim and ends it. Users cannot write it
 * (the admission policy lets them change only the keys above), so it cannot be forged by them.
 */
export const CONSOLE_END_ANNOTATION_PREFIX = 'console-end.kubevdi.io/';

/**
 * On a desktop: the profile disk (PVC) bound with it (issue 18). Set with the bind, so the pool's
 * renderer keeps the disk in the desktop's spec whenever it applies the desktop again.
 */
export const PROFILE_DISK_ANNOTATION = 'kubevdi.io/profile-disk';
