// What every console websocket (the VNC console, the RDP gateway) must show before it is upgraded:
// that it is a websocket handshake, for a desktop's name, from the portal's own pages (browsers
// send Origin on every websocket handshake, and cookies go along cross-site, so this is the only
// CSRF guard a websocket has), with a sign-in. Refusals are plain HTTP answers: nothing is upgraded.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Origins } from '../origin.js';
import type { Session } from '../signin/session.js';
import type { SessionRenewal } from '../signin/session-renewal.js';
import type { ConsoleMetrics, ConsoleProtocol } from './metrics.js';
import { isDesktopName } from './names.js';
import type { WebsocketKind } from './websockets.js';

export interface Admitted {
  namespace: string;
  desktop: string;
  session: Session;
  /** `?takeOver=true`: end a connection open elsewhere. */
  takeOver: boolean;
}

export interface AdmitOptions {
  origins: Origins;
  renewal: SessionRenewal;
  metrics: ConsoleMetrics;
}

/** The connection's target and sign-in; undefined once the request has been answered with a refusal. */
export async function admitConsole(
  request: FastifyRequest,
  reply: FastifyReply,
  kind: WebsocketKind,
  protocol: ConsoleProtocol,
  { origins, renewal, metrics }: AdmitOptions,
): Promise<Admitted | undefined> {
  if (!kind.isUpgrade(request)) {
    await reply.code(426).header('upgrade', 'websocket').send({ error: 'a websocket', kind: 'invalid' });
    return undefined;
  }
  const { namespace, desktop } = request.params as { namespace: string; desktop: string };
  if (!isDesktopName(namespace) || !isDesktopName(desktop)) {
    await reply.code(400).send({ error: 'not a desktop name', kind: 'invalid' });
    return undefined;
  }
  if (request.headers.origin !== origins.of(request)) {
    metrics.attempt(protocol, 'foreign-origin');
    request.log.warn(
      { origin: request.headers.origin, desktop: `${namespace}/${desktop}`, protocol },
      'refused a console from another origin',
    );
    await reply.code(403).send({ error: 'this console was not opened from the portal’s own pages', kind: 'forbidden' });
    return undefined;
  }
  const current = await renewal.current(request, reply);
  if (current.status !== 'signed-in') {
    metrics.attempt(protocol, 'signed-out');
    await reply.code(401).send({ error: 'signin-required', kind: 'unauthenticated' });
    return undefined;
  }
  const takeOver = new URL(request.url, 'http://portal').searchParams.get('takeOver') === 'true';
  return { namespace, desktop, session: current.session, takeOver };
}
