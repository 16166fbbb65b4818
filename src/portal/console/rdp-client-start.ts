// What the gateway changes in the start of the client's RDP connection, on its way to the desktop.
// After the TLS upgrade the gateway holds the desktop's TLS session and relays RDP in clear, so it
// can read the client's connection sequence (MS-RDPBCGR 1.3.1.1) and change two things in place,
// keeping every length, before it becomes a plain relay:
//
// - **Blocked channels.** A static virtual channel the pool does not allow (cliprdr: clipboard and
//   the files copied through it) is renamed in the client's MCS Connect Initial (its Client Network
//   Data), so the desktop never opens it, whatever the page in the browser was made to do. The
//   client still thinks it asked; the desktop answers on no such channel.
// - **Autologon.** IronRDP's web client sends the user name and password the person typed in the
//   Client Info PDU, but never the INFO_AUTOLOGON flag that tells the desktop to log on with them,
//   so a desktop that signs people in over TLS (xrdp, or Windows without Network Level
//   Authentication) shows its own logon screen — which, for xrdp, IronRDP cannot even draw. The
//   gateway sets the flag when the client sent a password: what a native client does when it has
//   credentials.
// - **True colour.** IronRDP's web client asks for 16 bits per pixel, and draws some of xrdp's
//   16-bit bitmaps sheared (IronRDP issue 1693: text smeared diagonally). It says it supports 32 bits
//   (Client Core Data's supportedColorDepths); the gateway asks the desktop for a 32-bit session on
//   its behalf (RNS_UD_CS_WANT_32BPP_SESSION), and the same desktop is drawn right.
//
// The bytes before the connection is active are TPKT-framed slow-path PDUs, after CredSSP's DER
// messages when the client uses Network Level Authentication; the Client Info PDU is the last one
// looked at. Anything else before it ends the rewriting — and, if a channel had to be blocked and
// the Connect Initial was not seen, the connection (it fails closed). Pure.
import { derLength } from './rdcleanpath.js';

export interface ClientStartOptions {
  /** Static virtual channel names (e.g. "cliprdr") the desktop must not open. */
  blockedChannels: readonly string[];
  /** Set INFO_AUTOLOGON when the Client Info PDU carries a password. */
  autologon: boolean;
  /** Ask for a 32-bit session where the client says it supports one. */
  trueColour: boolean;
}

export interface ClientStart {
  /** The client's bytes as they came; what to send to the desktop now (empty while a PDU is incomplete). */
  push(chunk: Buffer): Buffer;
  /** What it changed, for the portal's log. */
  readonly changed: readonly string[];
}

export class ClientStartError extends Error {}

/** What a blocked channel is called instead: as long as every name (seven letters and a NUL). */
export const BLOCKED_CHANNEL_NAME = 'blocked';

const TPKT = 0x03;
const DER_SEQUENCE = 0x30;
/** TPKT header (4) and X.224 Data TPDU (3): where the MCS PDU starts. */
const MCS_OFFSET = 7;
/** RDP's largest slow-path PDU is far below this. */
const MAX_PDU = 64 * 1024;
/** MCS Connect Initial: BER application tag 101. */
const CONNECT_INITIAL = [0x7f, 0x65];
/** MCS Send Data Request (DomainMCSPDU choice 25, PER). */
const SEND_DATA_REQUEST = 25;
/** Client Core Data (TS_UD_CS_CORE) and Client Network Data (TS_UD_CS_NET). */
const CS_CORE = 0xc001;
const CS_NET = 0xc003;
/** In TS_UD_CS_CORE, from the block's start: supportedColorDepths and earlyCapabilityFlags. */
const SUPPORTED_COLOR_DEPTHS = 142;
const EARLY_CAPABILITY_FLAGS = 144;
const RNS_UD_32BPP_SUPPORT = 0x0008;
const RNS_UD_CS_WANT_32BPP_SESSION = 0x0002;
const SEC_INFO_PKT = 0x0040;
const SEC_ENCRYPT = 0x0008;
const INFO_AUTOLOGON = 0x0000_0008;
const H221_KEY = Buffer.from('Duca');

export function clientStart(options: ClientStartOptions): ClientStart {
  const changed: string[] = [];
  const blocked = new Set(options.blockedChannels.map((name) => name.toLowerCase()));
  let pending: Buffer = Buffer.alloc(0);
  let relaying = false;
  let connectInitialSeen = false;

  /** Ends the rewriting: fails closed when a channel had to be blocked and could not be. */
  const stop = (why: string) => {
    if (blocked.size > 0 && !connectInitialSeen)
      throw new ClientStartError(`the client's connection did not start as RDP does (${why})`);
    relaying = true;
  };

  const pdu = (bytes: Buffer): void => {
    if (bytes[5] !== 0xf0) return; // not X.224 Data: nothing of ours
    if (bytes[MCS_OFFSET] === CONNECT_INITIAL[0] && bytes[MCS_OFFSET + 1] === CONNECT_INITIAL[1]) {
      connectInitialSeen = true;
      if (blocked.size > 0) changed.push(...blockChannels(bytes, blocked));
      if (options.trueColour && askTrueColour(bytes)) changed.push('32-bit colour');
      return;
    }
    if ((bytes[MCS_OFFSET] ?? 0) >> 2 === SEND_DATA_REQUEST && isClientInfo(bytes)) {
      if (options.autologon && setAutologon(bytes)) changed.push('autologon');
      stop('the Client Info PDU was the last to look at');
    }
  };

  return {
    changed,
    push(chunk) {
      if (relaying) return chunk;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let out = 0;
      while (!relaying && out < pending.length) {
        const rest = pending.subarray(out);
        let length: number | undefined;
        if (rest[0] === TPKT) length = rest.length >= 4 ? rest.readUInt16BE(2) : undefined;
        else if (rest[0] === DER_SEQUENCE) length = derLength(rest);
        else {
          stop(`a PDU starting with 0x${(rest[0] ?? 0).toString(16)}`);
          break;
        }
        if (length === undefined || rest.length < length) {
          if (length !== undefined && length > MAX_PDU) stop(`a PDU of ${length} bytes`);
          break;
        }
        if (length < 4) throw new ClientStartError(`a PDU of ${length} bytes`);
        if (rest[0] === TPKT) pdu(rest.subarray(0, length));
        out += length;
      }
      if (relaying) {
        const all = pending;
        pending = Buffer.alloc(0);
        return all;
      }
      const ready = pending.subarray(0, out);
      pending = pending.subarray(out);
      return ready;
    },
  };
}

