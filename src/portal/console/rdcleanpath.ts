// RDCleanPath: how IronRDP's web client asks a gateway for an RDP connection over a websocket
// (the PDU of the `ironrdp-rdcleanpath` crate; Devolutions Gateway is the reference server). A
// browser cannot open TCP, nor do TLS on bytes it tunnels; so the client sends one request — where
// to, a token, and its X.224 Connection Request — and the gateway opens the TCP connection, sends
// the request, reads the server's Connection Confirm, does the TLS handshake itself, and answers
// with the confirm and the server's certificate chain. From then on the websocket carries what
// flows inside that TLS connection, in clear on the gateway.
//
// One DER SEQUENCE, every field under an explicit context tag (see the crate):
//   [0] version INTEGER (3390)   [1] error RDCleanPathErr   [2] destination UTF8String
//   [3] proxy_auth UTF8String    [4] server_auth UTF8String [5] preconnection_blob UTF8String
//   [6] x224_connection_pdu OCTET STRING   [7] server_cert_chain SEQUENCE OF OCTET STRING
//   [9] server_addr UTF8String
//   RDCleanPathErr ::= SEQUENCE { [0] error_code, [1] http_status_code, [2] wsa_last_error,
//                                 [3] tls_alert_code }   (INTEGERs, all but the first optional)
// Pure: bytes in, values out. What the browser sends is hostile until proven otherwise, so decoding
// refuses anything it does not expect, in words (RdCleanPathError).
import * as asn1 from 'asn1js';

export const RDCLEANPATH_VERSION = 3390;
/** The crate's error codes: a general failure, and a failed negotiation (the X.224 answer). */
export const GENERAL_ERROR = 1;
export const NEGOTIATION_ERROR = 2;
/** A request is a token, an address and an X.224 request (tens of bytes): anything this big is not one. */
export const MAX_REQUEST_BYTES = 16 * 1024;

export interface RdCleanPathRequest {
  version: number;
  /** Where the client would like to go: informative only, the gateway decides (no SSRF). */
  destination: string;
  /** The token the client was given for the gateway. */
  proxyAuth: string;
  preconnectionBlob?: string;
  /** The client's X.224 Connection Request, TPKT framed. */
  x224ConnectionRequest: Buffer;
}

export interface RdCleanPathResponse {
  /** The server's X.224 Connection Confirm, TPKT framed. */
  x224ConnectionConfirm: Buffer;
  /** DER certificates, the server's own first. */
  serverCertificateChain: Buffer[];
  /** The address the gateway connected to, as the client may show it. */
  serverAddress: string;
}

export interface RdCleanPathFailure {
  code: typeof GENERAL_ERROR | typeof NEGOTIATION_ERROR;
  /** The HTTP status the client reports (e.g. 403 for a refused token). */
  httpStatus?: number;
  /** A Windows socket error the client reports (e.g. 10061: connection refused). */
  wsaError?: number;
  tlsAlert?: number;
}

export class RdCleanPathError extends Error {}

const TAG = {
  version: 0,
  error: 1,
  destination: 2,
  proxyAuth: 3,
  serverAuth: 4,
  preconnectionBlob: 5,
  x224: 6,
  certificateChain: 7,
  serverAddress: 9,
} as const;

/** Decodes a client's request; throws RdCleanPathError, in words, for anything else. */
export function decodeRequest(bytes: Uint8Array): RdCleanPathRequest {
  if (bytes.length > MAX_REQUEST_BYTES) throw new RdCleanPathError(`an RDCleanPath request of ${bytes.length} bytes`);
  const fields = decodeFields(bytes);
  const version = integer(fields.get(TAG.version), 'version');
  if (fields.has(TAG.error) || fields.has(TAG.certificateChain) || fields.has(TAG.serverAddress))
    throw new RdCleanPathError('a response where a request was expected');
  const preconnectionBlob = optionalText(fields.get(TAG.preconnectionBlob), 'preconnection_blob');
  return {
    version,
    destination: text(fields.get(TAG.destination), 'destination'),
    proxyAuth: text(fields.get(TAG.proxyAuth), 'proxy_auth'),
    ...(preconnectionBlob === undefined ? {} : { preconnectionBlob }),
    x224ConnectionRequest: octets(fields.get(TAG.x224), 'x224_connection_pdu'),
  };
}

export function encodeResponse(response: RdCleanPathResponse): Buffer {
  return pdu([
    tagged(TAG.x224, new asn1.OctetString({ valueHex: response.x224ConnectionConfirm })),
    tagged(
      TAG.certificateChain,
      new asn1.Sequence({
        value: response.serverCertificateChain.map((der) => new asn1.OctetString({ valueHex: der })),
      }),
    ),
    tagged(TAG.serverAddress, new asn1.Utf8String({ value: response.serverAddress })),
  ]);
}

export function encodeFailure(failure: RdCleanPathFailure): Buffer {
  const parts: Array<[number, number | undefined]> = [
    [0, failure.code],
    [1, failure.httpStatus],
    [2, failure.wsaError],
    [3, failure.tlsAlert],
  ];
  const error = new asn1.Sequence({
    value: parts.flatMap(([tag, value]) => (value === undefined ? [] : [tagged(tag, new asn1.Integer({ value }))])),
  });
  return pdu([tagged(TAG.error, error)]);
}

/**
 * How many bytes the DER value at the start of `bytes` takes, header included, or undefined while
 * its header is not all there: the request may come in more than one websocket message.
 */
