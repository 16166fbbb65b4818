import { describe, expect, it } from 'vitest';
import { withoutRoutingCookie } from '../src/portal/console/x224.js';

/** A Connection Request: TPKT, X.224 CR, then `body` (cookie, RDP_NEG_REQ...). */
function request(body: Buffer): Buffer {
  const x224 = Buffer.from([6 + body.length, 0xe0, 0, 0, 0, 0, 0]);
  const tpkt = Buffer.from([3, 0, 0, 0]);
  tpkt.writeUInt16BE(4 + x224.length + body.length, 2);
  return Buffer.concat([tpkt, x224, body]);
}
const NEG_REQ_TLS = Buffer.from([0x01, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00]);

describe('the X.224 Connection Request the gateway passes on', () => {
  it('loses its routing cookie (which can carry a user name, or a password), and nothing else', () => {
    const withCookie = request(Buffer.concat([Buffer.from('Cookie: mstshash=ada\x1fsecret\r\n'), NEG_REQ_TLS]));
    expect(withoutRoutingCookie(withCookie)).toEqual(request(NEG_REQ_TLS));
    expect(withoutRoutingCookie(withCookie).toString('latin1')).not.toContain('secret');
  });

  it('is left alone without a cookie, and when it is not a Connection Request', () => {
    const plain = request(NEG_REQ_TLS);
    expect(withoutRoutingCookie(plain)).toBe(plain);
    const confirm = Buffer.from('030000130ed000000000000203080001000000', 'hex');
    expect(withoutRoutingCookie(confirm)).toBe(confirm);
    const unterminated = request(Buffer.from('Cookie: mstshash=ada'));
    expect(withoutRoutingCookie(unterminated)).toBe(unterminated);
  });
});
