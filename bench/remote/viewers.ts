// A person looking at a desktop in Chromium, by one of the benchmark's paths — each its own browser
// context (its own sign-in cookie, its own renderer), with the sampler (sampler.ts) in the page:
//
// - `rdp-portal`: the portal's remote desktop page, IronRDP through the portal's RDP gateway, as
//   people use it (ticket, access review, guard, audit, metrics).
// - `rdp-direct`: the same page and the same client, its websocket sent to the bare relay
//   (direct-relay.ts) instead of the portal's gateway. The page still asks the portal for a
//   ticket (nothing redeems it); everything after that goes around the portal.
// - `vnc-portal`: the portal's VNC console, noVNC through the portal and the API server to
//   KubeVirt's `vnc` subresource (the simulator's virt-api).
//
// The page's Content-Security-Policy is bypassed in every context (it would keep the direct path's
// websocket from another port), so that all three run with the same browser settings.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { consolePagePath } from '../../src/portal/console/protocol.js';
import { rdpPagePath } from '../../src/portal/console/rdp-protocol.js';
import { browserCookies } from '../../test/support/portal-client.js';
import { waitUntil } from '../harness/wait.js';
import { patternState, samplerScript } from './sampler.js';

export const PATHS = ['rdp-portal', 'rdp-direct', 'vnc-portal'] as const;
export type PathName = (typeof PATHS)[number];

/** Wide and tall enough for 1280×800 under the page's toolbar, unscaled. */
const VIEWPORT = { width: 1320, height: 900 };
const CONNECT_TIMEOUT_MS = 60_000;

export interface ViewerTarget {
  portalUrl: string;
  cookie: string;
  namespace: string;
  desktop: string;
  /** Where the desktop's RDP server answers (host:port), for a client that connects straight. */
  rdpAddress: string;
  /** For `rdp-direct`: the relay's websocket URL for this desktop. */
  relayUrl?: string;
}

export interface OpenViewer {
  path: PathName;
  page: Page;
  context: BrowserContext;
  close(): Promise<void>;
}

/** The page's websockets to the gateway go to `target` instead (the direct path). */
function redirectRdpSocket(target: string): string {
  return `(() => {
    const target = ${JSON.stringify(target)};
    window.WebSocket = new Proxy(window.WebSocket, {
      construct(Native, args) {
        if (new URL(String(args[0]), location.href).pathname.startsWith('/api/rdp/')) args[0] = target;
        return Reflect.construct(Native, args);
      },
    });
  })();`;
}

/** Opens the path's page and resolves once it says it is connected. */
export async function openViewer(browser: Browser, path: PathName, target: ViewerTarget): Promise<OpenViewer> {
  const context = await browser.newContext({ viewport: VIEWPORT, bypassCSP: true });
  try {
    await context.addCookies(browserCookies(target.cookie, target.portalUrl));
    await context.addInitScript({ content: samplerScript(path === 'vnc-portal' ? 'vnc' : 'rdp') });
    if (path === 'rdp-direct') {
      if (!target.relayUrl) throw new Error('the direct path needs the relay');
      await context.addInitScript({ content: redirectRdpSocket(target.relayUrl) });
    }
    const page = await context.newPage();
    const { namespace, desktop } = target;
    const vnc = path === 'vnc-portal';
    await page.goto(
      `${target.portalUrl}${vnc ? consolePagePath(namespace, desktop) : rdpPagePath(namespace, desktop)}`,
    );
    const status = vnc ? '#console-status' : '#rdp-status';
    await waitUntil(`${path} to ${namespace}/${desktop} to connect`, CONNECT_TIMEOUT_MS, async () => {
      const text = await page.textContent(status);
      if (text !== 'Connected.' && /could not|not |refused|ended|another tab/i.test(text ?? ''))
        throw new Error(`the page says: ${text}`);
      return text === 'Connected.';
    });
    return { path, page, context, close: () => context.close() };
  } catch (err) {
    await context.close();
    throw err;
  }
}

/**
 * Until the page shows the test pattern at its full size — moving (two different frame numbers),
 * unless the screen is `still` (the same frame number twice) — and the keyboard's focus is on the
 * remote screen (a click on it, as a person would).
 */
export async function waitForPattern(
  viewer: OpenViewer,
  { still = false, timeoutMs = 30_000 } = {},
): Promise<{ width: number; height: number }> {
  let first: number | undefined;
  let size = { width: 0, height: 0 };
  await waitUntil(`the test pattern on the ${viewer.path} page`, timeoutMs, async () => {
    const state = await patternState(viewer.page);
    if (!state) return false;
    size = { width: state.width, height: state.height };
    const seen = first !== undefined && (still ? state.frame === first : state.frame !== first);
    first = state.frame;
    return seen;
  });
  await viewer.page.click('#screen', { position: { x: 600, y: 400 } });
  return size;
}
