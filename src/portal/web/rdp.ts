// The remote desktop page: IronRDP's web client (WebAssembly) drawing the desktop, over a
// websocket to the portal, which is the RDCleanPath gateway: it checks the ticket this page asked
// for, asks the API server as the person, and connects to the desktop's RDP server (the page never
// holds a token, and never names where to connect). Every refusal is worded from the codes the
// gateway puts in RDCleanPath errors (console/rdp-protocol.ts). A desktop that wants its own sign-in
// (CredSSP: Windows) gets the person's user name and password from the form, for this connection
// only; where the pool says the desktop signs people in from what the client sends (xrdp), the form
// comes first. The clipboard and files go as far as the desktop's pool allows (its policy comes
// with the ticket; rdp-transfer.ts, rdp-clipboard.ts, rdp-files.ts). A dropped connection is tried
// again with backoff — never with take-over, so a reconnecting tab cannot kick the one the person
// moved to.
import './style.css';
import './console.css';
import '@devolutions/iron-remote-desktop';
import type { IronError, UserInteraction } from '@devolutions/iron-remote-desktop';
import { Backend, displayControl, enableCredssp, init } from '@devolutions/iron-remote-desktop-rdp';
import {
  ENDED_BY_ADMINISTRATOR,
  GATEWAY_STATUS,
  RdpTicket,
  type RdpTicketRequest,
  rdpSocketPath,
  rdpTicketPath,
  STATUS_WORDS,
  TLS_WORDS,
  WSA_WORDS,
} from '../console/rdp-protocol.js';
import { ApiFailure, api, signInAgain } from './api.js';
import { byId } from './dom.js';
import { fullscreenToggle } from './fullscreen.js';
import { clipboardButtons } from './rdp-clipboard.js';
import { fileTransfer } from './rdp-files.js';
import {
  type ClipboardMode,
  clipboardMode,
  type TransferControls,
  transferControls,
  transferNote,
} from './rdp-transfer.js';

const main = byId('rdp');
const namespace = main.dataset.namespace ?? '';
const desktop = main.dataset.desktop ?? '';
const screen = byId('screen');
const status = byId('rdp-status');
const takeOverButton = byId<HTMLButtonElement>('take-over');
const connectButton = byId<HTMLButtonElement>('connect');
const ctrlAltDel = byId<HTMLButtonElement>('ctrl-alt-del');
const metaKey = byId<HTMLButtonElement>('meta-key');
const fullscreenButton = byId<HTMLButtonElement>('fullscreen');
const disconnectButton = byId<HTMLButtonElement>('disconnect');
const credentialsForm = byId<HTMLFormElement>('credentials');
const usernameInput = byId<HTMLInputElement>('rdp-username');
const passwordInput = byId<HTMLInputElement>('rdp-password');
const transferStatus = byId('transfer-status');

const RETRY_MS = [1000, 2000, 5000, 10_000, 30_000];

type State = 'connecting' | 'connected' | 'in-use' | 'closed' | 'credentials';

/** IronRDP's error kinds (IronErrorKind in its typings: a const enum there, so not importable). */
const KIND = {
  general: 0,
  wrongPassword: 1,
  logonFailure: 2,
  accessDenied: 3,
  rdCleanPath: 4,
  proxyConnect: 5,
  negotiation: 6,
};

let ui: UserInteraction | undefined;
/** The clipboard mode IronRDP's element was started in (it cannot change afterwards). */
let uiMode: ClipboardMode | undefined;
/** The element IronRDP draws in. */
let element: HTMLElement | undefined;
/** What the current connection's pool allows, once connected. */
let controls: TransferControls | undefined;
/** Which attempt is current: the end of an older one is not news. */
let attempt = 0;
let retries = 0;
let retryTimer: number | undefined;
/** Asked once the desktop wants them (CredSSP); kept for this page's reconnects only. */
let credentials: { username: string; password: string } | undefined;
/** Set while the person ends the connection (Disconnect, leaving the page). */
let leaving = false;
/**
 * This page had the desktop and lost it without the person asking: a refusal now is news about
 * what happened (given back, taken over elsewhere) rather than about a first try.
 */
