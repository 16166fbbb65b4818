// The server side of RFB (RFC 6143), just enough for a VNC client to connect to a simulated
// desktop: version handshake (3.3, 3.7, 3.8), security type None, ServerInit, and a Raw
// framebuffer on request; every client message is parsed by its exact length, whatever the
// chunks it arrives in. A pure state machine: bytes in, bytes (and parsed messages) out — vnc.ts
// moves them over the websocket.
import {
  DEFAULT_PIXEL_FORMAT,
  decodePixelFormat,
  encodePixelFormat,
  encodePixels,
  PIXEL_FORMAT_LENGTH,
  type Picture,
  type PixelFormat,
  unsupportedPixelFormat,
} from './framebuffer.js';

export const SERVER_VERSION = 'RFB 003.008\n';
const VERSION_LENGTH = 12;
const SECURITY_NONE = 1;
/** Longer cut texts are refused rather than buffered (the simulator has no clipboard to fill). */
const MAX_CUT_TEXT = 1 << 20;

export type ClientMessage =
  | { type: 'ClientInit'; shared: boolean }
  | { type: 'SetPixelFormat'; format: PixelFormat }
  | { type: 'SetEncodings'; encodings: number[] }
  | { type: 'FramebufferUpdateRequest'; incremental: boolean; x: number; y: number; width: number; height: number }
  | { type: 'KeyEvent'; down: boolean; keysym: number }
  | { type: 'PointerEvent'; buttonMask: number; x: number; y: number }
  | { type: 'ClientCutText'; text: string };

export interface RfbStep {
  /** Bytes to send to the client, in order. */
  send: Buffer[];
  /** Client messages completed by this chunk. */
  messages: ClientMessage[];
  /** Set when the session must end (a protocol error); send `send` first. */
  close?: string;
}

export interface RfbServerOptions {
  name: string;
  picture: Picture;
}

type State = 'version' | 'security' | 'clientInit' | 'normal' | 'closed';

export class RfbServer {
  private state: State = 'version';
  private minor = 8;
  private buffer: Buffer = Buffer.alloc(0);
  private format: PixelFormat = DEFAULT_PIXEL_FORMAT;

  constructor(private readonly options: RfbServerOptions) {}

  /** The server speaks first: its ProtocolVersion. */
  greeting(): Buffer {
    return Buffer.from(SERVER_VERSION, 'latin1');
  }

  get pixelFormat(): PixelFormat {
    return this.format;
  }

