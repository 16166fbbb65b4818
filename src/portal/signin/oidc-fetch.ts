// The HTTP client openid-client uses to reach the issuer (discovery, keys, token endpoint).
// Node 20's global fetch cannot be given a CA without an undici dispatcher, and undici is not
// importable without installing a second copy of it; node:https takes `ca` directly, so the
// portal trusts a private issuer CA without touching the process's trust store.
import { request } from 'node:https';
import type { CustomFetch } from 'openid-client';

/** Answers larger than this are not an issuer's metadata, keys or tokens. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** A fetch for openid-client over node:https; `ca` (PEM) replaces the default trust when given. */
export function issuerFetch(ca?: string): CustomFetch {
  return (url, options) =>
    new Promise<Response>((resolve, reject) => {
      const body = requestBody(options.body);
      const req = request(
        url,
        { method: options.method, headers: options.headers, signal: options.signal, ...(ca ? { ca } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES)
              req.destroy(new Error(`${url}: answer larger than ${MAX_RESPONSE_BYTES} bytes`));
            else chunks.push(chunk);
          });
          res.on('error', reject);
          res.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              for (const v of [value ?? []].flat()) headers.append(name, v);
            }
            // Status codes without a body (204, 304) must not be given one.
            const status = res.statusCode ?? 502;
            const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(payload, { status, statusText: res.statusMessage, headers }));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

function requestBody(body: Parameters<CustomFetch>[1]['body']): string | Buffer | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  // openid-client streams nothing to an issuer; refuse rather than send an empty body.
  throw new TypeError('issuerFetch: streamed request bodies are not supported');
}
