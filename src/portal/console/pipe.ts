// Binary frames both ways between the browser's websocket and KubeVirt's, with backpressure: when
// one side reads slower than the other writes (a slow network to the browser, a busy desktop),
// the writer is paused — its TCP window fills and it slows down — instead of the portal buffering
// without bound. Either side closing closes the other; the portal may close both (`close`), telling
// the browser why.
import type WebSocket from 'ws';
import { CONSOLE_CLOSE } from './protocol.js';
import { toBuffer } from './upstream.js';

/** Pause the sender once this much is queued towards the receiver; resume below LOW_WATER. */
export const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

export interface PipeOptions {
  /** Frames from upstream that arrived before the pipe was attached, in order. */
  early?: Buffer[];
  /** Bytes just carried (toDesktop from the browser, toBrowser from upstream). */
  carried?: (toDesktop: number, toBrowser: number) => void;
  /** Called once, when both sides are being closed. */
  onEnd?: (by: PipeEnd, code: number) => void;
}

/** Which side ended the console: one of its two ends, or the portal itself. */
export type PipeEnd = 'browser' | 'upstream' | 'portal';

export interface ConsolePipe {
  /** Ends both sides; the browser is told `code` and `reason`. */
  close(code: number, reason: string): void;
}

export function pipeConsole(browser: WebSocket, upstream: WebSocket, options: PipeOptions = {}): ConsolePipe {
  let ended = false;
  const end = (by: PipeEnd, code: number, reason = '') => {
    if (ended) return;
    ended = true;
    options.onEnd?.(by, code);
    if (by === 'portal') {
      closeQuietly(upstream, 1000, '');
      closeQuietly(browser, code, reason);
    } else if (by === 'browser') closeQuietly(upstream, 1000, '');
    // virt-handler ends a session by dropping the stream (1006): kicked by a new console, or
    // the desktop stopped. The browser gets a code it can put in words.
    else if (code === 1000) closeQuietly(browser, 1000, '');
    else closeQuietly(browser, CONSOLE_CLOSE.ended.code, CONSOLE_CLOSE.ended.reason);
  };

  upstream.removeAllListeners('message');
  upstream.removeAllListeners('error');
  const carried = options.carried ?? (() => {});
  forward(upstream, browser, (n) => carried(0, n));
  forward(browser, upstream, (n) => carried(n, 0));
  for (const frame of options.early ?? []) browser.send(frame, { binary: true });
  upstream.once('close', (code) => end('upstream', code));
  browser.once('close', (code) => end('browser', code));
  // An error is followed by 'close'; listening keeps it from being thrown.
  upstream.on('error', () => upstream.terminate());
  browser.on('error', () => browser.terminate());
  if (upstream.readyState !== upstream.OPEN) end('upstream', 1006);
  if (browser.readyState !== browser.OPEN) end('browser', 1006);
  upstream.resume();
  browser.resume();
  return { close: (code, reason) => end('portal', code, reason) };
}

/** from → to, pausing `from` while more than HIGH_WATER bytes wait to be written to `to`. */
function forward(from: WebSocket, to: WebSocket, count: (bytes: number) => void): void {
  let pending = 0;
  let paused = false;
  from.on('message', (data: WebSocket.RawData) => {
    if (to.readyState !== to.OPEN) return;
    const frame = toBuffer(data);
    count(frame.length);
    pending += frame.length;
    // The callback runs once the frame is handed to the kernel (or the socket failed).
    to.send(frame, { binary: true }, () => {
      pending -= frame.length;
      if (paused && pending < LOW_WATER) {
        paused = false;
        from.resume();
      }
    });
    if (!paused && pending > HIGH_WATER) {
      paused = true;
      from.pause();
    }
  });
}

function closeQuietly(socket: WebSocket, code: number, reason: string): void {
  if (socket.readyState === socket.CLOSED || socket.readyState === socket.CLOSING) return;
  if (socket.readyState === socket.CONNECTING) {
    socket.terminate();
    return;
  }
  socket.close(code, reason);
  // A peer that never answers the close frame is cut off.
  setTimeout(() => socket.terminate(), 5000).unref();
}
