// The remote-desktop part of BENCHMARKS.md (issue 16 §4): its rows in the latest results' table,
// and a section of its own with the method, every path's figures, the gateway's share of a key
// press, the portal's capacity and where the CPU went. The findings are written by hand.

import { movingPresses } from '../remote/measure.js';
import type { KeyLatency, PathResult, RemoteResult } from '../remote-desktop.js';
import { mark } from './report-format.js';
import { type Distribution, ratio, round } from './stats.js';

const PATH_NAMES: Record<PathResult['path'], string> = {
  'rdp-portal': 'RDP through the portal',
  'rdp-direct': 'RDP direct (bare relay)',
  'vnc-portal': 'VNC through the portal and the API server',
  'rdp-native': 'RDP native (xfreerdp, no browser, no gateway)',
};

export const REMOTE_METHOD = `- **Remote desktop** (issue 16): Chromium shows a simulated desktop's real screen (Xvnc, 1280×800)
  on which a test pattern changes every pixel 60 times a second, by RDP through the portal, by the
  same RDP page around the portal's gateway, and by VNC through the portal and the API server, and
  a native RDP client shows it too; frames shown, key press to changed pixel, the gateway's share
  of it, the portal's CPU and memory per session and how many sessions it carries. See
  [Remote desktop](#remote-desktop).
`;

/**
 * What the benchmark found (by hand: the rest is generated), with the run it comes from. Empty
 * until a full run was read.
 */
export const REMOTE_FINDINGS = `### Findings

From the run below (2026-12-07 18:16, load 4.7 at the start and 11.7 at the end: other engineers'
test runs shared the 2 cores), beside an earlier full run (17:54, load 18 throughout) and targeted
runs named as such.

1. **The gateway adds 1.4 ms to a key press: 1.03× the direct path ✅.** With both RDP pages on the
   same screen changes, a key typed through the portal reached the desktop 0.5 ms later (p50 17.5
   against 17.0 ms) and the portal's page drew each change 0.9 ms after the direct page, against
   43 ms key to pixel directly. One page at a time agrees (p50 44.5 against 43.4 ms, 1.03×). At load
   18 (17:54) the paired figure held: +3.8 ms on 52.8 ms, 1.07×. Frames shown through the portal
   and through the bare relay differ by less than the rounds do (5.0 and 3.9 a second, rounds
   4.4–5.7 and 3.8–5.3). What the portal adds around the relaying is done once per connection (the
   ticket, the access review) or every few seconds (the guard), not per byte: it spent 1.6 % of a
   core relaying 1.8 MB/s for one page, the bare relay 0.9 % at 1.5 MB/s.
2. **30 frames a second at 1280×800 is not met through the portal ❌, and not because of the
   portal.** With every pixel changing 60 times a second, three things cap it, in this order:
   - *The RDP server*: FreeRDP 2's shadow server paces its captures itself (its encoder starts at 16
     a second and adapts, up to 32, from the client's frame acknowledgements: shadow_encoder.c). The
     native client showed 16.4 a second in every round (16.0–16.5) with xfreerdp using 0.10 of a
     core: the server's pace, not the client's. No client of this server reached 30 here.
   - *The browser's RDP client*: IronRDP's WebAssembly decodes and draws on the page's main thread;
     it took 0.5–0.6 of a core for 4–5 frames a second (about 0.36 MB a frame), and the page itself
     ran 10–13 animation frames a second instead of 60. In quieter targeted runs (15:30, load
     about 3) it reached 9–10 a second at 0.8–1.0 of a core: a core's worth of decoding is about 10
     frames of full-screen motion. At load 18 (17:54) it fell to 1.7 a second, while the native
     client kept 8.9.
   - *VNC* in the same browser showed 16.2 a second (rounds 10.7–17.6; 21.5 in a quieter targeted
     run), its JPEG rectangles decoded by the browser itself, through the portal, the API server
     and virt-api: 3.2× RDP's frames (the test pattern itself drew 45 a second meanwhile, Xvnc's
     encoding taking its share of the cores).
   What would move RDP: a server that keeps up (xrdp, being added to the simulator; FreeRDP 3),
   and a client that decodes off the main thread or lets the browser decode (the RDP graphics
   pipeline with H.264 and WebCodecs). The gateway relays whatever they produce.
3. **While the whole screen moves, a key press over RDP in the browser shows 1.5–2.4 s late (p50);
   over VNC 0.17 s, natively 0.1 s.** The server produces frames faster than the page decodes
   them, and the difference waits in buffers. In a targeted run (16:01) \`ss\` showed 1.2–2.4 MB
   waiting in the browser's socket receive buffer and up to 0.9 MB in the relay's socket send
   buffer — through the portal and through the bare relay alike — besides what the relay holds
   itself (up to its high-water mark of 1 MB); at 1.8 MB/s that is seconds. A key also waits for
   the busy page to handle it (0.4–0.5 s to the desktop, against 10 ms natively). VNC does not
   queue: noVNC asks for the next frame only when it has drawn the last. A smaller high-water mark
   in the gateway would shave at most its own 1 MB off; pacing by what the client has drawn is the
   server's and the client's part.
4. **On a still screen a key press takes 16 ms over VNC and 42–45 ms over RDP (portal, direct
   and native alike):** the RDP server's capture pace (every 62 ms at 16 a second) dominates; the
   browser's RDP client also takes 14–16 ms from keydown to the desktop, against 0.9 ms natively
   and 3.7 ms for noVNC.
5. **Sessions per portal replica: 1 on this machine before frames drop, and the portal is not what
   ran out.** With two pages at once each showed 2.1–2.7 frames a second against 4.0 alone; the
   portal used 0.4 % of a core per session, Chromium 0.55 of a core, the two desktops' X servers,
   RDP servers and test patterns 0.3 — on 2 cores shared with other runs. By its own CPU (0.5 % of a
   core per MB/s relayed) and a frame's weight (0.36 MB), one core of portal would carry about 18
   sessions of full-screen motion at 30 frames a second; an office desktop, mostly still, sends a
   small part of that. Its memory did not grow measurably with the sessions (150.6 MiB with none
   open, 151.3 MiB with two); what a session can hold is bounded by the relay's high-water mark
   (1 MB towards the browser; towards the desktop it pauses at the socket's own buffer).
`;