  receive(chunk: Uint8Array): RfbStep {
    const step: RfbStep = { send: [], messages: [] };
    if (this.state === 'closed') return step;
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const used = this.consume(step);
      if (step.close) {
        this.state = 'closed';
        this.buffer = Buffer.alloc(0);
        return step;
      }
      if (used === 0) return step;
      this.buffer = this.buffer.subarray(used);
    }
  }

  /** Handles one complete unit at the head of the buffer; returns its length, 0 if incomplete. */
  private consume(step: RfbStep): number {
    switch (this.state) {
      case 'version':
        return this.consumeVersion(step);
      case 'security':
        return this.consumeSecurity(step);
      case 'clientInit':
        return this.consumeClientInit(step);
      case 'normal':
        return this.consumeMessage(step);
      case 'closed':
        return 0;
    }
  }

  private consumeVersion(step: RfbStep): number {
    if (this.buffer.length < VERSION_LENGTH) return 0;
    const text = this.buffer.subarray(0, VERSION_LENGTH).toString('latin1');
    const match = /^RFB (\d{3})\.(\d{3})\n$/.exec(text);
    if (!match || Number(match[1]) !== 3) {
      step.close = `unsupported protocol version ${JSON.stringify(text)}`;
      return VERSION_LENGTH;
    }
    // As servers do: a client may only pick 3.3, 3.7 or 3.8; anything newer is treated as 3.8.
    const minor = Number(match[2]);
    this.minor = minor >= 8 ? 8 : minor === 7 ? 7 : 3;
    if (this.minor === 3) {
      // 3.3: the server decides the security type, and None needs nothing further.
      step.send.push(u32(SECURITY_NONE));
      this.state = 'clientInit';
    } else {
      step.send.push(Buffer.from([1, SECURITY_NONE]));
      this.state = 'security';
    }
    return VERSION_LENGTH;
  }

  private consumeSecurity(step: RfbStep): number {
    if (this.buffer.length < 1) return 0;
    const chosen = this.buffer.readUInt8(0);
    if (chosen !== SECURITY_NONE) {
      if (this.minor === 8) step.send.push(u32(1), text32('security type not offered'));
      step.close = `client chose security type ${chosen}, only None (1) is offered`;
      return 1;
    }
    // 3.7 sends no SecurityResult for None; 3.8 always does.
    if (this.minor === 8) step.send.push(u32(0));
    this.state = 'clientInit';
    return 1;
  }

  private consumeClientInit(step: RfbStep): number {
    if (this.buffer.length < 1) return 0;
    step.messages.push({ type: 'ClientInit', shared: this.buffer.readUInt8(0) !== 0 });
    const { picture, name } = this.options;
    const head = Buffer.alloc(4);
    head.writeUInt16BE(picture.width, 0);
    head.writeUInt16BE(picture.height, 2);
    step.send.push(head, encodePixelFormat(this.format), text32(name, 'utf8'));
    this.state = 'normal';
    return 1;
  }

  private consumeMessage(step: RfbStep): number {
    const b = this.buffer;
    if (b.length < 1) return 0;
    const type = b.readUInt8(0);
    switch (type) {
      case 0: {
        // SetPixelFormat: type, 3 padding, PIXEL_FORMAT.
        const length = 4 + PIXEL_FORMAT_LENGTH;
        if (b.length < length) return 0;
        const format = decodePixelFormat(b, 4);
        const unsupported = unsupportedPixelFormat(format);
        if (unsupported) step.close = unsupported;
        else this.format = format;
        step.messages.push({ type: 'SetPixelFormat', format });
        return length;
      }
      case 2: {
        // SetEncodings: type, padding, u16 count, count × s32.
        if (b.length < 4) return 0;
        const count = b.readUInt16BE(2);
        const length = 4 + 4 * count;
        if (b.length < length) return 0;
        const encodings = Array.from({ length: count }, (_, i) => b.readInt32BE(4 + 4 * i));
        step.messages.push({ type: 'SetEncodings', encodings });
        return length;
      }
      case 3: {
        // FramebufferUpdateRequest: type, incremental, x, y, width, height (u16 each).
        if (b.length < 10) return 0;
        const request = {
          type: 'FramebufferUpdateRequest' as const,
          incremental: b.readUInt8(1) !== 0,
          x: b.readUInt16BE(2),
          y: b.readUInt16BE(4),
          width: b.readUInt16BE(6),
          height: b.readUInt16BE(8),
        };
        step.messages.push(request);
        // The picture never changes, so an incremental request has nothing to report: like QEMU
        // with an idle screen, it stays unanswered (answering it would make clients spin).
        if (!request.incremental) step.send.push(...this.framebufferUpdate());
        return 10;
      }
      case 4: {
        // KeyEvent: type, down-flag, 2 padding, u32 keysym.
        if (b.length < 8) return 0;
        step.messages.push({ type: 'KeyEvent', down: b.readUInt8(1) !== 0, keysym: b.readUInt32BE(4) });
        return 8;
      }
      case 5: {
        // PointerEvent: type, button-mask, x, y.
        if (b.length < 6) return 0;
        step.messages.push({
          type: 'PointerEvent',
          buttonMask: b.readUInt8(1),
          x: b.readUInt16BE(2),
          y: b.readUInt16BE(4),
        });
        return 6;
      }
      case 6: {
        // ClientCutText: type, 3 padding, u32 length, Latin-1 text.
        if (b.length < 8) return 0;
        const textLength = b.readUInt32BE(4);
        if (textLength > MAX_CUT_TEXT) {
          step.close = `ClientCutText of ${textLength} bytes is too long`;
          return 8;
        }
        if (b.length < 8 + textLength) return 0;
        step.messages.push({ type: 'ClientCutText', text: b.subarray(8, 8 + textLength).toString('latin1') });
        return 8 + textLength;
      }
      default:
        step.close = `unknown client message type ${type}`;
        return 1;
    }
  }

  /** One FramebufferUpdate with a single Raw rectangle: the whole screen. */
  private framebufferUpdate(): Buffer[] {
    const { picture } = this.options;
    const head = Buffer.alloc(4 + 12);
    head.writeUInt8(0, 0); // FramebufferUpdate
    head.writeUInt16BE(1, 2); // one rectangle
    head.writeUInt16BE(0, 4);
    head.writeUInt16BE(0, 6);
    head.writeUInt16BE(picture.width, 8);
    head.writeUInt16BE(picture.height, 10);
    head.writeInt32BE(0, 12); // Raw
    return [head, encodePixels(picture, this.format)];
  }
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value, 0);
  return b;
}

/** A u32 length followed by the string. */
function text32(text: string, encoding: BufferEncoding = 'latin1'): Buffer {
  const body = Buffer.from(text, encoding);
  return Buffer.concat([u32(body.length), body]);
}