export function derLength(bytes: Uint8Array): number | undefined {
  if (bytes.length < 2) return undefined;
  const first = bytes[1] as number;
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  // Indefinite lengths are BER, not DER; four length bytes is already far past MAX_REQUEST_BYTES.
  if (count === 0 || count > 4) throw new RdCleanPathError('not a DER length');
  if (bytes.length < 2 + count) return undefined;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (bytes[2 + i] as number);
  return 2 + count + length;
}

/** The client's half, for tests and benchmarks that play IronRDP's part. */
export function encodeRequest(request: Omit<RdCleanPathRequest, 'version'>): Buffer {
  return pdu([
    tagged(TAG.destination, new asn1.Utf8String({ value: request.destination })),
    tagged(TAG.proxyAuth, new asn1.Utf8String({ value: request.proxyAuth })),
    ...(request.preconnectionBlob === undefined
      ? []
      : [tagged(TAG.preconnectionBlob, new asn1.Utf8String({ value: request.preconnectionBlob }))]),
    tagged(TAG.x224, new asn1.OctetString({ valueHex: request.x224ConnectionRequest })),
  ]);
}

/** The client's half: what the gateway answered. */
export function decodeAnswer(
  bytes: Uint8Array,
): { ok: true; response: RdCleanPathResponse } | { ok: false; failure: RdCleanPathFailure } {
  const fields = decodeFields(bytes);
  const error = fields.get(TAG.error);
  if (error !== undefined) {
    if (!(error instanceof asn1.Sequence)) throw new RdCleanPathError('the RDCleanPath error is not a SEQUENCE');
    const parts = new Map<number, number>();
    for (const part of error.valueBlock.value) {
      const inner = part instanceof asn1.Constructed ? part.valueBlock.value[0] : undefined;
      parts.set(part.idBlock.tagNumber, integer(inner, 'error field'));
    }
    const optional = (tag: number, key: keyof RdCleanPathFailure) =>
      parts.has(tag) ? { [key]: parts.get(tag) as number } : {};
    return {
      ok: false,
      failure: {
        code: parts.get(0) as RdCleanPathFailure['code'],
        ...optional(1, 'httpStatus'),
        ...optional(2, 'wsaError'),
        ...optional(3, 'tlsAlert'),
      },
    };
  }
  const chain = fields.get(TAG.certificateChain);
  if (!(chain instanceof asn1.Sequence))
    throw new RdCleanPathError('the RDCleanPath response has no certificate chain');
  return {
    ok: true,
    response: {
      x224ConnectionConfirm: octets(fields.get(TAG.x224), 'x224_connection_pdu'),
      serverCertificateChain: chain.valueBlock.value.map((der) => octets(der, 'certificate')),
      serverAddress: text(fields.get(TAG.serverAddress), 'server_addr'),
    },
  };
}

function pdu(fields: asn1.AsnType[]): Buffer {
  const version = tagged(TAG.version, new asn1.Integer({ value: RDCLEANPATH_VERSION }));
  return Buffer.from(new asn1.Sequence({ value: [version, ...fields] }).toBER());
}

/** The PDU's fields by tag; checks the version, which every PDU carries. */
function decodeFields(bytes: Uint8Array): Map<number, asn1.AsnType> {
  let parsed: ReturnType<typeof asn1.fromBER>;
  try {
    parsed = asn1.fromBER(bytes);
  } catch {
    // asn1js throws on some malformed input (a RangeError on a bad length) besides reporting it.
    throw new RdCleanPathError('not an RDCleanPath PDU (malformed DER)');
  }
  if (parsed.offset === -1 || !(parsed.result instanceof asn1.Sequence))
    throw new RdCleanPathError('not an RDCleanPath PDU (a DER SEQUENCE)');
  if (parsed.offset !== bytes.length) throw new RdCleanPathError('bytes after the RDCleanPath PDU');
  const fields = new Map<number, asn1.AsnType>();
  for (const field of parsed.result.valueBlock.value) {
    const { tagClass, tagNumber } = field.idBlock;
    const inner = field instanceof asn1.Constructed ? field.valueBlock.value : [];
    if (tagClass !== 3 || inner.length !== 1 || fields.has(tagNumber))
      throw new RdCleanPathError('an RDCleanPath field that is not one explicitly tagged value');
    fields.set(tagNumber, inner[0] as asn1.AsnType);
  }
  const version = integer(fields.get(TAG.version), 'version');
  if (version !== RDCLEANPATH_VERSION)
    throw new RdCleanPathError(`RDCleanPath version ${version}, not ${RDCLEANPATH_VERSION}`);
  return fields;
}

function tagged(tagNumber: number, value: asn1.AsnType): asn1.Constructed {
  return new asn1.Constructed({ idBlock: { tagClass: 3, tagNumber }, value: [value] });
}

function integer(value: asn1.AsnType | undefined, name: string): number {
  if (!(value instanceof asn1.Integer))
    throw new RdCleanPathError(`the RDCleanPath ${name} is missing or not an integer`);
  return value.valueBlock.valueDec;
}

function text(value: asn1.AsnType | undefined, name: string): string {
  const found = optionalText(value, name);
  if (found === undefined) throw new RdCleanPathError(`the RDCleanPath request has no ${name}`);
  return found;
}

function optionalText(value: asn1.AsnType | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof asn1.Utf8String)) throw new RdCleanPathError(`the RDCleanPath ${name} is not a UTF8String`);
  return value.valueBlock.value;
}

function octets(value: asn1.AsnType | undefined, name: string): Buffer {
  if (!(value instanceof asn1.OctetString)) throw new RdCleanPathError(`the RDCleanPath request has no ${name}`);
  return Buffer.from(value.valueBlock.valueHexView);
}
