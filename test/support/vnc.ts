// A VNC client for tests, connecting as a real user through the API server exactly as virtctl
// and the console UI do: a websocket to the VMI's `vnc` subresource (subprotocol plain.kubevirt.io,
// the user's client certificate), raw RFB in binary frames. It does the client side of the RFB 3.8
// handshake and fetches one full frame (Raw; a real server sends it in several rectangles), and more
// on request.
import type { IncomingMessage } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import WebSocket from 'ws';

export interface VncScreen {
  /** The desktop name from ServerInit (`<namespace>/<vmi>` in the simulator). */
  name: string;
  width: number;
  height: number;
  /** The first frame, Raw, in the server's pixel format (32 bpp, 0x00RRGGBB little-endian). */
  pixels: Buffer;
  bitsPerPixel: number;
  /** The pixel at (x, y) of the first frame, as [r, g, b] (32 bpp, 0x00RRGGBB little-endian). */
  rgb(x: number, y: number): [number, number, number];
  /** Asks for the whole screen again and resolves with it (a real screen changes). */
  refresh(): Promise<Buffer>;
  /** Resolves with the close code when the connection ends (1006: dropped without a close frame). */
  closed: Promise<number>;
  close(): void;
}

/** The API server (or virt-api behind it) refused the upgrade. */
export class VncRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`VNC refused with HTTP ${status}: ${body}`);
  }
}

export async function openVnc(
  kubeconfigPath: string,
  namespace: string,
  vmi: string,
  options: { preserveSession?: boolean; timeoutMs?: number } = {},
): Promise<VncScreen> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error(`${kubeconfigPath} names no cluster`);
  const query = options.preserveSession ? '?preserveSession=true' : '';
  const url = `${server.replace(/^http/, 'ws')}/apis/subresources.kubevirt.io/v1/namespaces/${namespace}/virtualmachineinstances/${vmi}/vnc${query}`;
  const tls: WebSocket.ClientOptions = {};
  await kc.applyToHTTPSOptions(tls);
  const ws = new WebSocket(url, ['plain.kubevirt.io'], tls);
  return rfbOver(ws, {
    timeoutMs: options.timeoutMs,
    what: `VNC to ${namespace}/${vmi}`,
    check: () => {
      if (ws.protocol !== 'plain.kubevirt.io') throw new Error(`subprotocol ${JSON.stringify(ws.protocol)}`);
    },
  });
}

/** Why the server closed a connection right after opening it (the portal's refusals). */
export class VncClosed extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`VNC closed with ${code}: ${reason}`);
  }
}

/**
 * The RFB client over any websocket that carries raw RFB in binary frames — the API server's
 * `vnc` subresource, or the portal's console. A refused upgrade rejects with VncRefused, a close
 * before the first frame with VncClosed.
 */
