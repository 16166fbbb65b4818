// Everything the console adds to the portal: the websocket proxy and the page with noVNC.
import type { FastifyInstance } from 'fastify';
import { type ConsoleProxyOptions, consoleProxy } from './console-proxy.js';

export function consoleRoutes(app: FastifyInstance, options: ConsoleProxyOptions): void {
  consoleProxy(app, options);
}
