import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeAnswer,
  decodeRequest,
  derLength,
  encodeFailure,
  encodeRequest,
  encodeResponse,
  GENERAL_ERROR,
  MAX_REQUEST_BYTES,
  RdCleanPathError,
} from '../src/portal/console/rdcleanpath.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('RDCleanPath PDUs', () => {
  it('encodes a failure exactly as the crate does: explicit context tags around DER integers', () => {
    // SEQUENCE { [0] INTEGER 3390, [1] SEQUENCE { [0] INTEGER 1, [1] INTEGER 403 } }
    expect(encodeFailure({ code: GENERAL_ERROR, httpStatus: 403 })).toEqual(
      hex('30 15 a0 04 02 02 0d 3e a1 0d 30 0b a0 03 02 01 01 a1 04 02 02 01 93'),
    );
  });

  it('reads back what a client sends, and what the gateway answers', () => {
    const x224 = hex('03 00 00 13 0e e0 00 00 00 00 00 01 00 08 00 0b 00 00 00');
    const request = encodeRequest({ destination: 'desktop:3389', proxyAuth: 'ticket', x224ConnectionRequest: x224 });
    expect(decodeRequest(request)).toEqual({
      version: 3390,
      destination: 'desktop:3389',
      proxyAuth: 'ticket',
      x224ConnectionRequest: x224,
    });
    const response = {
      x224ConnectionConfirm: hex('03 00 00 13 0e d0 00 00 12 34 00 02 1f 08 00 02 00 00 00'),
      serverCertificateChain: [hex('30 03 02 01 05'), hex('30 03 02 01 06')],
      serverAddress: '127.1.2.3:3389',
    };
    expect(decodeAnswer(encodeResponse(response))).toEqual({ ok: true, response });
    expect(decodeAnswer(encodeFailure({ code: GENERAL_ERROR, wsaError: 10061 }))).toEqual({
      ok: false,
      failure: { code: GENERAL_ERROR, wsaError: 10061 },
    });
  });

  it('refuses, in words, whatever is not a request', () => {
    const refused = (bytes: Uint8Array) => {
      try {
        decodeRequest(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(RdCleanPathError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused(hex('30 06 a0 04 02 02 0d 3d'))).toBe('RDCleanPath version 3389, not 3390');
    expect(refused(hex('02 01 01'))).toBe('not an RDCleanPath PDU (a DER SEQUENCE)');
    expect(refused(hex('30 06 a0 04 02 02 0d 3e'))).toBe('the RDCleanPath request has no destination');
    expect(refused(encodeFailure({ code: GENERAL_ERROR }))).toBe('a response where a request was expected');
    expect(refused(Buffer.concat([encodeFailure({ code: GENERAL_ERROR }), hex('00')]))).toBe(
      'bytes after the RDCleanPath PDU',
    );
    expect(refused(Buffer.alloc(MAX_REQUEST_BYTES + 1))).toMatch(/^an RDCleanPath request of/);
  });

  it('never throws anything but its own error on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeRequest(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(RdCleanPathError);
        }
      }),
      { numRuns: 2000 },
    );
    // Near misses reach deeper than random bytes: a real request with one byte changed.
    const request = encodeRequest({
      destination: 'd:3389',
      proxyAuth: 't',
      x224ConnectionRequest: hex('0300000b06e00000000000'),
    });
    fc.assert(
      fc.property(fc.nat(request.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const changed = Buffer.from(request);
        changed[at] = value;
        try {
          decodeRequest(changed);
        } catch (err) {
          expect(err).toBeInstanceOf(RdCleanPathError);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('tells how long a DER value is once its header is there', () => {
    expect(derLength(hex('30'))).toBeUndefined();
    expect(derLength(hex('30 06'))).toBe(8);
    expect(derLength(hex('30 82 01'))).toBeUndefined();
    expect(derLength(hex('30 82 01 00'))).toBe(260);
    expect(() => derLength(hex('30 80'))).toThrow(RdCleanPathError);
  });
});
