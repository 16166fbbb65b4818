// The desktops' network endpoints: while a VMI runs, the simulator listens on its address (the IP
// its status reports) on port 3389 for RDP and 5900 for VNC, with plain TCP servers. A connection
// starts the desktop's session if it has none (screens.ts) and is spliced to the session's RDP or
// VNC server. Level-triggered: the VMI reconciler says, for each VMI, which desktop (if any) should
// be reachable, and the listeners follow; a VMI that stops takes its listeners, connections and
// session with it.
import { createServer, type Server, type Socket } from 'node:net';
import { isFinal, phaseOf } from '../status.js';
import type { VirtualMachineInstance } from '../types.js';
import { isDesktopAddress, RDP_PORT, VNC_PORT } from './address.js';
import type { DesktopIdentity } from './desktop.js';
import type { Screens } from './screens.js';
import { connectUnix, splice } from './splice.js';

type Protocol = 'rdp' | 'vnc';
const PORTS: Record<Protocol, number> = { rdp: RDP_PORT, vnc: VNC_PORT };
const CONNECT_TIMEOUT_MS = 20_000;

interface Endpoint {
  desktop: DesktopIdentity;
  servers: Server[];
  connections: Set<Socket>;
  /** Resolves once its listeners are bound (or failed to bind). */
  listening: Promise<void>;
  /** Its VMI stopped: a connection still being set up must not start a session. */
  closed: boolean;
}

/** The desktop a VMI is, if it runs and has an address the simulator gave it. */
export function runningDesktop(vmi: VirtualMachineInstance | undefined): DesktopIdentity | undefined {
  if (!vmi || phaseOf(vmi) !== 'Running' || isFinal(vmi)) return undefined;
  const ip = vmi.status?.interfaces?.[0]?.ipAddress;
  if (!isDesktopAddress(ip)) return undefined;
  const { uid, namespace = '', name } = vmi.metadata;
  return { uid, namespace, name, ip };
}

export class DesktopEndpoints {
  /** By `namespace/name`, as the reconciler keys VMIs. */
  private readonly endpoints = new Map<string, Endpoint>();
  private closed = false;

  constructor(
    private readonly screens: Screens,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Makes `key`'s listeners match `desktop`: listening on its address while it is given, closed
   * (with its connections and session) when it is not. Resolves once they are bound, so a VMI is
   * reported Running only when its desktop answers.
   */
  async sync(key: string, desktop: DesktopIdentity | undefined): Promise<void> {
    const current = this.endpoints.get(key);
    if (current && desktop && current.desktop.uid === desktop.uid && current.desktop.ip === desktop.ip) {
      return current.listening;
    }
    if (current) await this.close(key, current, 'the VMI stopped');
    if (!desktop || this.closed) return;
    const endpoint: Endpoint = {
      desktop,
      servers: [],
      connections: new Set(),
      listening: Promise.resolve(),
      closed: false,
    };
    endpoint.listening = Promise.all(
      (Object.keys(PORTS) as Protocol[]).map((protocol) => this.listen(endpoint, protocol)),
    ).then(() => undefined);
    this.endpoints.set(key, endpoint);
    return endpoint.listening;
  }

  /** Closes every listener and connection and stops every session: the simulator is stopping. */
  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.endpoints].map(([key, endpoint]) => this.close(key, endpoint, 'the simulator is stopping')),
    );
    await this.screens.stopAll('the simulator is stopping');
  }

  private async close(key: string, endpoint: Endpoint, why: string): Promise<void> {
    if (this.endpoints.get(key) === endpoint) this.endpoints.delete(key);
    endpoint.closed = true;
    await endpoint.listening;
    for (const socket of endpoint.connections) socket.destroy();
    await Promise.all(endpoint.servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await this.screens.stop(endpoint.desktop.uid, why);
  }

  private listen(endpoint: Endpoint, protocol: Protocol): Promise<void> {
    const { desktop } = endpoint;
    const server = createServer((client) => void this.accept(endpoint, protocol, client));
    return new Promise<void>((resolve) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        // Not fatal: two desktops with one address (rare), or a stale listener of an earlier simulator.
        this.log(
          `screen ${desktop.namespace}/${desktop.name}: cannot listen on ${desktop.ip}:${PORTS[protocol]} for ${protocol.toUpperCase()}: ${err.code ?? err.message}`,
        );
        resolve();
      });
      server.listen({ host: desktop.ip, port: PORTS[protocol], exclusive: true }, () => {
        endpoint.servers.push(server);
        resolve();
      });
    });
  }

  private async accept(endpoint: Endpoint, protocol: Protocol, client: Socket): Promise<void> {
    endpoint.connections.add(client);
    client.once('close', () => endpoint.connections.delete(client));
    // Until it is spliced, an error only ends it.
    const drop = () => client.destroy();
    client.on('error', drop);
    const { desktop } = endpoint;
    const label = `${desktop.namespace}/${desktop.name}`;
    let lease: Awaited<ReturnType<Screens['acquire']>> | undefined;
    try {
      lease = await this.screens.acquire(desktop);
      const { session } = lease;
      const target = protocol === 'vnc' ? (await session.display()).vncSocket : await session.rdp();
      const server = await connectUnix(target, CONNECT_TIMEOUT_MS, () => session.ended());
      if (client.destroyed || endpoint.closed) {
        server.destroy();
        client.destroy();
        lease.release();
        // A session this connection started after its VMI stopped goes at once, not when idle.
        if (endpoint.closed) await this.screens.stop(desktop.uid, 'the VMI stopped');
        return;
      }
      client.off('error', drop);
      const held = lease;
      splice(client, server, () => held.release());
    } catch (err) {
      if (!client.destroyed)
        this.log(`screen ${label}: ${protocol.toUpperCase()} connection dropped: ${(err as Error).message}`);
      client.destroy();
      lease?.release();
    }
  }
}