const METHOD = `## Remote desktop

What a person sees of a desktop in the browser (issue 16 §4), measured in one run
(\`bench/remote-desktop.ts\`, \`bench/remote/\`):

- **The desktop.** The simulator's real screen for a desktop (TigerVNC's Xvnc at 1280×800, its VNC
  server, and FreeRDP 2's shadow server sharing the same display over RDP, with a certificate from
  the desktops' CA). On it, a small X program (\`bench/remote/testpattern.c\`, built with the C
  compiler) covers the screen and redraws it 60 times a second with a diagonal colour gradient
  moving 4 pixels a frame — every pixel changes every frame, the worst case for a remote display,
  as a video is. Two things in the picture are read back in the browser: the frame's number,
  Gray-coded in 16 black or white squares along the top edge, and a square that turns from red to
  blue or back on every key press (drawn at once, not at the next frame). The program holds the
  keyboard, prints when each key press reached it (the machine's wall clock), and counts the
  frames it drew.
- **Four paths**, one after the other on the same desktop, in rounds that rotate their order;
  three are a page each in Chromium (Debian's, headless, each page its own browser context):
  1. *RDP through the portal*: the portal's remote desktop page (IronRDP's web client, WebAssembly),
     its RDCleanPath gateway (ticket, SelfSubjectAccessReview, connection guard, audit, metrics),
     the desktop's RDP server — what people use. The portal is \`node dist/cli.js portal\` in a
     process of its own.
  2. *RDP direct*: the same page and client, its websocket sent (by a script added to the page)
     to a bare relay built from the gateway's own parts — the RDCleanPath request reader and codec,
     the upstream's TCP + X.224 + TLS with the same CA check, the relay with its backpressure — and
     nothing else (\`bench/remote/direct-relay.ts\`, a process of its own). The browser client cannot
     open TCP, so this is as near as it gets to the RDP server without the gateway; the difference
     is what the portal adds around the same relaying code.
  3. *VNC through the portal and the API server*: the portal's console page (noVNC), the portal,
     the API server's aggregation layer, KubeVirt's \`vnc\` subresource (the simulator's virt-api),
     Xvnc.
  4. *RDP native*: FreeRDP's own X11 client (xfreerdp 2, native code) straight to the desktop's RDP
     server — no browser, no gateway — on an Xvfb of its own, where a small probe
     (\`bench/remote/probe.c\`) reads the same squares back and types the keys (XSendEvent). What the
     RDP server gives a native client on this machine: an anchor for the browser's figures, not for
     the gateway's (its certificate is taken as it comes, \`/cert:ignore\`).
- **Frames shown** are counted in the page on every animation frame: the frame number the desktop
  drew is decoded from the canvas the client draws in, and the distinct numbers are counted over
  the window (after 2 s of motion). The page's own animation frames a second (its refresh, the most
  it can show) and the frames the desktop drew meanwhile are shown beside it.
- **Key press to changed pixel**: Playwright presses a key in the page; the time runs from the
  keydown event's own timestamp to the draw call (putImageData or drawImage on the client's canvas,
  hooked) that left the marker changed ("to pixel"), and to the first animation frame showing it.
  "To the desktop" runs from the keydown to the program's own record of the key. Presses come at
  random gaps of 150–400 ms, first while the screen moves, then on a still screen (the motion
  stopped; only the marker changes). Each waits until the page shows every earlier press (the
  marker's colour is the parity of the presses the desktop got); one not shown after 30 s is
  counted as 30 s, and said so. On the still screen 10 unmeasured presses come first: FreeRDP's
  shadow server paces its captures by how far its client lags (frame acknowledgements; 32 a second
  at most), slower after the motion, and each small update speeds it up again.
- **The gateway's share, paired.** Both RDP pages are open at once on the same desktop (the shadow
  server serves both from one capture), on a still screen, with keys typed alternately in each. The
  way in is compared by "to the desktop" (typed in the portal's page against typed in the direct
  one); the way out per screen change, by when the portal's page drew it minus when the direct page
  drew the same change. Their sum is what the gateway adds to a key press, without the server's
  capture timing (shared by both) in the way; set beside the direct page's own key to pixel time, it
  is the ratio held to the 10 % target. The one-page-at-a-time figures are shown too.
- **CPU and memory**: every process the run started (its process tree), by what it is, from
  \`/proc/<pid>/stat\` while frames are counted, as a share of one core; the portal's VmRSS. Bytes to
  the browser come from the portal's \`kubevdi_portal_console_bytes_total\` and the relay's own count.
- **Capacity**: more and more people (1, 2, 4, 8 at full size), each with their own desktop and test
  pattern, open the RDP page through the one portal at once (the ones open stay open as more come);
  at each step every page's frames are counted at once. A step holds while every page shows at least
  90 % of the frames one page alone showed in the same series; the series stops at the first that
  does not. On this machine the desktops, Chromium and the portal share 2 cores, so the CPU by
  process says who ran out; the portal's own CPU per session gives an estimate of what one core of
  portal would carry (an estimate: not measured, since something else runs out first here).
`;

