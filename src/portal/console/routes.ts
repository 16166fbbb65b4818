// Everything the console adds to the portal: the websocket proxy, the page with noVNC and its
// files, and the .rdp file for native clients.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { rdpContentSecurityPolicy } from '../security.js';
import { signInPath } from '../signin/return-to.js';
import { serveBundle, type WebAssets } from '../web-assets.js';
import { ConsoleMetrics } from './metrics.js';
import { isDesktopName } from './names.js';
import { consolePage } from './page.js';
import { type ConsoleProxyOptions, consoleProxy } from './proxy.js';
import { type RdpGatewayOptions, rdpGateway } from './rdp-gateway.js';
import { rdpPage } from './rdp-page.js';
import { rdpRoutes } from './rdp-routes.js';
import { websockets } from './websockets.js';

export interface ConsoleRoutesOptions extends ConsoleProxyOptions, RdpGatewayOptions {
  /** Sign-in with OpenID Connect is configured: it can bring the person back to the console. */
  oidc: boolean;
  registry: Registry;
  /** Template of the address a .rdp file names (rdp-file.ts). */
  rdpAddress: string | undefined;
}

/** Throws, so the portal does not start, when the .rdp address template cannot make an address. */
export function consoleRoutes(app: FastifyInstance, options: ConsoleRoutesOptions): void {
  rdpRoutes(app, options);
  const sockets = websockets(app);
  const metrics = new ConsoleMetrics(options.registry);
  consoleProxy(app, sockets, metrics, options);
  rdpGateway(app, sockets, metrics, options);
  const pages = { console: serveBundle(app, 'console'), rdp: serveBundle(app, 'rdp') };

  // The two pages of a desktop: the VNC console (for everyone, administrators' support access
  // included) and the remote desktop (RDP through the portal's gateway, for pools that offer it).
  const page =
    (
      render: (assets: WebAssets, namespace: string, desktop: string, signIn: string) => string,
      which: keyof typeof pages,
    ) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const { namespace, desktop } = request.params as { namespace: string; desktop: string };
      if (!isDesktopName(namespace) || !isDesktopName(desktop))
        return reply.code(404).type('text/plain; charset=utf-8').send('404 Not Found\n');
      const signIn = options.oidc ? signInPath(request.url) : '/';
      const current = await options.renewal.current(request, reply);
      if (current.status === 'expired') return reply.redirect(signInPath(request.url), 303);
      if (current.status === 'signed-out') return reply.redirect(signIn, 303);
      if (which === 'rdp') reply.header('content-security-policy', rdpContentSecurityPolicy());
      return reply.type('text/html; charset=utf-8').send(render(await pages[which], namespace, desktop, signIn));
    };
  app.get('/console/:namespace/:desktop', page(consolePage, 'console'));
  app.get('/rdp/:namespace/:desktop', page(rdpPage, 'rdp'));
}
