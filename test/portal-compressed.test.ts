import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chooseEncoding, compressedCopies } from '../src/portal/compressed.js';

describe('compressed copies of the portal’s files', () => {
  it('answer with Brotli, else gzip, where the browser takes them, and never what it refuses', () => {
    expect(chooseEncoding('gzip, deflate, br, zstd', 5000)).toBe('br');
    expect(chooseEncoding('gzip, deflate', 5000)).toBe('gzip');
    expect(chooseEncoding('br;q=0, gzip;q=0.8', 5000)).toBe('gzip');
    expect(chooseEncoding('br;q=0.0, gzip; q=0', 5000)).toBeUndefined();
    expect(chooseEncoding('identity', 5000)).toBeUndefined();
    expect(chooseEncoding(undefined, 5000)).toBeUndefined();
    // Not worth it for small files.
    expect(chooseEncoding('br', 100)).toBeUndefined();
  });

  it('are the same bytes once the browser decompresses them, made once per file', async () => {
    const copies = compressedCopies();
    const body = Buffer.from('IronRDP '.repeat(10_000));
    const br = await copies(body, 'br');
    expect(br.length).toBeLessThan(body.length / 10);
    expect(brotliDecompressSync(br)).toEqual(body);
    expect(gunzipSync(await copies(body, 'gzip'))).toEqual(body);
    expect(await copies(body, 'br')).toBe(br);
  });
});