export async function rfbOver(
  ws: WebSocket,
  options: { timeoutMs?: number | undefined; what?: string; check?: () => void } = {},
): Promise<VncScreen> {
  const input = new ByteQueue();
  let closedWith: VncClosed | undefined;
  const closed = new Promise<number>((resolve) =>
    ws.once('close', (code, reason) => {
      closedWith = new VncClosed(code, reason.toString('utf8'));
      resolve(code);
    }),
  );
  ws.on('message', (data: WebSocket.RawData) => input.push(toBuffer(data)));
  void closed.then(() => input.fail(closedWith as VncClosed));

  const timeout = options.timeoutMs ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      (async () => {
        await opened(ws);
        options.check?.();
        const screen = await handshake(ws, input);
        return {
          ...screen,
          rgb: (x: number, y: number) => rgbAt(screen.pixels, screen.width, x, y),
          refresh: () => fullFrame(ws, input, screen),
          closed,
          close: () => ws.close(),
        };
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${options.what ?? 'VNC'}: no frame after ${timeout} ms`)), timeout);
      }),
    ]);
  } catch (err) {
    ws.terminate();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => reject(new VncRefused(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
    });
  });
}

/** RFB 3.8 client: version, security None, ClientInit (shared), ServerInit, one full update. */
async function handshake(ws: WebSocket, input: ByteQueue) {
  const version = (await input.read(12)).toString('latin1');
  if (!version.startsWith('RFB 003.')) throw new Error(`not RFB: ${JSON.stringify(version)}`);
  ws.send(Buffer.from('RFB 003.008\n', 'latin1'));
  const types = await input.read((await input.read(1)).readUInt8(0));
  if (!types.includes(1)) throw new Error(`security type None not offered: ${[...types]}`);
  ws.send(Buffer.from([1]));
  const result = (await input.read(4)).readUInt32BE(0);
  if (result !== 0)
    throw new Error(`security failed: ${(await input.read((await input.read(4)).readUInt32BE(0))).toString()}`);
  ws.send(Buffer.from([1]));

  const init = await input.read(20);
  const width = init.readUInt16BE(0);
  const height = init.readUInt16BE(2);
  const bitsPerPixel = init.readUInt8(4);
  const name = (await input.read((await input.read(4)).readUInt32BE(0))).toString('utf8');

  const screen = { name, width, height, bitsPerPixel };
  return { ...screen, pixels: await fullFrame(ws, input, screen) };
}

/** [r, g, b] of a 32 bpp 0x00RRGGBB little-endian frame. */
export function rgbAt(pixels: Buffer, width: number, x: number, y: number): [number, number, number] {
  const value = pixels.readUInt32LE((y * width + x) * 4);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

/**
 * A non-incremental FramebufferUpdateRequest for the whole screen, and the update it gets: Raw
 * rectangles (a real server splits the screen into several) drawn into one frame.
 */
async function fullFrame(
  ws: WebSocket,
  input: ByteQueue,
  screen: { width: number; height: number; bitsPerPixel: number },
): Promise<Buffer> {
  const { width, height } = screen;
  const bytes = screen.bitsPerPixel / 8;
  const request = Buffer.alloc(10);
  request.writeUInt8(3, 0); // FramebufferUpdateRequest, not incremental
  request.writeUInt16BE(width, 6);
  request.writeUInt16BE(height, 8);
  ws.send(request);
  const frame = Buffer.alloc(width * height * bytes);
  const update = await input.read(4);
  if (update.readUInt8(0) !== 0) throw new Error(`expected FramebufferUpdate, got message ${update.readUInt8(0)}`);
  for (let n = update.readUInt16BE(2); n > 0; n--) {
    const rect = await input.read(12);
    if (rect.readInt32BE(8) !== 0) throw new Error(`expected a Raw rectangle, got encoding ${rect.readInt32BE(8)}`);
    const [x, y, w, h] = [rect.readUInt16BE(0), rect.readUInt16BE(2), rect.readUInt16BE(4), rect.readUInt16BE(6)];
    const pixels = await input.read(w * h * bytes);
    for (let row = 0; row < h; row++) {
      pixels.copy(frame, ((y + row) * width + x) * bytes, row * w * bytes, (row + 1) * w * bytes);
    }
  }
  return frame;
}

/** Bytes from websocket frames, read back in whatever sizes the protocol needs. */
class ByteQueue {
  private buffer = Buffer.alloc(0);
  private waiter: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private error: Error | undefined;

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    this.wake();
  }

  fail(error: Error): void {
    this.error = error;
    this.waiter?.reject(error);
    this.waiter = undefined;
  }

  read(n: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiter = { n, resolve, reject };
      this.wake();
      if (this.waiter && this.error) this.fail(this.error);
    });
  }

  private wake(): void {
    const w = this.waiter;
    if (!w || this.buffer.length < w.n) return;
    this.waiter = undefined;
    const out = this.buffer.subarray(0, w.n);
    this.buffer = this.buffer.subarray(w.n);
    w.resolve(out);
  }
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
