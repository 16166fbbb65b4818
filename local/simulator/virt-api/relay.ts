// A websocket carrying raw RFB in binary frames, joined to the desktop's VNC server over TCP — what
// virt-handler does between the API server's stream and virt-launcher's VNC socket. Both directions
// respect backpressure: a slow browser pauses reading from the server (the websocket's send buffer
// is bounded), a slow server pauses reading from the websocket.
import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';

/** Above this many bytes queued for the client, reading from the server pauses... */
const HIGH_WATER = 1 << 20;
/** ...until the queue is below this. */
const LOW_WATER = 256 << 10;

/**
 * Relays until either side ends; `onEnd` is called once, with why. The caller ends the websocket
 * (virt-handler drops it without a close frame); the socket is destroyed here.
 */
export function relay(ws: WebSocket, server: Socket, onEnd: (why: string) => void): void {
  let ended = false;
  const end = (why: string) => {
    if (ended) return;
    ended = true;
    server.destroy();
    onEnd(why);
  };
  server.on('data', (chunk: Buffer) => {
    ws.send(chunk, { binary: true }, () => {
      if (server.isPaused() && ws.bufferedAmount < LOW_WATER) server.resume();
    });
    if (ws.bufferedAmount > HIGH_WATER) server.pause();
  });
  server.once('end', () => end('the desktop’s VNC server closed the connection'));
  server.once('close', () => end('the desktop’s VNC server closed the connection'));
  server.once('error', (err) => end(`the desktop’s VNC server: ${err.message}`));
  let draining = false;
  ws.on('message', (data: RawData) => {
    if (!server.write(toBuffer(data)) && !draining) {
      draining = true;
      ws.pause();
      server.once('drain', () => {
        draining = false;
        ws.resume();
      });
    }
  });
  ws.once('close', () => end('closed by the client'));
  ws.resume();
}

export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
