// The desktop's end of an RDP connection through the gateway: TCP to the desktop's RDP endpoint,
// the client's X.224 Connection Request (and preconnection blob) sent on, the server's Connection
// Confirm read back, then the TLS handshake the browser cannot do itself. RDP inside that TLS is
// relayed as it is; the portal never sees credentials in clear beyond what CredSSP protects.
//
// IronRDP's web client does not check the server's certificate (it trusts the gateway to), so the
// gateway does: given the CA the desktops' certificates come from, it verifies the chain and the
// address it connected to; without one, it says so at start (the chain is still handed to the client,
// which CredSSP binds to the server's key).
import { connect, isIP, type Socket } from 'node:net';
import { type PeerCertificate, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { GENERAL_ERROR, NEGOTIATION_ERROR, type RdCleanPathFailure } from './rdcleanpath.js';

/** Far more than a Connection Confirm (19 bytes) ever takes. */
const MAX_X224_BYTES = 512;
const CONNECT_TIMEOUT_MS = 15_000;

export interface RdpUpstreamOptions {
  host: string;
  port: number;
  preconnectionBlob?: string;
  x224ConnectionRequest: Buffer;
  /** PEM: the CA desktops' RDP certificates are issued by; undefined accepts any certificate. */
  ca?: string;
  timeoutMs?: number;
}

export type RdpUpstream =
  | { ok: true; tls: TLSSocket; x224ConnectionConfirm: Buffer; certificateChain: Buffer[]; address: string }
  /** `failure` is what the client is told; `detail` is for the portal's log. */
  | { ok: false; failure: RdCleanPathFailure; detail: string };

export async function openRdpUpstream(options: RdpUpstreamOptions): Promise<RdpUpstream> {
  const { host, port } = options;
  const deadline = AbortSignal.timeout(options.timeoutMs ?? CONNECT_TIMEOUT_MS);
  let tcp: Socket | undefined;
  let stage = 'connecting';
  try {
    tcp = await connectTcp(host, port, deadline);
    stage = 'negotiating';
    if (options.preconnectionBlob) tcp.write(options.preconnectionBlob);
    tcp.write(options.x224ConnectionRequest);
    const confirm = await readTpkt(tcp, deadline);
    if (isNegotiationFailure(confirm))
      return {
        ok: false,
        failure: { code: NEGOTIATION_ERROR },
        detail: 'the desktop refused the security the client asked for',
      };
    stage = 'TLS handshake';
    const tls = await upgrade(tcp, host, options.ca, deadline);
    return {
      ok: true,
      tls,
      x224ConnectionConfirm: confirm,
      certificateChain: chainOf(tls.getPeerCertificate(true)),
      address: `${tls.remoteAddress ?? host}:${tls.remotePort ?? port}`,
    };
  } catch (err) {
    tcp?.destroy();
    const detail = `${stage} ${host}:${port}: ${err instanceof Error ? err.message : String(err)}`;
    return { ok: false, failure: failureOf(err, stage === 'TLS handshake'), detail };
  }
}

function connectTcp(host: string, port: number, deadline: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    const timedOut = () => fail(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    deadline.addEventListener('abort', timedOut, { once: true });
    socket.once('error', fail);
    socket.once('connect', () => {
      deadline.removeEventListener('abort', timedOut);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

/** One TPKT-framed PDU (RFC 1006: version 3, reserved, 16-bit length), nothing after it. */
function readTpkt(socket: Socket, deadline: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const done = (err?: Error) => {
      socket.off('data', onData);
      socket.off('error', done);
      socket.off('end', onEnd);
      deadline.removeEventListener('abort', timedOut);
      socket.pause();
      if (err) reject(err);
    };
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4) {
        const length = received.readUInt16BE(2);
        if (received[0] !== 3 || length < 7 || length > MAX_X224_BYTES)
          return done(new Error('the desktop did not answer with an X.224 Connection Confirm'));
        if (received.length > length) return done(new Error('the desktop sent more than its Connection Confirm'));
        if (received.length === length) {
          done();
          resolve(received);
        }
      }
    };
    const onEnd = () => done(Object.assign(new Error('the desktop closed the connection'), { code: 'ECONNRESET' }));
    const timedOut = () => done(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    socket.on('data', onData);
    socket.once('error', done);
    socket.once('end', onEnd);
    deadline.addEventListener('abort', timedOut, { once: true });
  });
}

/** An RDP_NEG_FAILURE after the X.224 header: the server takes none of the protocols asked for. */
function isNegotiationFailure(confirm: Buffer): boolean {
  // TPKT (4) + X.224 CC (LI, code, dst-ref 2, src-ref 2, class) = 11, then the RDP_NEG_* type.
  return confirm.length >= 12 && confirm[11] === 0x03;
}

function upgrade(tcp: Socket, host: string, ca: string | undefined, deadline: AbortSignal): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({
      socket: tcp,
      // SNI takes names only; an address is still checked against the certificate's IP SANs.
      ...(isIP(host) ? {} : { servername: host }),
      host,
      ...(ca === undefined ? { rejectUnauthorized: false } : { ca, rejectUnauthorized: true }),
    });
    const fail = (err: Error) => {
      tls.destroy();
      reject(err);
    };
    const timedOut = () => fail(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    deadline.addEventListener('abort', timedOut, { once: true });
    tls.once('error', fail);
    tls.once('secureConnect', () => {
      deadline.removeEventListener('abort', timedOut);
      tls.off('error', fail);
      tls.pause();
      resolve(tls);
    });
  });
}

/** The server's certificate first, then its issuers, as the client wants them (DER). */
function chainOf(leaf: PeerCertificate): Buffer[] {
  const chain: Buffer[] = [];
  let current: PeerCertificate | undefined = leaf;
  const seen = new Set<string>();
  while (current?.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    chain.push(current.raw);
    current = (current as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  return chain;
}

/** Socket errors as the Windows Sockets codes the client reports (and the page words). */
const WSA: Record<string, number> = {
  ECONNREFUSED: 10061,
  ETIMEDOUT: 10060,
  ECONNRESET: 10054,
  EHOSTUNREACH: 10065,
  ENETUNREACH: 10051,
  ENOTFOUND: 11001,
  EAI_AGAIN: 11002,
};

function failureOf(err: unknown, handshaking: boolean): RdCleanPathFailure {
  const code = (err as { code?: string }).code ?? '';
  const wsaError = WSA[code];
  if (wsaError !== undefined) return { code: GENERAL_ERROR, wsaError };
  // The TLS handshake failed: most often a certificate the desktops' CA did not issue (OpenSSL's
  // verification codes: UNABLE_TO_VERIFY_LEAF_SIGNATURE, SELF_SIGNED_CERT_IN_CHAIN, ERR_TLS_CERT_...).
  if (handshaking) return { code: GENERAL_ERROR, tlsAlert: /CERT|VERIFY|SIGNATURE/.test(code) ? 42 : 40 };
  return { code: GENERAL_ERROR, httpStatus: 502 };
}
