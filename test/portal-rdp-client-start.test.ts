// What the gateway changes in the start of a client's RDP connection (rdp-client-start.ts), on the
// bytes IronRDP's web client really sends: recorded from the page in Chromium through a gateway to
// xrdp (clipboard on, TLS, user "ada", password "pa55-word", 16 bits per pixel asked for). Every
// length stays as it was.
import { describe, expect, it } from 'vitest';
import {
  BLOCKED_CHANNEL_NAME,
  ClientStartError,
  clientStart,
  setAutologon,
} from '../src/portal/console/rdp-client-start.js';

const hex = (...parts: string[]) => Buffer.from(parts.join(''), 'hex');

const CONNECT_INITIAL = hex(
  '0300019302f0807f658201870401010401010101ff301a020122020102020100020101020100020101020300ffff0201',
  '023019020101020101020101020101020100020101020204200201023020020300ffff020300fc17020300ffff020101',
  '020100020101020300ffff02010204820121000500147c00018116000800100001c00044756361810a01c0ea00040008',
  '000004000301ca03aa0000000000000000690072006f006e007200640070002d00770065006200000000000000000000',
  '0004000000000000000c0000000000000000000000000000000000000000000000000000000000000000000000000000',
  '000000000000000000000000000000000000000000000000000000000001ca01000000000010000f0029080000000000',
  '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
  '000000000000000000000006000100000000000000000000000000000000000000000002c00c00000000000000000003',
  'c0140001000000636c69707264720000008000',
);
const ERECT_DOMAIN = hex('0300000c02f0800401000100');
const ATTACH_USER = hex('0300000802f08028');
const CHANNEL_JOINS = hex('0300000c02f08038000403ec0300000c02f08038000403eb0300000c02f08038000403ed');
const CLIENT_INFO = hex(
  '0300015502f08064000403eb708146400000000000000073014b00000006001200000000000000610064006100000070',
  '006100350035002d0077006f0072006400000000000000020014003100320037002e0030002e0030002e003100000040',
  '0043003a005c00570069006e0064006f00770073005c00530079007300740065006d00330032005c006d007300740073',
  '006300610078002e0064006c006c00000000000000000000000000000000000000000000000000000000000000000000',
  '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
  '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
  '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
  '0086000000',
);

/** The client's bytes up to and including its Client Info PDU, in the order it sends them. */
const SEQUENCE = [CONNECT_INITIAL, ERECT_DOMAIN, ATTACH_USER, CHANNEL_JOINS, CLIENT_INFO];
/** Offset of TS_INFO_PACKET's flags in CLIENT_INFO: TPKT, X.224, MCS header (8), security header (4), CodePage. */
const INFO_FLAGS = 7 + 8 + 4 + 4;
const INFO_AUTOLOGON = 0x8;

/** The channel names the Connect Initial's Client Network Data lists. */
function channels(connectInitial: Buffer): string[] {
  const net = connectInitial.indexOf(Buffer.from([0x03, 0xc0]));
  const count = connectInitial.readUInt32LE(net + 4);
  return Array.from({ length: count }, (_, i) => {
    const name = connectInitial.subarray(net + 8 + i * 12, net + 16 + i * 12);
    return name.subarray(0, name.indexOf(0)).toString('latin1');
  });
}

/** All of `chunks` through a fresh filter, as the desktop would receive them. */
function through(options: Parameters<typeof clientStart>[0], ...chunks: Buffer[]) {
  const start = clientStart(options);
  const out = Buffer.concat(chunks.map((chunk) => start.push(Buffer.from(chunk))));
  return { out, changed: start.changed };
}

