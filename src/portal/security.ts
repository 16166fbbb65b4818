// Headers every response carries, and the CSRF rule every state-changing request must pass.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_HEADER } from './api-types.js';
import type { PortalMetrics } from './metrics.js';
import type { Origins } from './origin.js';

/**
 * Scripts, styles and connections only from the portal itself; no inline script; never framed.
 * `formOrigins`: where else a form's answer may lead (the issuer's end-session endpoint).
 */
export function contentSecurityPolicy(...formOrigins: string[]): string {
  return policy(["script-src 'self'", "style-src 'self'", "connect-src 'self'"], formOrigins);
}

/**
 * The RDP page's policy: IronRDP's client is WebAssembly (compiled from a `data:` URL it carries
 * inline: 'wasm-unsafe-eval' and connect-src data:), and its web component sets inline styles on
 * the elements it draws (without 'unsafe-inline' for styles the picture draws but its layout and
 * scaling break). Scripts stay the portal's own: no inline script, no eval of JavaScript.
 */
export function rdpContentSecurityPolicy(...formOrigins: string[]): string {
  return policy(
    ["script-src 'self' 'wasm-unsafe-eval'", "style-src 'self' 'unsafe-inline'", "connect-src 'self' data:"],
    formOrigins,
  );
}

function policy(sources: string[], formOrigins: string[]): string {
  return [
    "default-src 'self'",
    ...sources,
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    // Browsers apply form-action to where a form's answer redirects too: signing out posts to
    // the portal, which sends the browser on to the issuer's end-session endpoint.
    ["form-action 'self'", ...formOrigins].join(' '),
  ].join('; ');
}

/** The policy of a portal without OpenID Connect sign-in. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `formOrigins`: asked for each answer, as the issuer's end-session endpoint is known only once discovered. */
export function securityHeaders(app: FastifyInstance, formOrigins: () => string[] = () => []): void {
  app.addHook('onSend', async (_request, reply) => {
    // A page that set its own policy (the RDP page) keeps it; every other answer gets the strict one.
    if (!reply.hasHeader('content-security-policy'))
      reply.header('content-security-policy', contentSecurityPolicy(...formOrigins()));
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    // Pages and answers are per person: no shared cache may keep them.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
}

/**
 * Every state-changing request must come from the portal's own pages: its Origin (or Referer)
 * must be the portal's origin, and a JSON API call must also carry the CSRF header — a
 * cross-site form can set neither, and a cross-site script cannot add the header without a CORS
 * preflight that the portal never answers.
 */
export function csrfProtection(app: FastifyInstance, origins: Origins, metrics: PortalMetrics): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (SAFE_METHODS.has(request.method)) return;
    const isApi = request.url.startsWith('/api/');
    const ok = origins.sameOrigin(request) && (!isApi || request.headers[CSRF_HEADER] === '1');
    if (ok) return;
    metrics.apiError('csrf');
    request.log.warn({ method: request.method, url: request.url }, 'refused a request from another origin');
    const message = 'this request did not come from the portal’s own pages';
    if (isApi) return reply.code(403).send({ error: message, kind: 'forbidden' });
    return reply.code(403).type('text/plain; charset=utf-8').send(`403 Forbidden: ${message}\n`);
  });
}
