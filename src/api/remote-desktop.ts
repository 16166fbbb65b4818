// What a pool lets through its desktops' remote desktop besides the screen: which way the clipboard
// and files may go, and how the person signs in to the desktop from the browser. Enumerations only
// (zod alone): the pool's schema uses them, and so does the portal's remote desktop page, which
// is bundled for the browser.
import { z } from 'zod';

/**
 * A direction, as Horizon's and Citrix's clipboard and file transfer policies name them: from the
 * person's computer into the desktop, out of it, both ways, or neither.
 */
export const TransferDirection = z.enum(['Both', 'ToDesktop', 'FromDesktop', 'None']);
export type TransferDirection = z.infer<typeof TransferDirection>;

/** How the person signs in to the desktop itself (its own account), from the browser. */
export const RdpSignIn = z.enum(['WhenAsked', 'BeforeConnecting']);
export type RdpSignIn = z.infer<typeof RdpSignIn>;

/** Whether `direction` lets anything go into the desktop (paste, upload). */
export const intoDesktop = (direction: TransferDirection) => direction === 'Both' || direction === 'ToDesktop';
/** Whether `direction` lets anything come out of the desktop (copy, download). */
export const outOfDesktop = (direction: TransferDirection) => direction === 'Both' || direction === 'FromDesktop';
