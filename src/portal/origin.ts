// The portal's own origin, which decides two things: whether a state-changing request comes from
// the portal's own pages (CSRF), and whether cookies must be Secure.
import type { FastifyRequest } from 'fastify';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface Origins {
  /** The origin the browser sees the portal at, for this request. */
  of(request: FastifyRequest): string;
  /** Cookies are Secure unless the portal is served over plain http on this machine. */
  secure(request: FastifyRequest): boolean;
  /** Whether the request names the portal's own origin in Origin (or, without it, Referer). */
  sameOrigin(request: FastifyRequest): boolean;
}

/**
 * With `publicUrl` (the URL people open, e.g. behind an Ingress), that is the origin. Without it
 * the portal is reached directly and its origin is the request's Host over the connection's
 * protocol: a browser sends the Host it connected to, so a cross-site page cannot make it match
 * its own Origin.
 */
export function origins(publicUrl: string | undefined): Origins {
  const fixed = publicUrl ? new URL(publicUrl).origin : undefined;
  const of = (request: FastifyRequest) => fixed ?? `${request.protocol}://${request.headers.host ?? ''}`;
  return {
    of,
    secure(request) {
      const url = new URL(of(request));
      return !(url.protocol === 'http:' && LOOPBACK.has(url.hostname));
    },
    sameOrigin(request) {
      const own = of(request);
      const origin = request.headers.origin;
      if (origin === own) return true;
      // The portal sends Referrer-Policy: no-referrer, under which browsers send `Origin: null`
      // on its own form posts (Fetch, "append a request Origin header"). Sec-Fetch-Site is set by
      // the browser alone (page scripts cannot), and only it then tells the portal's own page
      // from a sandboxed frame elsewhere, which sends `null` too.
      if (origin === 'null') return request.headers['sec-fetch-site'] === 'same-origin';
      if (origin !== undefined) return false;
      // Browsers without Origin on form posts name the page in Referer instead.
      const referer = request.headers.referer;
      if (!referer) return false;
      try {
        return new URL(referer).origin === own;
      } catch {
        return false;
      }
    },
  };
}
