// The simulated desktop's RFB server, bytes in and bytes out: the 3.8 handshake (and 3.7, 3.3),
// a Raw framebuffer in the client's pixel format, every client message consumed by its exact length
// however the bytes are split, and the protocol errors that end a session.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PIXEL_FORMAT,
  desktopColour,
  desktopPicture,
  encodePixelFormat,
  type PixelFormat,
} from '../../../local/simulator/virt-api/framebuffer.js';
import { type ClientMessage, RfbServer, type RfbStep } from '../../../local/simulator/virt-api/rfb.js';

const NAME = 'ns-1/desk-0';
const W = 64;
const H = 48;

const server = () => new RfbServer({ name: NAME, picture: desktopPicture(NAME, W, H) });
const bytes = (...values: number[]) => Buffer.from(values);
const u16 = (v: number) => bytes(v >> 8, v & 0xff);
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};
const out = (step: RfbStep) => Buffer.concat(step.send);
const version = (minor: number) => Buffer.from(`RFB 003.00${minor}\n`, 'latin1');

/** Feeds `data` one byte at a time, collecting everything the server says and parses. */
function trickle(rfb: RfbServer, data: Buffer): RfbStep {
  const all: RfbStep = { send: [], messages: [] };
  for (const byte of data) {
    const step = rfb.receive(bytes(byte));
    all.send.push(...step.send);
    all.messages.push(...step.messages);
    if (step.close) all.close = step.close;
  }
  return all;
}

/** A server past ClientInit (3.8), and the ServerInit it sent. */
function connected(): { rfb: RfbServer; serverInit: Buffer } {
  const rfb = server();
  rfb.receive(version(8));
  rfb.receive(bytes(1));
  return { rfb, serverInit: out(rfb.receive(bytes(1))) };
}

const updateRequest = (incremental: boolean) =>
  Buffer.concat([bytes(3, incremental ? 1 : 0), u16(0), u16(0), u16(W), u16(H)]);

