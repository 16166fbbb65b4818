// What the console page and the portal's console websocket agree on: the URL and the close codes
// that say, in plain words, why a console did not open or ended. A browser's WebSocket cannot read
// the HTTP status of a refused upgrade, so refusals that come from the API server (after the
// portal has upgraded the browser's connection) arrive as close frames with these codes (4000-4999
// are left to applications by RFC 6455). The page imports this file: no Node imports here.

/** The websocket path for one desktop's console; `takeOver` kicks a console open elsewhere. */
export function consoleSocketPath(namespace: string, desktop: string, takeOver = false): string {
  const path = `/api/console/${encodeURIComponent(namespace)}/${encodeURIComponent(desktop)}`;
  return takeOver ? `${path}?takeOver=true` : path;
}

/** The console page of one desktop. */
export function consolePagePath(namespace: string, desktop: string): string {
  return `/console/${encodeURIComponent(namespace)}/${encodeURIComponent(desktop)}`;
}

export const CONSOLE_CLOSE = {
  /** The API server refused the person's token: sign in again. */
  signInRequired: { code: 4401, reason: 'your sign-in has expired: sign in again' },
  /** RBAC said no — typically the grant went with the claim when the desktop was given back. */
  forbidden: { code: 4403, reason: 'you may not open this desktop’s console' },
  notFound: { code: 4404, reason: 'this desktop was not found, or it is not running' },
  /** KubeVirt allows one console per desktop, and another one is open (preserveSession). */
  inUse: { code: 4409, reason: 'the console is open elsewhere' },
  /** KubeVirt refused for another reason (e.g. the desktop is not running); the reason is its own. */
  refused: { code: 4400, reason: 'the desktop’s console cannot be opened now' },
  /** The API server or KubeVirt could not be reached, or failed. */
  unavailable: { code: 4502, reason: 'the desktop’s console is unavailable: try again' },
  /** Open, the grant went (the desktop was given back or released by an administrator): the portal ended it. */
  revoked: { code: 4411, reason: 'this desktop is no longer yours: it was given back' },
  /** An administrator ended the connection through the Admin Portal (the person may connect again). */
  administrator: { code: 4412, reason: 'an administrator ended this connection' },
  /** The console connection ended without saying why: taken over elsewhere, or the desktop stopped. */
  ended: { code: 4410, reason: 'the console was closed: opened elsewhere, or the desktop stopped' },
} as const;

export type ConsoleClose = keyof typeof CONSOLE_CLOSE;

/** A close code from the portal, back to what it means. */
export function consoleCloseOf(code: number): ConsoleClose | undefined {
  return (Object.keys(CONSOLE_CLOSE) as ConsoleClose[]).find((k) => CONSOLE_CLOSE[k].code === code);
}