let lost = false;
/** The connection this page last had open: asked about after a drop (was it ended on purpose?). */
let lastConnection: string | undefined;

/** The line under the toolbar: what the clipboard and files may do, and what they did. */
function say(text: string): void {
  transferStatus.textContent = text;
  transferStatus.hidden = text === '';
}

function show(text: string, state: State): void {
  status.textContent = text;
  main.dataset.state = state;
  takeOverButton.hidden = state !== 'in-use';
  connectButton.hidden = state !== 'closed';
  ctrlAltDel.disabled = state !== 'connected';
  metaKey.disabled = state !== 'connected';
  disconnectButton.disabled = state !== 'connected';
  credentialsForm.hidden = state !== 'credentials';
  const connected = state === 'connected' ? controls : undefined;
  clipboard.show(connected);
  files.show(connected);
  if (state !== 'connected') say('');
}

const clipboard = clipboardButtons(
  () => ui,
  byId<HTMLButtonElement>('paste-to-desktop'),
  byId<HTMLButtonElement>('copy-from-desktop'),
  say,
);
const files = fileTransfer(
  {
    upload: byId<HTMLButtonElement>('upload'),
    input: byId<HTMLInputElement>('upload-input'),
    download: byId<HTMLButtonElement>('download'),
    dropZone: screen,
  },
  say,
);

let initialised: Promise<void> | undefined;

/** The browser's answer for reading the clipboard ('granted', 'prompt', 'denied'), if it gives one. */
async function clipboardReadPermission(): Promise<string | undefined> {
  const permissions = navigator.permissions;
  if (!permissions) return undefined;
  return permissions.query({ name: 'clipboard-read' as PermissionName }).then(
    (answer) => answer.state,
    () => undefined,
  );
}

/**
 * The web component in `mode`: IronRDP's module must be set before it is in the page, and its
 * clipboard mode before it is ready (it starts its clipboard then), so another mode needs a new one.
 */
async function userInteraction(mode: ClipboardMode): Promise<UserInteraction> {
  if (ui && uiMode === mode) return ui;
  initialised ??= init('WARN');
  await initialised;
  element?.remove();
  const created = document.createElement('iron-remote-desktop') as HTMLElement & { module: unknown };
  created.module = Backend;
  created.setAttribute('scale', 'fit');
  created.setAttribute('flexcenter', 'true');
  const ready = new Promise<UserInteraction>((resolve) =>
    created.addEventListener(
      'ready',
      (event) => {
        const api = (event as CustomEvent<{ irgUserInteraction: UserInteraction }>).detail.irgUserInteraction;
        // Here and now: the element reads these as it starts its clipboard, right after 'ready'.
        api.setEnableClipboard(mode !== 'off');
        api.setEnableAutoClipboard(mode === 'automatic');
        resolve(api);
      },
      { once: true },
    ),
  );
  screen.append(created);
  const started = await ready;
  // The element starts its clipboard right after 'ready' (in microtasks): it asks the browser for
  // the clipboard permission and registers what a session needs when the answer comes, and a
  // session takes only what was registered when it connects. Ask the same question after it (a
  // task later its question is on its way): the browser answers a page's questions in order, so
  // once ours is answered, its was. Asking before it lost the race on a loaded machine: a session
  // without the clipboard, though the page offered it.
  await new Promise((resolve) => setTimeout(resolve, 0));
  await clipboardReadPermission();
  started.onClipboardRemoteUpdateCallback(() => clipboard.desktopCopied());
  element = created;
  ui = started;
  uiMode = mode;
  return started;
}

