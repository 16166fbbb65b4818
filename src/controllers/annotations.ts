// Annotations kubevdi reads and writes on desktops.

/**
 * The user who holds a desktop. While it is set, the pool never removes, restarts or recreates
 * the desktop; DesktopClaims set and clear it (a label cannot hold user names like
 * "oidc:alice@example.com").
 */
export const HOLDER_ANNOTATION = 'kubevdi.io/assigned-to';

/** Hash of the desktop as kubevdi last rendered it: equal hash, nothing to write. */
export const SPEC_HASH_ANNOTATION = 'kubevdi.io/spec-hash';
