// The start of an RDP connection, as a gateway makes it (and the portal's RDCleanPath gateway will):
// TCP, the X.224 Connection Request asking for TLS (and CredSSP, if asked), the server's Connection
// Confirm, then the TLS handshake on the same socket. Enough to prove a real RDP server answers and
// which certificate it shows, without a whole client.
import { mkdtemp, rm } from 'node:fs/promises';
import { type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type PeerCertificate, connect as tlsConnect } from 'node:tls';
import { ManagedProcess } from '../../local/process.js';

/** RDP_NEG_REQ requestedProtocols (MS-RDPBCGR 2.2.1.1.1). */
export const PROTOCOL = { rdp: 0, ssl: 1, hybrid: 2 } as const;

export interface RdpHandshake {
  /** The protocol the server selected in its Connection Confirm (1: TLS, 2: CredSSP). */
  selectedProtocol: number;
  /** The TLS result: whether the certificate chains to `ca` and names `servername`/the address. */
  authorized: boolean;
  authorizationError: string | undefined;
  /** The server's leaf certificate, with its issuer chain as the server sent it. */
  certificate: PeerCertificate;
}

/** X.224 Connection Request with an RDP Negotiation Request (MS-RDPBCGR 2.2.1.1). */
export function connectionRequest(requestedProtocols: number): Buffer {
  const neg = Buffer.from([0x01, 0x00, 0x08, 0x00, 0, 0, 0, 0]);
  neg.writeUInt32LE(requestedProtocols, 4);
  const x224 = Buffer.from([6 + neg.length, 0xe0, 0, 0, 0, 0, 0]);
  const tpkt = Buffer.from([3, 0, 0, 0]);
  tpkt.writeUInt16BE(4 + x224.length + neg.length, 2);
  return Buffer.concat([tpkt, x224, neg]);
}

/** The selected protocol of an X.224 Connection Confirm, or why the server refused. */
export function parseConnectionConfirm(pdu: Buffer): number {
  if (pdu.readUInt8(0) !== 3) throw new Error(`not a TPKT: ${pdu.toString('hex')}`);
  if ((pdu.readUInt8(5) & 0xf0) !== 0xd0) throw new Error(`not an X.224 Connection Confirm: ${pdu.toString('hex')}`);
  if (pdu.length < 19) return PROTOCOL.rdp; // no negotiation response: standard RDP security
  const type = pdu.readUInt8(11);
  const value = pdu.readUInt32LE(15);
  if (type === 3) throw new Error(`the server refused the negotiation: failure code ${value}`);
  if (type !== 2) throw new Error(`unexpected negotiation message type ${type}`);
  return value;
}

/** Reads one TPKT-framed PDU. */
function readTpkt(socket: Socket, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const timer = setTimeout(() => done(new Error(`no X.224 Connection Confirm after ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length >= 4 && buffer.length >= buffer.readUInt16BE(2)) {
        const length = buffer.readUInt16BE(2);
        if (buffer.length > length) socket.unshift(buffer.subarray(length));
        done(undefined, buffer.subarray(0, length));
      }
    };
    const onEnd = () => done(new Error('the server closed the connection before its Connection Confirm'));
    const done = (err: Error | undefined, pdu?: Buffer) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      socket.pause();
      if (err) reject(err);
      else resolve(pdu as Buffer);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', (err) => done(err));
  });
}

export async function rdpHandshake(
  host: string,
  port: number,
  options: { ca?: string; servername?: string; requestedProtocols?: number; timeoutMs?: number } = {},
): Promise<RdpHandshake> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const socket = tcpConnect({ host, port });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(connectionRequest(options.requestedProtocols ?? PROTOCOL.ssl));
    const selectedProtocol = parseConnectionConfirm(await readTpkt(socket, timeoutMs));
    const tls = tlsConnect({
      socket,
      ca: options.ca,
      // Without a name, Node checks the certificate against the address (its IP SANs).
      ...(options.servername ? { servername: options.servername } : { host }),
      rejectUnauthorized: false,
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no TLS handshake after ${timeoutMs} ms`)), timeoutMs);
      tls.once('secureConnect', () => {
        clearTimeout(timer);
        resolve();
      });
      tls.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const result = {
      selectedProtocol,
      authorized: tls.authorized,
      authorizationError: tls.authorizationError ? String(tls.authorizationError) : undefined,
      certificate: tls.getPeerCertificate(true),
    };
    tls.destroy();
    return result;
  } finally {
    socket.destroy();
  }
}

/** A native RDP client at work: FreeRDP's xfreerdp, drawing on an X display of its own (Xvnc). */
export interface NativeClient {
  client: ManagedProcess;
  /** Ends the client and its display. */
  stop(): Promise<void>;
}

/** Starts xfreerdp for `address` with `args` (/u:, /p:, +auth-only...); it trusts any certificate. */
export async function xfreerdp(address: string, args: string[]): Promise<NativeClient> {
  const home = await mkdtemp(path.join(tmpdir(), 'kubevdi-xfreerdp-'));
  const display = await ManagedProcess.spawn(
    'Xvnc',
    ['-displayfd', '1', '-rfbport', '-1', '-SecurityTypes', 'None', '-geometry', '800x600'],
    { name: 'the RDP client’s display', group: true },
  );
  const stop = async (client?: ManagedProcess) => {
    await client?.stop(2000);
    await display.stop(2000);
    await rm(home, { recursive: true, force: true });
  };
  try {
    const number = await display.waitFor((line) => (/^\d+$/.test(line.trim()) ? line.trim() : undefined), 20_000);
    const client = await ManagedProcess.spawn('xfreerdp', ['/cert:ignore', `/v:${address}`, ...args], {
      name: 'xfreerdp',
      env: { ...process.env, DISPLAY: `:${number}`, HOME: home },
    });
    return { client, stop: () => stop(client) };
  } catch (err) {
    await stop();
    throw err;
  }
}