function screenSize(): { width: number; height: number } {
  const rect = screen.getBoundingClientRect();
  // The window decides, as the resolution follows it, within RDP's limits. Widths a multiple of 4:
  // xrdp pads bitmap rows to 4 pixels and IronRDP draws other widths sheared (IronRDP issues 1251,
  // 1693; seen at 1022 and 1366, straight at 1020 and 1024).
  const snap = (n: number, step: number, min: number, max: number) =>
    Math.max(min, Math.min(max, Math.floor(n / step) * step));
  return { width: snap(rect.width, 4, 640, 8192), height: snap(rect.height, 2, 480, 8192) };
}

async function connect(takeOver = false): Promise<void> {
  const mine = ++attempt;
  clearTimeout(retryTimer);
  show(takeOver ? 'Taking over the remote desktop…' : 'Connecting…', 'connecting');
  let ticket: RdpTicket;
  try {
    ticket = await api(RdpTicket, rdpTicketPath(namespace, desktop), {
      method: 'POST',
      body: (lost && lastConnection ? { after: lastConnection } : {}) satisfies RdpTicketRequest,
    });
  } catch (err) {
    if (mine !== attempt) return;
    if (err instanceof ApiFailure && err.status === ENDED_BY_ADMINISTRATOR) {
      lost = false;
      return show(
        `${capitalize(err.body.error)}. Nothing on the desktop was lost: connect again when you are ready.`,
        'closed',
      );
    }
    if (err instanceof ApiFailure && err.status === GATEWAY_STATUS.forbidden && lost)
      return show(STATUS_WORDS[GATEWAY_STATUS.forbidden] as string, 'closed');
    const words = err instanceof ApiFailure ? err.body.error : 'The portal cannot be reached.';
    return show(`${capitalize(words)}.`, 'closed');
  }
  const { policy } = ticket;
  if (policy.signIn === 'BeforeConnecting' && credentials === undefined) {
    show('Sign in to the desktop.', 'credentials');
    usernameInput.focus();
    return;
  }
  const mode = clipboardMode(policy, await clipboardReadPermission());
  const rdp = await userInteraction(mode);
  if (mine !== attempt) return;
  const allowed = transferControls(policy, mode);
  rdp.setEnableClipboard(allowed.clipboardChannel);
  files.attach(rdp, allowed);
  const url = new URL(rdpSocketPath(namespace, desktop, takeOver), location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const builder = rdp
    .configBuilder()
    .withDestination(ticket.destination)
    .withProxyAddress(url.href)
    .withAuthToken(ticket.ticket)
    .withServerDomain('')
    .withUsername(credentials?.username ?? '')
    .withPassword(credentials?.password ?? '')
    .withDesktopSize(screenSize())
    // Without credentials, TLS only: a desktop that needs none here takes it, one that wants CredSSP
    // (Windows) refuses the negotiation, and the form asks for them. With them, CredSSP is offered;
    // a desktop without it (xrdp) chooses TLS, and the gateway has it log on with them.
    .withExtension(enableCredssp(credentials !== undefined))
    .withExtension(displayControl(true));
  try {
    const session = await rdp.connect(builder.build());
    if (mine !== attempt) return rdp.shutdown();
    retries = 0;
    lost = false;
    lastConnection = ticket.connection;
    rdp.setVisibility(true);
    controls = allowed;
    show('Connected.', 'connected');
    say(transferNote(policy, mode));
    const ended = await session.run().then(
      (info) => info.reason(),
      (err: unknown) => describe(err),
    );
    if (mine !== attempt || leaving) return;
    dropped(ended);
  } catch (err) {
    if (mine !== attempt || leaving) return;
    failed(err as IronError);
  }
}

/**
 * A connection that worked and ended without the person: tried again, with a fresh ticket — unless
 * an administrator ended it on purpose (the ticket's answer says so; the person connects again
 * when they choose).
 */
function dropped(reason: string): void {
  lost = true;
  const delay = RETRY_MS[Math.min(retries, RETRY_MS.length - 1)] ?? 30_000;
  retries++;
  show(`The connection ended (${reason}). Trying again in ${delay / 1000} s…`, 'closed');
  retryTimer = window.setTimeout(() => void connect(), delay);
}

/** A connection that did not open: worded, and retried only where waiting may help. */
function failed(err: IronError): void {
  const kind = typeof err?.kind === 'function' ? err.kind() : KIND.general;
  if (kind === KIND.negotiation && credentials === undefined) {
    show('The desktop asks you to sign in to it.', 'credentials');
    usernameInput.focus();
    return;
  }
  if (kind === KIND.wrongPassword || kind === KIND.logonFailure || kind === KIND.accessDenied) {
    credentials = undefined;
    passwordInput.value = '';
    show('The desktop did not accept that user name and password.', 'credentials');
    passwordInput.focus();
    return;
  }
  const details = kind === KIND.rdCleanPath ? err.rdcleanpathDetails() : undefined;
  const statusCode = details?.httpStatusCode;
  if (statusCode === GATEWAY_STATUS.inUse) {
    show(
      lost
        ? 'This desktop was taken over in another tab or on another device. Take it over to use it here again.'
        : `${STATUS_WORDS[statusCode]} Take it over to use it here; it closes there.`,
      'in-use',
    );
    return;
  }
  if (statusCode === GATEWAY_STATUS.signedOut) {
    signInAgain(main.dataset.signIn);
    return;
  }
  const words =
    (statusCode !== undefined ? STATUS_WORDS[statusCode] : undefined) ??
    (details?.wsaErrorCode !== undefined ? WSA_WORDS[details.wsaErrorCode] : undefined) ??
    (details?.tlsAlertCode !== undefined ? TLS_WORDS : undefined) ??
    (kind === KIND.proxyConnect ? 'The portal cannot be reached. Check your connection.' : undefined) ??
    // CredSSP that fails shows up as the stream ending: most often a password the desktop refused.
    (credentials !== undefined
      ? 'The desktop did not accept that user name and password, or it closed the connection.'
      : undefined) ??
    'The remote desktop could not be opened.';
  const worthRetrying =
    details?.wsaErrorCode !== undefined || statusCode === GATEWAY_STATUS.unavailable || kind === KIND.proxyConnect;
  if (worthRetrying && retries < RETRY_MS.length) {
    const delay = RETRY_MS[retries] ?? 30_000;
    retries++;
    show(`${words} Trying again in ${delay / 1000} s…`, 'closed');
    retryTimer = window.setTimeout(() => void connect(), delay);
    return;
  }
  show(words, 'closed');
}

/** IronRDP's errors are WebAssembly objects: their words are behind methods. */
function describe(err: unknown): string {
  const backtrace = (err as Partial<IronError>)?.backtrace;
  if (typeof backtrace === 'function') return backtrace.call(err).split('\n')[0] ?? 'error';
  return err instanceof Error ? err.message : String(err);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function disconnect(): void {
  leaving = true;
  attempt++;
  clearTimeout(retryTimer);
  ui?.shutdown();
}

credentialsForm.addEventListener('submit', (event) => {
  event.preventDefault();
  credentials = { username: usernameInput.value, password: passwordInput.value };
  passwordInput.value = '';
  void connect();
});
takeOverButton.addEventListener('click', () => void connect(true));
connectButton.addEventListener('click', () => {
  leaving = false;
  lost = false;
  retries = 0;
  void connect();
});
ctrlAltDel.addEventListener('click', () => ui?.ctrlAltDel());
metaKey.addEventListener('click', () => ui?.metaKey());
disconnectButton.addEventListener('click', () => {
  disconnect();
  // Connect asks again: a desktop that refused them shows it only on its own screen (xrdp's log window).
  credentials = undefined;
  show('Disconnected. The desktop keeps running and you stay logged on.', 'closed');
});
fullscreenToggle(fullscreenButton, main, status);
// The desktop's resolution follows the window (RDP display control), once it settles.
let resizeTimer: number | undefined;
new ResizeObserver(() => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    if (main.dataset.state !== 'connected') return;
    const { width, height } = screenSize();
    ui?.resize(width, height);
  }, 300);
}).observe(screen);
window.addEventListener('pagehide', disconnect);

void connect();
