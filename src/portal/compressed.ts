// Compressed copies of the portal's static files, for browsers that take them. The remote desktop
// page's script carries IronRDP's WebAssembly inline (6 MB; 1.8 MB as Brotli, 2.2 MB as gzip), and
// people open it on every kind of network. Each copy is made once, on its first request, off the
// event loop (zlib's thread pool), and kept for the life of the process; files are immutable.
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

export type Encoding = 'br' | 'gzip';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);
/** Smaller files are not worth it. */
const MIN_BYTES = 1024;

/** The encoding to answer with, from the request's Accept-Encoding (q=0 refuses one). */
export function chooseEncoding(acceptEncoding: string | undefined, size: number): Encoding | undefined {
  if (size < MIN_BYTES || !acceptEncoding) return undefined;
  const accepted = new Set(
    acceptEncoding
      .split(',')
      .map((part) => part.trim().split(';'))
      .filter(([, q]) => !q || !/^\s*q\s*=\s*0(\.0*)?\s*$/.test(q))
      .map(([coding]) => coding?.trim().toLowerCase()),
  );
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return undefined;
}

export function compressedCopies(): (body: Buffer, encoding: Encoding) => Promise<Buffer> {
  const copies = new WeakMap<Buffer, Map<Encoding, Promise<Buffer>>>();
  return (body, encoding) => {
    let forBody = copies.get(body);
    if (!forBody) {
      forBody = new Map();
      copies.set(body, forBody);
    }
    let copy = forBody.get(encoding);
    if (!copy) {
      copy =
        encoding === 'br'
          ? brotli(body, {
              params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
            })
          : gzipped(body, { level: 9 });
      forBody.set(encoding, copy);
    }
    return copy;
  };
}