/** Renames the blocked channels in a Connect Initial's Client Network Data, in place; returns what it did. */
export function blockChannels(connectInitial: Buffer, blocked: ReadonlySet<string>): string[] {
  const blocks = userDataBlocks(connectInitial);
  const done: string[] = [];
  for (const { type, start, end } of blocks) {
    if (type !== CS_NET) continue;
    const count = connectInitial.readUInt32LE(start + 4);
    if (8 + count * 12 > end - start)
      throw new ClientStartError('a Client Network Data block shorter than its channels');
    for (let i = 0; i < count; i++) {
      const at = start + 8 + i * 12;
      const raw = connectInitial.subarray(at, at + 8);
      const name = raw
        .subarray(0, Math.max(0, raw.indexOf(0)))
        .toString('latin1')
        .toLowerCase();
      if (!blocked.has(name)) continue;
      raw.fill(0);
      raw.write(BLOCKED_CHANNEL_NAME, 'latin1');
      done.push(`channel ${name} blocked`);
    }
  }
  return done;
}

/** Asks for a 32-bit session in a Connect Initial's Client Core Data, in place, if the client supports one. */
export function askTrueColour(connectInitial: Buffer): boolean {
  const core = userDataBlocks(connectInitial).find((block) => block.type === CS_CORE);
  if (!core || core.end - core.start < EARLY_CAPABILITY_FLAGS + 2) return false;
  const supported = connectInitial.readUInt16LE(core.start + SUPPORTED_COLOR_DEPTHS);
  const early = connectInitial.readUInt16LE(core.start + EARLY_CAPABILITY_FLAGS);
  if (!(supported & RNS_UD_32BPP_SUPPORT) || early & RNS_UD_CS_WANT_32BPP_SESSION) return false;
  connectInitial.writeUInt16LE(early | RNS_UD_CS_WANT_32BPP_SESSION, core.start + EARLY_CAPABILITY_FLAGS);
  return true;
}

/**
 * The client data blocks (type, where each starts and ends) of a Connect Initial: after the BER
 * header, the GCC Conference Create Request carries them after its H.221 key "Duca" and a PER
 * length; they must fill exactly that length, or this is not what it seemed.
 */
function userDataBlocks(bytes: Buffer): { type: number; start: number; end: number }[] {
  const key = bytes.indexOf(H221_KEY, MCS_OFFSET);
  if (key < 0) throw new ClientStartError('a Connect Initial without GCC user data');
  let at = key + H221_KEY.length;
  let length = bytes[at] ?? 0;
  if (length & 0x80) {
    length = ((length & 0x7f) << 8) | (bytes[at + 1] ?? 0);
    at += 2;
  } else at += 1;
  if (at + length !== bytes.length) throw new ClientStartError('GCC user data that does not end with the PDU');
  const blocks: { type: number; start: number; end: number }[] = [];
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new ClientStartError('a truncated client data block');
    const type = bytes.readUInt16LE(at);
    const size = bytes.readUInt16LE(at + 2);
    if (size < 4 || at + size > bytes.length) throw new ClientStartError('a client data block of a wrong size');
    blocks.push({ type, start: at, end: at + size });
    at += size;
  }
  return blocks;
}

/** Where a Send Data Request's user data starts (after its PER header), or undefined. */
function sendDataOffset(bytes: Buffer): number | undefined {
  // choice, initiator (2), channel id (2), data priority and segmentation, then a PER length.
  let at = MCS_OFFSET + 6;
  const first = bytes[at];
  if (first === undefined) return undefined;
  at += first & 0x80 ? 2 : 1;
  return at + 4 <= bytes.length ? at : undefined;
}

function isClientInfo(bytes: Buffer): boolean {
  const at = sendDataOffset(bytes);
  return at !== undefined && (bytes.readUInt16LE(at) & SEC_INFO_PKT) !== 0;
}

/** Sets INFO_AUTOLOGON in a Client Info PDU that carries a password (in place); whether it did. */
export function setAutologon(bytes: Buffer): boolean {
  const at = sendDataOffset(bytes);
  if (at === undefined) return false;
  const securityFlags = bytes.readUInt16LE(at);
  // Encrypted with standard RDP security: not readable here (and IronRDP never uses it).
  if (!(securityFlags & SEC_INFO_PKT) || securityFlags & SEC_ENCRYPT) return false;
  // TS_INFO_PACKET after the 4-byte security header: CodePage, flags, cbDomain, cbUserName, cbPassword.
  const info = at + 4;
  if (info + 14 > bytes.length) return false;
  const flags = bytes.readUInt32LE(info + 4);
  const passwordBytes = bytes.readUInt16LE(info + 12);
  if (passwordBytes === 0 || flags & INFO_AUTOLOGON) return false;
  bytes.writeUInt32LE((flags | INFO_AUTOLOGON) >>> 0, info + 4);
  return true;
}