describe('RFB server', () => {
  it('greets with 3.8, offers None, accepts it, and sends ServerInit with a 64×48 32 bpp screen named ns/vmi', () => {
    const rfb = server();
    expect(rfb.greeting().toString('latin1')).toBe('RFB 003.008\n');
    expect(out(rfb.receive(version(8)))).toEqual(bytes(1, 1));
    expect(out(rfb.receive(bytes(1)))).toEqual(u32(0));
    const init = rfb.receive(bytes(1));
    expect(init.messages).toEqual([{ type: 'ClientInit', shared: true }]);
    const expected = Buffer.concat([
      u16(W),
      u16(H),
      encodePixelFormat(DEFAULT_PIXEL_FORMAT),
      u32(NAME.length),
      Buffer.from(NAME),
    ]);
    expect(out(init)).toEqual(expected);
    expect(init.close).toBeUndefined();
  });

  it('does the same handshake when every byte comes on its own', () => {
    const rfb = server();
    const step = trickle(rfb, Buffer.concat([version(8), bytes(1), bytes(0)]));
    expect(step.messages).toEqual([{ type: 'ClientInit', shared: false }]);
    expect(out(step).subarray(0, 6)).toEqual(Buffer.concat([bytes(1, 1), u32(0)]));
    expect(out(step).readUInt16BE(6)).toBe(W);
  });

  it('speaks 3.7 (no SecurityResult for None) and 3.3 (the server picks the security type)', () => {
    const v7 = server();
    expect(out(v7.receive(version(7)))).toEqual(bytes(1, 1));
    expect(out(v7.receive(bytes(1)))).toHaveLength(0);
    expect(out(v7.receive(bytes(1))).readUInt16BE(0)).toBe(W);

    const v3 = server();
    expect(out(v3.receive(version(3)))).toEqual(u32(1));
    expect(out(v3.receive(bytes(1))).readUInt16BE(2)).toBe(H);
  });

  it('answers a full FramebufferUpdateRequest with one Raw rectangle of the whole screen in 0x00RRGGBB', () => {
    const { rfb } = connected();
    const step = rfb.receive(updateRequest(false));
    const reply = out(step);
    expect(reply.subarray(0, 4)).toEqual(bytes(0, 0, 0, 1));
    expect(reply.subarray(4, 16)).toEqual(Buffer.concat([u16(0), u16(0), u16(W), u16(H), u32(0)]));
    const pixels = reply.subarray(16);
    expect(pixels).toHaveLength(W * H * 4);
    const [r, g, b] = desktopColour(NAME);
    const at = (x: number, y: number) => pixels.readUInt32LE((y * W + x) * 4);
    expect(at(0, 0)).toBe(0xffffff);
    expect(at(10, 10)).toBe((r << 16) | (g << 8) | b);
    expect(step.messages).toEqual([
      { type: 'FramebufferUpdateRequest', incremental: false, x: 0, y: 0, width: W, height: H },
    ]);
  });

  it('leaves incremental requests unanswered: the picture never changes', () => {
    const { rfb } = connected();
    const step = rfb.receive(updateRequest(true));
    expect(step.send).toHaveLength(0);
    expect(step.messages[0]).toMatchObject({ type: 'FramebufferUpdateRequest', incremental: true });
  });

  it('consumes every client message by its length, whole, batched or split anywhere', () => {
    const messages = Buffer.concat([
      bytes(2, 0),
      u16(3),
      u32(0),
      u32(-223 >>> 0),
      u32(-239 >>> 0), // SetEncodings: Raw, DesktopSize, Cursor
      bytes(4, 1, 0, 0),
      u32(0xff0d), // KeyEvent: Return down
      bytes(5, 1),
      u16(12),
      u16(34), // PointerEvent
      bytes(6, 0, 0, 0),
      u32(5),
      Buffer.from('héllo', 'latin1'), // ClientCutText
      bytes(4, 0, 0, 0),
      u32(0xff0d), // KeyEvent: Return up
    ]);
    const expected: ClientMessage[] = [
      { type: 'SetEncodings', encodings: [0, -223, -239] },
      { type: 'KeyEvent', down: true, keysym: 0xff0d },
      { type: 'PointerEvent', buttonMask: 1, x: 12, y: 34 },
      { type: 'ClientCutText', text: 'héllo' },
      { type: 'KeyEvent', down: false, keysym: 0xff0d },
    ];
    expect(connected().rfb.receive(messages).messages).toEqual(expected);
    expect(trickle(connected().rfb, messages).messages).toEqual(expected);
    for (let cut = 1; cut < messages.length; cut++) {
      const { rfb } = connected();
      const first = rfb.receive(messages.subarray(0, cut));
      const second = rfb.receive(messages.subarray(cut));
      expect([...first.messages, ...second.messages]).toEqual(expected);
      expect(first.close ?? second.close).toBeUndefined();
    }
  });

  it('sends later frames in the pixel format the client set (16 bpp RGB565, big-endian)', () => {
    const { rfb } = connected();
    const rgb565: PixelFormat = {
      bitsPerPixel: 16,
      depth: 16,
      bigEndian: true,
      trueColour: true,
      redMax: 31,
      greenMax: 63,
      blueMax: 31,
      redShift: 11,
      greenShift: 5,
      blueShift: 0,
    };
    const set = rfb.receive(Buffer.concat([bytes(0, 0, 0, 0), encodePixelFormat(rgb565)]));
    expect(set.messages).toEqual([{ type: 'SetPixelFormat', format: rgb565 }]);
    const pixels = out(rfb.receive(updateRequest(false))).subarray(16);
    expect(pixels).toHaveLength(W * H * 2);
    expect(pixels.readUInt16BE(0)).toBe(0xffff);
    const [r, g, b] = desktopColour(NAME);
    const scale = (v: number, max: number) => Math.round((v * max) / 255);
    expect(pixels.readUInt16BE((10 * W + 10) * 2)).toBe((scale(r, 31) << 11) | (scale(g, 63) << 5) | scale(b, 31));
  });

  it('ends the session on protocol errors, with a reason', () => {
    expect(server().receive(Buffer.from('GET / HTTP/1.1\r\n')).close).toMatch(/unsupported protocol version/);

    const wrongSecurity = server();
    wrongSecurity.receive(version(8));
    const refused = wrongSecurity.receive(bytes(2));
    expect(refused.close).toMatch(/security type 2/);
    // 3.8: SecurityResult "failed" and a reason before the connection closes.
    expect(out(refused).readUInt32BE(0)).toBe(1);

    expect(connected().rfb.receive(bytes(99)).close).toBe('unknown client message type 99');
    const colourMap = Buffer.concat([
      bytes(0, 0, 0, 0),
      encodePixelFormat({ ...DEFAULT_PIXEL_FORMAT, trueColour: false }),
    ]);
    expect(connected().rfb.receive(colourMap).close).toMatch(/colour-map/);

    // Nothing more is parsed once closed.
    const { rfb } = connected();
    rfb.receive(bytes(99));
    expect(rfb.receive(updateRequest(false)).send).toHaveLength(0);
  });
});