/** Rows of the latest results' table. */
export function remoteRows(r: RemoteResult): string[] {
  const [portal, direct, vnc, native] = r.paths as [PathResult, PathResult, PathResult, PathResult];
  const size = `${portal.width}×${portal.height}`;
  const per = (p: PathResult) => `**${p.fps}** (rounds ${p.fpsPerRound.join(', ')}; the page ran ${p.pageFps})`;
  const widest = r.capacity.steps[r.capacity.steps.length - 1];
  const perSessionCpu = widest ? widest.portalCpuPerSession : portal.gatewayCpu;
  const residentPerSession = memoryPerSession(r);
  const estimate = sessionsPerCore(r);
  return [
    `| remote: frames shown a second, ${size}, every pixel moving (the desktop draws ${r.patternFps}) — RDP through the portal | ${per(portal)} | RDP direct (same client, bare relay): ${direct.fps} | ${ratio(portal.fps, direct.fps)}× | ≥ ${r.targets.fps} ${mark(portal.fps >= r.targets.fps)} |`,
    `| remote: frames shown — VNC through the portal and the API server | ${per(vnc)} | RDP through the portal: ${portal.fps} | ${r.ratios.vncFps}× | ≥ ${r.targets.fps} ${mark(vnc.fps >= r.targets.fps)} |`,
    `| remote: frames shown — RDP native client (xfreerdp) straight to the RDP server, no browser, no gateway | **${native.fps}** (rounds ${native.fpsPerRound.join(', ')}) | RDP through the portal: ${portal.fps} | ${r.ratios.nativeFps}× | what the server gives a native client here |`,
    `| remote: key press to changed pixel, RDP — the gateway's share (both pages on the same screen changes, still screen, ${r.paired.presses} presses) | through the portal p50 ${r.paired.portal.p50} ms; the gateway adds **${r.paired.addedMs} ms** (to the desktop ${signed(r.paired.toDesktop.portal.p50 - r.paired.toDesktop.direct.p50)} ms, back to the browser ${signed(r.paired.backToBrowser.p50)} ms) | direct p50 ${r.paired.direct.p50} ms | **${r.paired.ratio}×** | ≤ ${r.targets.gatewayLatencyRatio}× ${mark(r.paired.ratio <= r.targets.gatewayLatencyRatio)} |`,
    `| remote: key press to changed pixel, RDP, one page at a time (still screen; screen moving) | p50 ${portal.keysStill.toPixel.p50} ms, p95 ${portal.keysStill.toPixel.p95} ms; moving p50 ${portal.keysMoving.toPixel.p50} ms | direct: p50 ${direct.keysStill.toPixel.p50} ms, p95 ${direct.keysStill.toPixel.p95} ms; moving p50 ${direct.keysMoving.toPixel.p50} ms | ${r.ratios.gatewayLatencyStill}×; moving ${r.ratios.gatewayLatencyMoving}× | |`,
    `| remote: key press to changed pixel, VNC through the portal and the API server (still; moving) | p50 ${vnc.keysStill.toPixel.p50} ms, p95 ${vnc.keysStill.toPixel.p95} ms; moving p50 ${vnc.keysMoving.toPixel.p50} ms | RDP through the portal: p50 ${portal.keysStill.toPixel.p50} ms | ${r.ratios.vncLatencyStill}× | |`,
    `| remote: the portal's CPU and memory per open RDP session (${widest?.sessions ?? 1} open) | ${pct(perSessionCpu)} of a core a session, at ${widest?.medianFps ?? portal.fps} frames/s and ${round((widest?.mbPerSecond ?? portal.mbPerSecond) / (widest?.sessions ?? 1), 2)} MB/s to the browser; ${residentPerSession} | one page through the portal: ${pct(portal.gatewayCpu)} at ${portal.mbPerSecond} MB/s; through the bare relay: ${pct(direct.gatewayCpu)} at ${direct.mbPerSecond} MB/s | | |`,
    `| remote: RDP sessions one portal replica carries on this machine before frames drop (every page ≥ ${r.capacity.thresholdFps} frames/s, 90 % of one alone) | **${r.capacity.heldSessions}** (${r.capacity.steps.map((s) => `${s.sessions}: ${s.minFps}–${s.medianFps}`).join('; ')} frames/s, lowest–median)${estimate ? `; by the portal's own CPU (${estimate.cpuPerMBps} % of a core per MB/s relayed, ${estimate.mbPerFrame} MB a frame), one core of portal would carry about **${estimate.sessions}** sessions at ${r.targets.fps} full-screen frames a second (estimate)` : ''} | | | see [Remote desktop](#remote-desktop) |`,
  ];
}

