// A Service in front of several portal replicas, without sticky sessions: each HTTP request (not
// each connection — browsers keep connections alive) and each websocket upgrade goes to the next
// backend in turn. Shows that a session, a sign-in in flight and a console work whichever replica
// answers. Loopback only.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';

export interface RoundRobin {
  url: string;
  /** How many requests and upgrades each backend got, by backend URL. */
  served: Map<string, number>;
  /** From now on, these backends (replicas replaced, as in a rollout). */
  route(backends: readonly string[]): void;
  close(): Promise<void>;
}

export async function roundRobin(initial: readonly string[] = []): Promise<RoundRobin> {
  let next = 0;
  let backends = [...initial];
  const served = new Map(backends.map((b) => [b, 0]));
  const pick = () => {
    if (backends.length === 0) throw new Error('the round robin has no backend');
    const backend = backends[next++ % backends.length] as string;
    served.set(backend, (served.get(backend) ?? 0) + 1);
    return new URL(backend);
  };

  const server: Server = createServer((incoming, outgoing) => {
    const target = pick();
    const forward = request(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => outgoing.destroy());
    incoming.pipe(forward);
    // A browser leaving a Server-Sent Events stream ends the backend's side too.
    outgoing.on('close', () => forward.destroy());
  });

  // Websockets: replay the upgrade request to the backend and splice the two sockets.
  server.on('upgrade', (incoming, socket, head) => {
    const target = pick();
    const upstream = connect(Number(target.port), target.hostname, () => {
      const lines = [`${incoming.method} ${incoming.url} HTTP/1.1`];
      for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
        lines.push(`${incoming.rawHeaders[i]}: ${incoming.rawHeaders[i + 1]}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const end = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on('error', end);
    socket.on('error', end);
    upstream.on('close', end);
    socket.on('close', end);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    route(list) {
      backends = [...list];
      for (const b of backends) if (!served.has(b)) served.set(b, 0);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
