// The gateway's latency, measured on the same screen changes: the portal's RDP page and the direct
// one open at once on the same desktop (FreeRDP's shadow server serves both from the same capture),
// on a still screen, with key presses typed alternately in each (keys.ts):
//
// - to the desktop: keydown to the key reaching the desktop's program, typed through the portal
//   against typed around it — the gateway's part of the way in, without the capture in the way;
// - back to the browser: per screen change, when the portal's page drew it minus when the direct
//   page drew it — one capture, one encoder, one through the gateway and one around it.
//
// The two medians added are what the gateway adds to a key press; set beside the direct path's own
// key to pixel time, its share. Before the direct page opens, the portal's page alone types a few
// unmeasured keys on the still screen: FreeRDP paces its captures by how far its one client lags
// (at most 32 a second), and stops adjusting once a second client is connected.
import { type Distribution, distribution, ratio, round } from '../harness/stats.js';
import { pixelAt, typeKey } from './keys.js';
import type { RunningPattern } from './pattern.js';
import type { KeySeen } from './sampler.js';
import { type OpenViewer, waitForPattern } from './viewers.js';

export interface PairedResult {
  /** Measured presses (half typed in each page). */
  presses: number;
  /** Of them, changes a page did not show within KEY_TIMEOUT_MS (left out of the figures). */
  late: number;
  /** Key to pixel, typed and seen in the same page. */
  portal: Distribution;
  direct: Distribution;
  /** Keydown to the desktop, typed in each page. */
  toDesktop: { portal: Distribution; direct: Distribution };
  /** Per screen change, the portal's page's draw minus the direct page's, ms (negative: the portal's first). */
  backToBrowser: Distribution;
  /** To the desktop p50 portal − direct, plus back to the browser p50. */
  addedMs: number;
  /** (direct key to pixel p50 + addedMs) / direct key to pixel p50. */
  ratio: number;
}

/** Presses of the portal's page alone first, not measured: the server's capture pace recovers. */
const WARM_UP_PRESSES = 12;

export async function pairedLatency(
  portal: OpenViewer,
  openDirect: () => Promise<OpenViewer>,
  pattern: RunningPattern,
  presses: number,
): Promise<PairedResult> {
  await waitForPattern(portal);
  pattern.still(true);
  try {
    for (let i = 0; i < WARM_UP_PRESSES; i++) await typeKey(portal.page, [], pattern);
    const direct = await openDirect();
    try {
      await waitForPattern(direct, { still: true });
      return await measure(portal, direct, pattern, presses);
    } finally {
      await direct.close();
    }
  } finally {
    pattern.still(false);
  }
}

async function measure(
  portal: OpenViewer,
  direct: OpenViewer,
  pattern: RunningPattern,
  presses: number,
): Promise<PairedResult> {
  const own = { portal: [] as number[], direct: [] as number[] };
  const toDesktop = { portal: [] as number[], direct: [] as number[] };
  const back: number[] = [];
  let late = 0;
  for (let i = 0; i < presses; i++) {
    const typedIn = i % 2 === 0 ? 'portal' : 'direct';
    const [typing, other] = typedIn === 'portal' ? [portal, direct] : [direct, portal];
    const { seen, desktopAt } = await typeKey(typing.page, [other.page], pattern);
    const [seenTyping, seenOther] = seen as [KeySeen, KeySeen];
    const keyAt = seenTyping.keyAt as number;
    const [seenPortal, seenDirect] = typedIn === 'portal' ? [seenTyping, seenOther] : [seenOther, seenTyping];
    toDesktop[typedIn].push(desktopAt - keyAt);
    const [atTyping, atPortal, atDirect] = [pixelAt(seenTyping), pixelAt(seenPortal), pixelAt(seenDirect)];
    // A change a page did not show in time (a still screen: it should not happen) is left out, and counted.
    if (atTyping === undefined || atPortal === undefined || atDirect === undefined) {
      late++;
      continue;
    }
    own[typedIn].push(atTyping - keyAt);
    back.push(atPortal - atDirect);
  }
  const directP50 = distribution(own.direct).p50;
  const inward = { portal: distribution(toDesktop.portal), direct: distribution(toDesktop.direct) };
  const backToBrowser = distribution(back);
  const addedMs = round(inward.portal.p50 - inward.direct.p50 + backToBrowser.p50);
  return {
    presses,
    late,
    portal: distribution(own.portal),
    direct: distribution(own.direct),
    toDesktop: inward,
    backToBrowser,
    addedMs,
    ratio: ratio(directP50 + addedMs, directP50),
  };
}