/** The section: method, per-path figures, the paired measurement, capacity, CPU, findings. */
export function remoteSection(r: RemoteResult): string {
  const out: string[] = [METHOD];
  if (REMOTE_FINDINGS) out.push(REMOTE_FINDINGS);
  out.push(
    `### Each path (${r.sizes.rounds} rounds of ${r.sizes.seconds} s and ${r.sizes.keyPresses} key presses on a still screen, ${movingPresses(r.sizes.keyPresses)} while it moves)\n`,
  );
  out.push(
    '| | frames shown a second (rounds) | page refresh a second | desktop drew a second | MB/s to the browser | key to pixel, still: p50 / p95 | of which to the desktop, p50 | key to pixel, moving: p50 / p95 | to the next frame, still: p50 | the portal or relay, share of a core | machine busy (2 cores) |',
  );
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const p of r.paths) {
    const native = p.path === 'rdp-native';
    out.push(
      `| ${PATH_NAMES[p.path]} | **${p.fps}** (${p.fpsPerRound.join(', ')}) | ${native ? `— (its probe looked ${p.pageFps} times a second)` : p.pageFps} | ${p.desktopFps} | ${native ? '—' : p.mbPerSecond} | **${p.keysStill.toPixel.p50}** / ${p.keysStill.toPixel.p95} ms${lateNote(p.keysStill)} | ${p.keysStill.toDesktop.p50} ms | ${p.keysMoving.toPixel.p50} / ${p.keysMoving.toPixel.p95} ms${lateNote(p.keysMoving)} | ${native ? '—' : `${p.keysStill.toFrame.p50} ms`} | ${native ? '—' : pct(p.gatewayCpu)} | ${pct(p.machineBusy)} |`,
    );
  }
  out.push('');
  const q = r.paired;
  out.push(`### The gateway's share of a key press (both RDP pages at once, still screen, ${q.presses} presses)\n`);
  out.push('| | p50 | p95 | max |');
  out.push('| --- | --- | --- | --- |');
  out.push(row('key to pixel through the portal (typed and seen there)', q.portal));
  out.push(row('key to pixel direct (typed and seen there)', q.direct));
  out.push(row('keydown to the desktop, typed through the portal', q.toDesktop.portal));
  out.push(row('keydown to the desktop, typed in the direct page', q.toDesktop.direct));
  out.push(row("per screen change: the portal's page drew it this much after the direct page", q.backToBrowser));
  if (q.late) out.push(`\n${q.late} of the ${q.presses} changes were not shown in 30 s by a page, and are left out.`);
  out.push(
    `\nThe gateway adds ${q.addedMs} ms to a key press: ${q.ratio}× the direct path's ${q.direct.p50} ms (target ≤ ${r.targets.gatewayLatencyRatio}×).\n`,
  );
  out.push(`### Capacity: RDP sessions through one portal\n`);
  out.push(
    `The portal's RSS: ${r.portalSignedInMiB} MiB signed in before any session, ${r.capacity.portalIdleMiB} MiB with none open after the paths above.\n`,
  );
  out.push(
    '| sessions | frames shown a second, each page | desktops drew a second | MB/s to the browsers | portal: share of a core (per session) | portal RSS | machine busy | CPU by process (share of a core) | holds |',
  );
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of r.capacity.steps) {
    out.push(
      `| ${s.sessions} | ${s.fps.join(', ')} | ${s.desktopFps} | ${s.mbPerSecond} | ${pct(s.portalCpu)} (${pct(s.portalCpuPerSession)}) | ${s.portalResidentMiB} MiB | ${pct(s.cpu.machineBusy)} | ${kinds(s.cpu.byKind)} | ${mark(s.held)} |`,
    );
  }
  if (r.capacity.stoppedBy) out.push(`\nThe series stopped at ${r.capacity.stoppedBy}.`);
  out.push('\n### Where the CPU went while frames were counted (share of one core, mean of the rounds)\n');
  out.push('| path | by process |');
  out.push('| --- | --- |');
  for (const p of r.paths) out.push(`| ${PATH_NAMES[p.path]} | ${kinds(p.cpuByKind)} |`);
  out.push('');
  return out.join('\n');
}