describe('the start of the client’s connection, through the gateway', () => {
  it('has the clipboard channel renamed when the pool allows no clipboard, and nothing else changed', () => {
    expect(channels(CONNECT_INITIAL)).toEqual(['cliprdr']);
    const { out, changed } = through(
      { blockedChannels: ['cliprdr'], autologon: false, trueColour: false },
      ...SEQUENCE,
    );
    const connectInitial = out.subarray(0, CONNECT_INITIAL.length);
    expect(channels(connectInitial)).toEqual([BLOCKED_CHANNEL_NAME]);
    const differing = [...connectInitial].flatMap((b, i) => (b === CONNECT_INITIAL[i] ? [] : [i]));
    expect(differing.length).toBeGreaterThan(0);
    expect(differing.length).toBeLessThanOrEqual(7);
    expect(out.subarray(CONNECT_INITIAL.length)).toEqual(Buffer.concat(SEQUENCE.slice(1)));
    expect(changed).toEqual(['channel cliprdr blocked']);
  });

  it('asks the desktop to log on with the password the person typed (INFO_AUTOLOGON), then only relays', () => {
    expect(CLIENT_INFO.readUInt32LE(INFO_FLAGS) & INFO_AUTOLOGON).toBe(0);
    const later = Buffer.from(CLIENT_INFO); // a PDU after the Client Info is not looked at
    const { out, changed } = through({ blockedChannels: [], autologon: true, trueColour: false }, ...SEQUENCE, later);
    const info = out.subarray(out.length - 2 * CLIENT_INFO.length, out.length - CLIENT_INFO.length);
    expect(info.readUInt32LE(INFO_FLAGS)).toBe(CLIENT_INFO.readUInt32LE(INFO_FLAGS) | INFO_AUTOLOGON);
    expect(out.subarray(out.length - CLIENT_INFO.length)).toEqual(CLIENT_INFO);
    expect(out.subarray(0, out.length - 2 * CLIENT_INFO.length)).toEqual(Buffer.concat(SEQUENCE.slice(0, -1)));
    expect(changed).toEqual(['autologon']);
  });

  it('asks the desktop for 32-bit colour, which the client says it supports (IronRDP draws xrdp’s 16-bit bitmaps sheared)', () => {
    const core = CONNECT_INITIAL.indexOf(Buffer.from([0x01, 0xc0]), CONNECT_INITIAL.indexOf('Duca') + 4);
    const early = (bytes: Buffer) => bytes.readUInt16LE(core + 144);
    expect(CONNECT_INITIAL.readUInt16LE(core + 140)).toBe(16); // highColorDepth asked for
    expect(CONNECT_INITIAL.readUInt16LE(core + 142) & 0x8).toBe(0x8); // 32 bits supported
    expect(early(CONNECT_INITIAL) & 0x2).toBe(0);
    const { out, changed } = through({ blockedChannels: [], autologon: false, trueColour: true }, CONNECT_INITIAL);
    expect(early(out)).toBe(early(CONNECT_INITIAL) | 0x2);
    expect([...out].flatMap((b, i) => (b === CONNECT_INITIAL[i] ? [] : [i]))).toEqual([core + 144]);
    expect(changed).toEqual(['32-bit colour']);
    // A client that does not support 32 bits is not asked for them.
    const without = Buffer.from(CONNECT_INITIAL);
    without.writeUInt16LE(without.readUInt16LE(core + 142) & ~0x8, core + 142);
    expect(through({ blockedChannels: [], autologon: false, trueColour: true }, without).out).toEqual(without);
  });

  it('leaves a Client Info without a password as it is (the desktop asks itself, or needs none)', () => {
    const info = Buffer.from(CLIENT_INFO);
    info.writeUInt16LE(0, INFO_FLAGS + 4 + 2 + 2); // cbPassword
    expect(setAutologon(Buffer.from(info))).toBe(false);
    const { out, changed } = through(
      { blockedChannels: [], autologon: true, trueColour: false },
      CONNECT_INITIAL,
      info,
    );
    expect(out).toEqual(Buffer.concat([CONNECT_INITIAL, info]));
    expect(changed).toEqual([]);
  });

  it('gives the same bytes however the browser’s messages cut them', () => {
    const options = { blockedChannels: ['cliprdr'], autologon: true, trueColour: true };
    const whole = through(options, Buffer.concat(SEQUENCE)).out;
    const all = Buffer.concat(SEQUENCE);
    for (const size of [1, 3, 7, 64, 500]) {
      const pieces = Array.from({ length: Math.ceil(all.length / size) }, (_, i) =>
        all.subarray(i * size, (i + 1) * size),
      );
      expect(through(options, ...pieces).out).toEqual(whole);
    }
    expect(whole).not.toEqual(all);
  });

  it('passes CredSSP’s messages (Network Level Authentication) before the Connect Initial as they are', () => {
    const tsRequest = hex('30820003020106'); // TSRequest-like: SEQUENCE { INTEGER 6 }, a long-form DER length
    const { out, changed } = through(
      { blockedChannels: ['cliprdr'], autologon: true, trueColour: false },
      tsRequest,
      ...SEQUENCE,
    );
    expect(out.subarray(0, tsRequest.length)).toEqual(tsRequest);
    expect(channels(out.subarray(tsRequest.length))).toEqual([BLOCKED_CHANNEL_NAME]);
    expect(changed).toEqual(['channel cliprdr blocked', 'autologon']);
  });

  it('fails closed when a channel must be blocked and the connection does not start as RDP does', () => {
    const fastPath = hex('4409000100');
    expect(() => through({ blockedChannels: ['cliprdr'], autologon: true, trueColour: false }, fastPath)).toThrow(
      ClientStartError,
    );
    // GCC user data whose PER length (after the H.221 key "Duca") no longer matches the blocks.
    const broken = Buffer.from(CONNECT_INITIAL);
    const length = broken.indexOf('Duca') + 5;
    broken.writeUInt8(broken.readUInt8(length) + 1, length);
    expect(() => through({ blockedChannels: ['cliprdr'], autologon: false, trueColour: false }, broken)).toThrow(
      ClientStartError,
    );
    // With nothing to block, what it does not know only ends the looking.
    expect(through({ blockedChannels: [], autologon: true, trueColour: false }, fastPath, CLIENT_INFO).out).toEqual(
      Buffer.concat([fastPath, CLIENT_INFO]),
    );
  });
});
