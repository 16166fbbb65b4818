// The `vnc` subresource: a websocket carrying raw RFB in binary frames (subprotocol
// plain.kubevirt.io), one session per VMI. The checks and refusals are virt-api's
// (pkg/virt-api/rest/vnc.go, streamer.go); exclusivity is virt-handler's: a new connection closes
// the one before, unless it asks `preserveSession=true`, which is then refused. The desktop behind
// it is the real X session the simulator serves on the VMI's address (port 5900, screen/), or,
// when nothing answers there (the simulator runs with synthetic screens, or without the programs),
// the 64×48 picture of rfb.ts. The session ends when the VMI stops, as it does when virt-launcher goes.
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { errorMessage } from '../kube.js';
import { isDesktopAddress, VNC_PORT } from '../screen/address.js';
import { isFinal } from '../status.js';
import type { VirtualMachineInstance } from '../types.js';
import { badRequest, notFound, PlainTextError } from './errors.js';
import { desktopPicture } from './framebuffer.js';
import type { VirtApiClient } from './kube.js';
import { relay, toBuffer } from './relay.js';
import { RfbServer } from './rfb.js';

/** client-go's PlainStreamProtocolName. */
export const PLAIN_STREAM_PROTOCOL = 'plain.kubevirt.io';
export const VNC_IN_USE = 'Active VNC connection. Request denied.';
/** The synthetic screen: small, tests read it whole. */
export const SCREEN = { width: 64, height: 48 };
const CONNECT_TIMEOUT_MS = 5000;

interface Session {
  end(reason: string): void;
}

