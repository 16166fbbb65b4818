// The simulated desktop's screen: a small fixed picture whose colour comes from the VMI's name, so
// a test can tell which desktop it is looking at, and its encoding into an RFB pixel format.
import { createHash } from 'node:crypto';

/** RFB PIXEL_FORMAT (RFC 6143 §7.4). */
export interface PixelFormat {
  bitsPerPixel: number;
  depth: number;
  bigEndian: boolean;
  trueColour: boolean;
  redMax: number;
  greenMax: number;
  blueMax: number;
  redShift: number;
  greenShift: number;
  blueShift: number;
}

/** What the server announces in ServerInit: 32 bpp true colour, 0x00RRGGBB little-endian (as QEMU does). */
export const DEFAULT_PIXEL_FORMAT: PixelFormat = {
  bitsPerPixel: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 16,
  greenShift: 8,
  blueShift: 0,
};

export const PIXEL_FORMAT_LENGTH = 16;

export function encodePixelFormat(pf: PixelFormat): Buffer {
  const b = Buffer.alloc(PIXEL_FORMAT_LENGTH);
  b.writeUInt8(pf.bitsPerPixel, 0);
  b.writeUInt8(pf.depth, 1);
  b.writeUInt8(pf.bigEndian ? 1 : 0, 2);
  b.writeUInt8(pf.trueColour ? 1 : 0, 3);
  b.writeUInt16BE(pf.redMax, 4);
  b.writeUInt16BE(pf.greenMax, 6);
  b.writeUInt16BE(pf.blueMax, 8);
  b.writeUInt8(pf.redShift, 10);
  b.writeUInt8(pf.greenShift, 11);
  b.writeUInt8(pf.blueShift, 12);
  return b; // three bytes of padding
}

export function decodePixelFormat(b: Uint8Array, offset = 0): PixelFormat {
  const v = Buffer.from(b.buffer, b.byteOffset + offset, PIXEL_FORMAT_LENGTH);
  return {
    bitsPerPixel: v.readUInt8(0),
    depth: v.readUInt8(1),
    bigEndian: v.readUInt8(2) !== 0,
    trueColour: v.readUInt8(3) !== 0,
    redMax: v.readUInt16BE(4),
    greenMax: v.readUInt16BE(6),
    blueMax: v.readUInt16BE(8),
    redShift: v.readUInt8(10),
    greenShift: v.readUInt8(11),
    blueShift: v.readUInt8(12),
  };
}

/** Why the simulator cannot send pixels in this format, if it cannot. */
export function unsupportedPixelFormat(pf: PixelFormat): string | undefined {
  if (![8, 16, 32].includes(pf.bitsPerPixel)) return `unsupported bits-per-pixel ${pf.bitsPerPixel}`;
  if (!pf.trueColour) return 'colour-map pixel formats are not supported by the simulator';
  return undefined;
}

export type Rgb = readonly [number, number, number];

/** An RGB picture, row by row. */
export interface Picture {
  width: number;
  height: number;
  pixel(x: number, y: number): Rgb;
}

/** A colour derived from a name (e.g. `ns/vmi`): the same name always gives the same colour. */
export function desktopColour(label: string): Rgb {
  const h = createHash('sha256').update(label).digest();
  // Kept in the middle of the range, so the white frame always stands out.
  return [64 + ((h[0] as number) % 128), 64 + ((h[1] as number) % 128), 64 + ((h[2] as number) % 128)];
}

const FRAME: Rgb = [255, 255, 255];

/** The desktop: its colour, inside a one-pixel white frame. */
export function desktopPicture(label: string, width: number, height: number): Picture {
  const colour = desktopColour(label);
  return {
    width,
    height,
    pixel: (x, y) => (x === 0 || y === 0 || x === width - 1 || y === height - 1 ? FRAME : colour),
  };
}

/** The whole picture in `pf` (true colour, 8/16/32 bpp), ready for a Raw rectangle. */
export function encodePixels(picture: Picture, pf: PixelFormat): Buffer {
  const bytes = pf.bitsPerPixel / 8;
  const out = Buffer.alloc(picture.width * picture.height * bytes);
  const scale = (value: number, max: number) => Math.round((value * max) / 255);
  let offset = 0;
  for (let y = 0; y < picture.height; y++) {
    for (let x = 0; x < picture.width; x++) {
      const [r, g, b] = picture.pixel(x, y);
      const value =
        ((scale(r, pf.redMax) << pf.redShift) |
          (scale(g, pf.greenMax) << pf.greenShift) |
          (scale(b, pf.blueMax) << pf.blueShift)) >>>
        0;
      offset = writePixel(out, offset, value, bytes, pf.bigEndian);
    }
  }
  return out;
}

function writePixel(out: Buffer, offset: number, value: number, bytes: number, bigEndian: boolean): number {
  if (bytes === 1) return out.writeUInt8(value & 0xff, offset);
  if (bytes === 2) {
    return bigEndian ? out.writeUInt16BE(value & 0xffff, offset) : out.writeUInt16LE(value & 0xffff, offset);
  }
  return bigEndian ? out.writeUInt32BE(value, offset) : out.writeUInt32LE(value, offset);
}
