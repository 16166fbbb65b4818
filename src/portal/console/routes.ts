// Everything the console adds to the portal: the websocket proxy, the page with noVNC and its
// files, and the .rdp file for native clients.
import type { FastifyInstance } from 'fastify';
import type { AsPerson, Refuse } from '../person.js';
import { signInPath } from '../signin/return-to.js';
import { serveBundle } from '../web-assets.js';
import { consolePage } from './page.js';
import { type ConsoleProxyOptions, consoleProxy, isDesktopName } from './proxy.js';
import { rdpRoutes } from './rdp-routes.js';

export interface ConsoleRoutesOptions extends ConsoleProxyOptions {
  /** Sign-in with OpenID Connect is configured: it can bring the person back to the console. */
  oidc: boolean;
  asPerson: AsPerson;
  refuse: Refuse;
  /** Template of the address a .rdp file names (rdp-file.ts). */
  rdpAddress: string | undefined;
}

/** Throws, so the portal does not start, when the .rdp address template cannot make an address. */
export function consoleRoutes(app: FastifyInstance, options: ConsoleRoutesOptions): void {
  rdpRoutes(app, options);
  consoleProxy(app, options);
  const assets = serveBundle(app, 'console');

  app.get('/console/:namespace/:desktop', async (request, reply) => {
    const { namespace, desktop } = request.params as { namespace: string; desktop: string };
    if (!isDesktopName(namespace) || !isDesktopName(desktop))
      return reply.code(404).type('text/plain; charset=utf-8').send('404 Not Found\n');
    const signIn = options.oidc ? signInPath(request.url) : '/';
    const current = await options.renewal.current(request, reply);
    if (current.status === 'expired') return reply.redirect(signInPath(request.url), 303);
    if (current.status === 'signed-out') return reply.redirect(signIn, 303);
    return reply.type('text/html; charset=utf-8').send(consolePage(await assets, namespace, desktop, signIn));
  });
}
