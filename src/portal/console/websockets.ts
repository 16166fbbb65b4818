// The portal's websockets (the VNC console, the RDP gateway): upgrade requests are routed through
// fastify like any other request, so hooks, logging and the security headers on refusals all
// apply, and the route completes the upgrade itself once it has decided. One listener on the HTTP
// server's `upgrade` event for all of them; each kind of connection has its own WebSocketServer
// (its own frame limit). On close, the open connections are told the portal is stopping, then cut.
import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type WebSocket, WebSocketServer } from 'ws';

interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
}

export interface WebsocketKind {
  /** True when the request is a websocket handshake (and not yet answered). */
  isUpgrade(request: FastifyRequest): boolean;
  /**
   * Completes the handshake, with any Set-Cookie the reply carries (a renewed sign-in), and calls
   * `open` with the browser's socket; `gone` instead when the browser left before (or its
   * handshake was malformed and ws answered it with a 400).
   */
  accept(request: FastifyRequest, reply: FastifyReply, open: (ws: WebSocket) => void, gone?: () => void): void;
}

export interface Websockets {
  /** A kind of connection: frames from the browser larger than `maxPayload` end it. */
  kind(maxPayload: number): WebsocketKind;
  /** The portal is closing: connections that end now end for that reason. */
  stopping(): boolean;
}

export function websockets(app: FastifyInstance): Websockets {
  const pending = new WeakMap<IncomingMessage, PendingUpgrade>();
  const servers: WebSocketServer[] = [];
  let stopping = false;

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    pending.set(request, { socket, head });
    const response = new ServerResponse(request);
    response.assignSocket(socket as Socket);
    // An HTTP answer (a refusal, or any other route) ends the connection; an upgrade hijacks it.
    response.once('finish', () => socket.destroy());
    socket.on('error', () => socket.destroy());
    app.routing(request, response);
  };
  app.server.on('upgrade', onUpgrade);

  // Upgraded connections keep the HTTP server from closing: say goodbye, then cut what is left.
  app.addHook('preClose', async () => {
    stopping = true;
    app.server.off('upgrade', onUpgrade);
    const open = servers.flatMap((wss) => [...wss.clients]);
    const closing = open.map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.close(1001, 'the portal is stopping');
        }),
    );
    await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    for (const ws of open) ws.terminate();
    for (const wss of servers) wss.close();
  });

  return {
    stopping: () => stopping,
    kind(maxPayload) {
      // No subprotocol is chosen (neither noVNC nor IronRDP asks for one). No compression: RFB and
      // RDP compress their own pictures, and deflating the rest costs the portal CPU per byte.
      const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload });
      const cookies = new WeakMap<IncomingMessage, string[]>();
      wss.on('headers', (headers, request) => {
        for (const cookie of cookies.get(request) ?? []) headers.push(`Set-Cookie: ${cookie}`);
      });
      servers.push(wss);
      return {
        isUpgrade: (request) => pending.has(request.raw),
        accept(request, reply, open, gone) {
          const upgrade = pending.get(request.raw);
          if (!upgrade) throw new Error('accept() needs a websocket handshake');
          const renewed = reply.getHeader('set-cookie');
          if (renewed !== undefined) cookies.set(request.raw, ([] as string[]).concat(renewed as string | string[]));
          reply.hijack();
          if (upgrade.socket.destroyed) return gone?.();
          let upgraded = false;
          // A malformed handshake is answered by ws itself (400), without calling back.
          upgrade.socket.once('close', () => {
            if (!upgraded) gone?.();
          });
          wss.handleUpgrade(request.raw, upgrade.socket, upgrade.head, (ws) => {
            upgraded = true;
            open(ws);
          });
        },
      };
    },
  };
}
