// The RDCleanPath request as a gateway reads it off the browser's websocket: the first binary
// message(s), up to one whole DER value, in time. The portal's gateway (rdp-gateway.ts) reads it so,
// and so does the benchmark's bare relay (bench/remote/direct-relay.ts), so that the two differ only
// in what the portal adds around it.
import type { WebSocket } from 'ws';
import { derLength, MAX_REQUEST_BYTES } from './rdcleanpath.js';

/** How long the browser has to send its RDCleanPath request once the websocket is open. */
const REQUEST_TIMEOUT_MS = 10_000;

/** The RDCleanPath request: the first websocket message(s), up to one whole DER value. */
export function firstPdu(browser: WebSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error('no RDCleanPath request in time')), REQUEST_TIMEOUT_MS);
    const finish = (err?: Error, pdu?: Buffer) => {
      clearTimeout(timer);
      browser.off('message', onMessage);
      browser.off('close', onClose);
      browser.pause();
      if (err) reject(err);
      else resolve(pdu as Buffer);
    };
    const onMessage = (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return finish(new Error('a text message where an RDCleanPath request was expected'));
      received = Buffer.concat([received, data]);
      try {
        const length = derLength(received);
        if (length === undefined) return;
        if (length > MAX_REQUEST_BYTES) return finish(new Error(`an RDCleanPath request of ${length} bytes`));
        if (received.length > length) return finish(new Error('bytes after the RDCleanPath request'));
        if (received.length === length) finish(undefined, received);
      } catch (err) {
        finish(err as Error);
      }
    };
    const onClose = () => finish(new Error('the browser left'));
    browser.on('message', onMessage);
    browser.once('close', onClose);
  });
}
