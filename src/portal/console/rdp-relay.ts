// Bytes both ways between the browser's websocket (binary frames) and the TLS connection to the
// desktop, with backpressure on both sides, as pipe.ts does for two websockets: a side that reads
// slower than the other writes pauses the writer instead of the portal buffering without bound.
// Either side ending ends the other; the portal may end both (`close`).
import type { TLSSocket } from 'node:tls';
import type WebSocket from 'ws';
import { HIGH_WATER, type PipeEnd } from './pipe.js';
import { toBuffer } from './upstream.js';

const LOW_WATER = 256 * 1024;

export interface RelayOptions {
  carried?: (toDesktop: number, toBrowser: number) => void;
  /**
   * Changes the browser's bytes before the desktop gets them (rdp-client-start.ts); what it returns
   * is sent on. If it throws, the connection ends (close code 1008) and `refused` is told why.
   */
  toDesktop?: (chunk: Buffer) => Buffer;
  refused?: (err: unknown) => void;
  /** Called once, when both sides are being closed. */
  onEnd?: (by: PipeEnd) => void;
}

export interface Relay {
  /** Ends both sides; the browser is told `code` and `reason`. */
  close(code: number, reason: string): void;
}

export function relayRdp(browser: WebSocket, desktop: TLSSocket, options: RelayOptions = {}): Relay {
  const carried = options.carried ?? (() => {});
  let ended = false;
  const end = (by: PipeEnd, code = 1000, reason = '') => {
    if (ended) return;
    ended = true;
    options.onEnd?.(by);
    desktop.destroy();
    if (browser.readyState === browser.OPEN) {
      browser.close(code, reason);
      setTimeout(() => browser.terminate(), 5000).unref();
    } else browser.terminate();
  };

  // Browser → desktop: pause the websocket while the TLS socket's buffer is full.
  browser.on('message', (data: WebSocket.RawData) => {
    if (ended) return;
    let chunk = toBuffer(data);
    carried(chunk.length, 0);
    if (options.toDesktop) {
      try {
        chunk = options.toDesktop(chunk);
      } catch (err) {
        options.refused?.(err);
        end('portal', 1008, 'the portal refused this connection');
        return;
      }
      if (chunk.length === 0) return;
    }
    if (!desktop.write(chunk)) browser.pause();
  });
  desktop.on('drain', () => browser.resume());

  // Desktop → browser: pause the TLS socket while frames wait to be sent.
  let pending = 0;
  let paused = false;
  desktop.on('data', (chunk: Buffer) => {
    if (browser.readyState !== browser.OPEN) return;
    carried(0, chunk.length);
    pending += chunk.length;
    browser.send(chunk, { binary: true }, () => {
      pending -= chunk.length;
      if (paused && pending < LOW_WATER) {
        paused = false;
        desktop.resume();
      }
    });
    if (!paused && pending > HIGH_WATER) {
      paused = true;
      desktop.pause();
    }
  });

  desktop.once('close', () => end('upstream'));
  desktop.on('error', () => desktop.destroy());
  browser.once('close', () => end('browser'));
  browser.on('error', () => browser.terminate());
  if (browser.readyState !== browser.OPEN) end('browser');
  desktop.resume();
  browser.resume();
  return { close: (code, reason) => end('portal', code, reason) };
}
