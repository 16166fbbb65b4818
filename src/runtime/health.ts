// /healthz, /readyz and /metrics on one small HTTP server, as kubelet probes and Prometheus
// expect them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.js';

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export interface HealthOptions {
  host: string;
  port: number;
  metrics: Metrics;
  /** Liveness: false only when the process should be restarted. */
  healthy: () => boolean;
  /** Readiness: caches synced (a standby replica is ready too: it is waiting for the lease). */
  ready: () => boolean;
}

export async function startHealthServer(options: HealthOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = (ok: boolean) => {
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok\n' : 'not ok\n');
    };
    if (path === '/healthz' || path === '/livez') return answer(options.healthy());
    if (path === '/readyz') return answer(options.ready());
    if (path === '/metrics') {
      void options.metrics.registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
        res.end(text);
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
