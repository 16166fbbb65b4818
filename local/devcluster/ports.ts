// Free loopback ports for the control plane's listeners.
import { createServer, type Server } from 'node:net';

/**
 * Returns `count` distinct ports that were free on 127.0.0.1 a moment ago. All listeners are
 * held open until every port is chosen, so one call never returns the same port twice. Another
 * process may still take a port before our server binds it; the caller retries on
 * "address already in use" (see `isAddressInUse`).
 */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(await listenOnAnyPort(server));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function listenOnAnyPort(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address && typeof address === 'object') resolve(address.port);
      else reject(new Error('could not read the port of a loopback listener'));
    });
  });
}

/** How Go servers (etcd, kube-apiserver) report losing that race in their logs. */
export function isAddressInUse(logTail: string): boolean {
  return /address already in use/i.test(logTail);
}
