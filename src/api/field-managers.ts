// The field managers kubevdi writes under. Server-side apply keys ownership of every field by
// manager, so each writer that owns a different part of an object has its own name, and the
// Admin Portal tells a GitOps tool's fields from kubevdi's by them.

/** The controllers' applies of desktops, grants and entitlements, and their status writes. */
export const OPERATOR_FIELD_MANAGER = 'kubevdi';

/** Merge patches with resourceVersion preconditions (bindings, finalizers) made for claims. */
export const CLAIMS_FIELD_MANAGER = 'kubevdi-claims';

/** The session observer's part of a claim's status (who is logged on, since when). */
export const SESSIONS_FIELD_MANAGER = 'kubevdi-sessions';

/** The leader's hourly desktop-seconds of each pool (`status.usage`). */
export const USAGE_FIELD_MANAGER = 'kubevdi-usage';

/** What the portal applies as the person: not someone else's (the GitOps warning leaves it out). */
export const PORTAL_FIELD_MANAGER = 'kubevdi-portal';