export class VncConsoles {
  // gorilla's Upgrader as KubeVirt configures it: offers plain.kubevirt.io, accepts a client that
  // asks for no subprotocol (noVNC), checks no Origin, no compression.
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(PLAIN_STREAM_PROTOCOL) ? PLAIN_STREAM_PROTOCOL : false),
  });
  /** By VMI uid, as virt-handler keys them. */
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly client: VirtApiClient,
    private readonly kc: KubeConfig,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Answers an upgrade request for `.../vnc`; resolves with 101 once it is a websocket. A refusal
   * is thrown before anything is written, for the server to send as an HTTP response.
   */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, namespace: string, name: string): Promise<number> {
    const vmi = await this.admit(namespace, name, preserveSession(req));
    return new Promise<number>((resolve) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.attach(ws, vmi);
        resolve(101);
      });
      // handleUpgrade answers a malformed handshake itself (400) and never calls back.
      socket.once('close', () => resolve(400));
    });
  }

  /**
   * A plain GET without the upgrade headers (the console UI does one to learn why a connection
   * failed): the same checks, then the upgrader's own refusal.
   */
  async plain(req: IncomingMessage, namespace: string, name: string): Promise<never> {
    await this.admit(namespace, name, preserveSession(req), false);
    throw new PlainTextError(400, 'Bad Request\n');
  }

  closeAll(): void {
    for (const session of [...this.sessions.values()]) session.end('virt-api is stopping');
    this.wss.close();
  }

  private async admit(
    namespace: string,
    name: string,
    preserve: boolean,
    kick = true,
  ): Promise<VirtualMachineInstance> {
    const vmi = await this.client.getVMI(namespace, name).catch((err: unknown) => {
      throw new Error(`unable to retrieve vmi [${name}]: ${errorMessage(err)}`);
    });
    if (!vmi) throw notFound('virtualmachineinstance', name);
    if (vmi.spec.domain.devices?.autoattachGraphicsDevice === false) {
      throw badRequest('No graphics devices are present.');
    }
    if (vmi.status?.phase !== 'Running') throw badRequest('VMI is not running');
    const current = this.sessions.get(vmi.metadata.uid);
    if (current && preserve) throw new PlainTextError(503, VNC_IN_USE);
    if (current && kick) current.end('a new VNC connection replaced it');
    return vmi;
  }

  private attach(ws: WebSocket, vmi: VirtualMachineInstance): void {
    const { namespace, name, uid } = vmi.metadata;
    const label = `${namespace}/${name}`;
    // Nothing is read until the desktop behind it is known (an RFB client waits for the server's
    // greeting anyway).
    ws.pause();
    let stopWatching = () => {};
    let ended = false;
    const session: Session = {
      end: (reason) => {
        if (ended) return;
        ended = true;
        this.log(`virt-api: VNC ${label}: closed: ${reason}`);
        // Like virt-handler dropping the stream: no close frame, the connection just ends.
        ws.terminate();
      },
    };
    this.sessions.set(uid, session);
    ws.on('close', () => {
      if (!ended) this.log(`virt-api: VNC ${label}: closed by the client`);
      ended = true;
      stopWatching();
      if (this.sessions.get(uid) === session) this.sessions.delete(uid);
    });
    stopWatching = this.watchInstance(vmi, () => session.end('the VMI stopped'));
    void connectDesktop(vmi).then((server) => {
      if (ended) {
        server?.destroy();
        return;
      }
      if (server) {
        this.log(`virt-api: VNC ${label}: the desktop’s screen at ${server.remoteAddress}:${VNC_PORT}`);
        relay(ws, server, (why) => session.end(why));
      } else {
        this.synthetic(ws, label, session);
      }
    });
  }

  /** The picture of rfb.ts, for a desktop without a real screen. */
  private synthetic(ws: WebSocket, label: string, session: Session): void {
    const rfb = new RfbServer({ name: label, picture: desktopPicture(label, SCREEN.width, SCREEN.height) });
    ws.on('message', (data: RawData) => {
      const step = rfb.receive(toBuffer(data));
      if (step.send.length > 0) ws.send(Buffer.concat(step.send));
      if (step.close) session.end(`RFB: ${step.close}`);
    });
    ws.send(rfb.greeting());
    ws.resume();
  }

  /** Calls `gone` once the VMI is final, deleted or replaced. */
  private watchInstance(vmi: VirtualMachineInstance, gone: () => void): () => void {
    const { namespace, name, uid } = vmi.metadata;
    const path = `/apis/kubevirt.io/v1/namespaces/${namespace}/virtualmachineinstances`;
    let stopped = false;
    let abort: AbortController | undefined;
    const ended = (current: VirtualMachineInstance | undefined) =>
      !current || current.metadata.uid !== uid || isFinal(current);
    const watch = async (resourceVersion: string) => {
      if (stopped) return;
      abort = await new Watch(this.kc).watch(
        path,
        { fieldSelector: `metadata.name=${name}`, resourceVersion, allowWatchBookmarks: true },
        (type: string, obj: VirtualMachineInstance) => {
          if (type === 'BOOKMARK') return;
          if (type === 'DELETED' || ended(obj)) gone();
        },
        // The stream ended (a timeout, or an error): look again, then watch on.
        () => void recheck(),
      );
    };
    const recheck = async () => {
      if (stopped) return;
      try {
        const current = await this.client.getVMI(namespace, name);
        if (ended(current)) return gone();
        await watch(current?.metadata.resourceVersion ?? '');
      } catch (err) {
        this.log(`virt-api: VNC ${namespace}/${name}: watching the VMI failed: ${errorMessage(err)}`);
        setTimeout(() => void recheck(), 1000).unref();
      }
    };
    watch(vmi.metadata.resourceVersion).catch(() => void recheck());
    return () => {
      stopped = true;
      abort?.abort();
    };
  }
}

/** Go's strconv.ParseBool, as virt-api reads the query parameter (anything else is false). */
function preserveSession(req: IncomingMessage): boolean {
  const value = new URL(req.url ?? '/', 'https://virt-api').searchParams.get('preserveSession') ?? '';
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}

/**
 * The desktop's VNC server on its address, if one answers there: the simulator listens on it while
 * the VMI runs with a real screen. Anything else (refused, an address the simulator did not give)
 * means the synthetic picture.
 */
function connectDesktop(vmi: VirtualMachineInstance): Promise<Socket | undefined> {
  const ip = vmi.status?.interfaces?.[0]?.ipAddress;
  if (!isDesktopAddress(ip)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port: VNC_PORT });
    const timer = setTimeout(() => fail(), CONNECT_TIMEOUT_MS);
    const fail = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(undefined);
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}
