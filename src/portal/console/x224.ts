// The client's X.224 Connection Request, as the gateway passes it on. IronRDP's web client puts the
// user name in its routing cookie (`Cookie: mstshash=<name>\r\n`, MS-RDPBCGR 2.2.1.1), which the
// desktop receives before TLS, in clear on the network — and some desktops' sign-in (xrdp's token
// logon) puts the password in that name. The cookie is for RD Connection Brokers choosing a
// server; the gateway already knows which desktop, so it removes the cookie. Pure.

const TPKT_HEADER = 4;
/** LI, code, dst-ref (2), src-ref (2), class. */
const X224_CR_HEADER = 7;
const COOKIE = Buffer.from('Cookie: ');
const CRLF = Buffer.from('\r\n');

/** The request without its routing cookie or token; unchanged when it has none (or is not a request). */
export function withoutRoutingCookie(request: Buffer): Buffer {
  const start = TPKT_HEADER + X224_CR_HEADER;
  if (request.length < start || request[0] !== 3 || ((request[5] ?? 0) & 0xf0) !== 0xe0) return request;
  if (!request.subarray(start, start + COOKIE.length).equals(COOKIE)) return request;
  const end = request.indexOf(CRLF, start);
  if (end < 0) return request;
  const stripped = Buffer.concat([request.subarray(0, start), request.subarray(end + CRLF.length)]);
  stripped.writeUInt16BE(stripped.length, 2);
  // The length indicator counts the X.224 header and what follows, without itself and the TPKT.
  stripped[TPKT_HEADER] = stripped.length - TPKT_HEADER - 1;
  return stripped;
}
