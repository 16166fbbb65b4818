// The console page: noVNC drawing the desktop, over a websocket to the portal, which opens
// KubeVirt's VNC as the signed-in person (the page never holds a token). The portal's refusals
// arrive as close codes (console/protocol.ts) and are shown in their words; when the console is
// open elsewhere the person may take it over. A dropped connection is retried with backoff —
// never with take-over, so a reconnecting tab cannot kick the one the person moved to.
import './style.css';
import './console.css';
import RFB from '@novnc/novnc';
import { CONSOLE_CLOSE, consoleCloseOf, consoleSocketPath } from '../console/protocol.js';
import { byId } from './dom.js';
import { fullscreenToggle } from './fullscreen.js';
import { textToKeysyms } from './keysyms.js';

const main = byId('console');
const namespace = main.dataset.namespace ?? '';
const desktop = main.dataset.desktop ?? '';
const screen = byId('screen');
const status = byId('console-status');
const takeOver = byId<HTMLButtonElement>('take-over');
const connectButton = byId<HTMLButtonElement>('connect');
const ctrlAltDel = byId<HTMLButtonElement>('ctrl-alt-del');
const disconnectButton = byId<HTMLButtonElement>('disconnect');
const pasteButton = byId<HTMLButtonElement>('paste');
const pastePanel = byId<HTMLFormElement>('paste-panel');
const pasteText = byId<HTMLTextAreaElement>('paste-text');
const pasteClose = byId<HTMLButtonElement>('paste-close');
const scaleButton = byId<HTMLButtonElement>('scale');
const fullscreenButton = byId<HTMLButtonElement>('fullscreen');

const RETRY_MS = [1000, 2000, 5000, 10_000, 30_000];

let rfb: RFB | undefined;
/** The socket this page is using; closes of any other (replaced, disconnected) are not news. */
let current: WebSocket | undefined;
let retries = 0;
let retryTimer: number | undefined;
/** Scale the desktop's screen to the window (on) or show it at its own size with scroll bars. */
let scale = true;
/** Keys typed per pause: a guest reading a fast stream of keys may drop some. */
const TYPE_BATCH = 40;
const TYPE_PAUSE_MS = 30;

function show(text: string, state: 'connecting' | 'connected' | 'in-use' | 'closed'): void {
  status.textContent = text;
  main.dataset.state = state;
  takeOver.hidden = state !== 'in-use';
  connectButton.hidden = state !== 'closed';
  ctrlAltDel.disabled = state !== 'connected';
  disconnectButton.disabled = state !== 'connected';
  pasteButton.disabled = state !== 'connected';
  if (state !== 'connected') showPaste(false);
}

function stop(): void {
  clearTimeout(retryTimer);
  current = undefined;
  rfb?.disconnect();
  rfb = undefined;
}

function connect(take = false): void {
  stop();
  show(take ? 'Taking over the console…' : 'Connecting…', 'connecting');
  const url = new URL(consoleSocketPath(namespace, desktop, take), location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  // Our own socket, handed to noVNC, so the close code and reason can be read.
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  current = socket;
  let connected = false;
  socket.addEventListener('close', (event) => {
    if (socket !== current) return;
    current = undefined;
    const kind = consoleCloseOf(event.code);
    if (kind === 'inUse')
      return show(`${capitalize(CONSOLE_CLOSE.inUse.reason)}. Take it over to use it here; it closes there.`, 'in-use');
    if (kind === 'signInRequired') {
      // An open console outlives the ID token it was opened with, and the portal's guard ends it
      // when the API server stops taking that token. Opening it again passes through sign-in
      // renewal (a fresh token, a new cookie): tried once, at once; only a sign-in that cannot be
      // renewed sends the person to the issuer.
      if (connected) {
        show('Renewing your sign-in…', 'connecting');
        connect();
        return;
      }
      location.assign(main.dataset.signIn ?? '/');
      return;
    }
    // A connection that worked and dropped (network, portal restart) is tried again.
    if ((kind === 'ended' || kind === 'unavailable' || event.code === 1006) && (connected || retries > 0)) {
      const delay = RETRY_MS[Math.min(retries, RETRY_MS.length - 1)] ?? 30_000;
      retries++;
      show(`${capitalize(event.reason || 'the connection dropped')}. Trying again in ${delay / 1000} s…`, 'closed');
      retryTimer = window.setTimeout(() => connect(), delay);
      return;
    }
    if (kind === 'ended') return show(`${capitalize(CONSOLE_CLOSE.ended.reason)}.`, 'closed');
    show(`${capitalize(event.reason || 'the console could not be opened')}.`, 'closed');
  });
  rfb = new RFB(screen, socket, { shared: true });
  rfb.scaleViewport = scale;
  rfb.background = '#000';
  rfb.addEventListener('connect', () => {
    connected = true;
    retries = 0;
    show('Connected.', 'connected');
    rfb?.focus();
  });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function showPaste(open: boolean): void {
  pastePanel.hidden = !open;
  pasteButton.setAttribute('aria-expanded', String(open));
  if (open) pasteText.focus();
}

/** Types the text as key presses, a few at a time; newline is Return (keysyms.ts). */
async function typeText(text: string): Promise<void> {
  const keys = textToKeysyms(text);
  for (let i = 0; i < keys.length; i++) {
    if (!rfb) return;
    rfb.sendKey(keys[i] as number, null);
    if (i % TYPE_BATCH === TYPE_BATCH - 1) await new Promise((resolve) => setTimeout(resolve, TYPE_PAUSE_MS));
  }
}

pasteButton.addEventListener('click', () => showPaste(pastePanel.hidden));
pasteClose.addEventListener('click', () => {
  showPaste(false);
  pasteButton.focus();
});
pastePanel.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = pasteText.value;
  if (!text) return;
  void typeText(text).then(() => {
    status.textContent = `Typed ${text.length === 1 ? '1 character' : `${text.length} characters`}.`;
    pasteText.value = '';
    showPaste(false);
    rfb?.focus();
  });
});

scaleButton.addEventListener('click', () => {
  scale = !scale;
  scaleButton.setAttribute('aria-pressed', String(scale));
  main.dataset.scale = String(scale);
  if (rfb) rfb.scaleViewport = scale;
});

fullscreenToggle(fullscreenButton, main, status, () => rfb?.focus());

takeOver.addEventListener('click', () => connect(true));
connectButton.addEventListener('click', () => {
  retries = 0;
  connect();
});
ctrlAltDel.addEventListener('click', () => {
  rfb?.sendCtrlAltDel();
  rfb?.focus();
});
disconnectButton.addEventListener('click', () => {
  stop();
  show('Disconnected. The desktop keeps running and you stay logged on.', 'closed');
});
window.addEventListener('pagehide', stop);

connect();
