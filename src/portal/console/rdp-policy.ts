// What the portal lets through one desktop's remote desktop: its pool's rdp settings (clipboard,
// file transfer, how the person signs in), read as the person when the page asks for a ticket and
// again when the gateway connects. A pool that cannot be read lets nothing through (it fails
// closed). The page follows the policy; the gateway enforces what it can itself: with neither
// clipboard nor files allowed, the desktop never opens its clipboard channel. Pure.
import { RdpSettings } from '../../api/virtualdesktoppool.js';
import type { PoolObject } from '../kube-objects.js';
import type { RdpPolicy } from './rdp-protocol.js';

/** When the pool cannot be read: nothing in or out, and the desktop asks for its own sign-in. */
export const CLOSED_POLICY: RdpPolicy = { clipboard: 'None', fileTransfer: 'None', signIn: 'WhenAsked' };

/** The policy of a pool as read (the schema's defaults for fields an older pool lacks). */
export function rdpPolicy(pool: PoolObject | undefined): RdpPolicy {
  if (!pool) return CLOSED_POLICY;
  const settings = RdpSettings.safeParse(pool.spec?.rdp ?? {});
  if (!settings.success) return CLOSED_POLICY;
  const { clipboard, fileTransfer, signIn } = settings.data;
  return { clipboard, fileTransfer, signIn };
}

/**
 * The static virtual channels the gateway keeps the desktop from opening. Files travel through
 * the clipboard channel (cliprdr) too, so it can go only when neither is allowed; one-way rules
 * are the page's to follow (and the desktop's to enforce, where it can).
 */
export function blockedChannels(policy: RdpPolicy): string[] {
  return policy.clipboard === 'None' && policy.fileTransfer === 'None' ? ['cliprdr'] : [];
}