/**
 * What one core of portal would carry at the target frame rate, from what it spent relaying in the
 * capacity series (CPU per MB/s, every step pooled) and what a frame of the pattern weighs through
 * the portal (MB/s over frames shown, one page): an estimate, for a machine where the browsers and
 * desktops are not on the portal's cores.
 */
function sessionsPerCore(r: RemoteResult): { cpuPerMBps: number; mbPerFrame: number; sessions: number } | undefined {
  const [portal] = r.paths as [PathResult];
  const cpu = r.capacity.steps.reduce((a, s) => a + s.portalCpu, 0);
  const mb = r.capacity.steps.reduce((a, s) => a + s.mbPerSecond, 0);
  if (cpu <= 0 || mb <= 0 || portal.fps <= 0) return undefined;
  const mbPerFrame = portal.mbPerSecond / portal.fps;
  return {
    cpuPerMBps: round((cpu / mb) * 100, 2),
    mbPerFrame: round(mbPerFrame, 3),
    sessions: Math.floor(1 / ((cpu / mb) * mbPerFrame * r.targets.fps)),
  };
}

/** RSS the portal grew by per session in the capacity series (from none open to the most held). */
function memoryPerSession(r: RemoteResult): string {
  const last = r.capacity.steps[r.capacity.steps.length - 1];
  if (!last) return 'memory not measured';
  const grown = (last.portalResidentMiB - r.capacity.portalIdleMiB) / last.sessions;
  return `RSS ${signed(grown)} MiB a session (${r.capacity.portalIdleMiB} MiB with none open, ${last.portalResidentMiB} MiB with ${last.sessions})`;
}

function lateNote(k: KeyLatency): string {
  return k.late ? ` (${k.late} of ${k.toPixel.n} not shown after 30 s, counted as 30 s)` : '';
}

function row(what: string, d: Distribution): string {
  return `| ${what} | ${d.p50} ms | ${d.p95} ms | ${d.max} ms |`;
}

function kinds(byKind: Record<string, number>): string {
  return Object.entries(byKind)
    .map(([kind, share]) => `${kind} ${share.toFixed(2)}`)
    .join(', ');
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

function signed(ms: number): string {
  const r = round(ms);
  return r >= 0 ? `+${r}` : `${r}`;
}
