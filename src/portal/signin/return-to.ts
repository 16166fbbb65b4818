// Where a sign-in sends the person back to: only a path on the portal itself. Anything that a
// browser could resolve to another origin (`//evil.example`, `/\evil.example`, `https://...`)
// would turn /auth/login into an open redirect that lends the portal's name to phishing.

const MAX_LENGTH = 2048;
const BASE = 'http://portal.invalid';

/** `value` when it is a same-origin relative path (with query and fragment), else undefined. */
export function safeReturnTo(value: string | undefined): string | undefined {
  if (value === undefined || value === '' || value.length > MAX_LENGTH) return undefined;
  if (!value.startsWith('/') || value.startsWith('//')) return undefined;
  // Browsers read `\` as `/` in URLs, and control characters are stripped before parsing.
  if (value.includes('\\') || [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    return undefined;
  try {
    const url = new URL(value, BASE);
    return url.origin === BASE ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The portal's sign-in start for coming back to `returnTo`. */
export function signInPath(returnTo: string): string {
  return `/auth/login?${new URLSearchParams({ returnTo }).toString()}`;
}
