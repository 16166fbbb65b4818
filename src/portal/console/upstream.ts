// The API server's end of a console: KubeVirt's `vnc` subresource, opened as the signed-in person
// (their bearer token, the cluster's CA), so RBAC decides — the per-desktop grant written at claim
// time lets it through, and it is gone once the desktop is given back. Raw RFB in binary frames,
// subprotocol plain.kubevirt.io (client-go's PlainStreamProtocolName).
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { asUser, type PortalCluster } from '../cluster.js';
import { CONSOLE_CLOSE, type ConsoleClose } from './protocol.js';

export const PLAIN_STREAM_PROTOCOL = 'plain.kubevirt.io';
/** virt-handler's answer to `preserveSession=true` while another console is open. */
const VNC_IN_USE = 'Active VNC connection';
/** Refusal bodies are short texts or Status objects; more is not read. */
const MAX_REFUSAL_BYTES = 4096;
const CONNECT_TIMEOUT_MS = 15_000;

export type UpstreamResult =
  /** `early`: frames that arrived before anyone listened (the RFB greeting can come with the 101). */
  | { ok: true; socket: WebSocket; early: Buffer[] }
  /** `status` 0: the API server was not reached or did not answer. */
  | { ok: false; close: ConsoleClose; status: number; detail: string };

export interface UpstreamTarget {
  namespace: string;
  desktop: string;
  /** false kicks a console open elsewhere; true is refused while one is open. */
  preserveSession: boolean;
}

export function vncPath({ namespace, desktop, preserveSession }: UpstreamTarget): string {
  const ns = encodeURIComponent(namespace);
  const name = encodeURIComponent(desktop);
  return `/apis/subresources.kubevirt.io/v1/namespaces/${ns}/virtualmachineinstances/${name}/vnc?preserveSession=${preserveSession}`;
}

export async function openUpstream(
  cluster: PortalCluster,
  token: string,
  target: UpstreamTarget,
): Promise<UpstreamResult> {
  const kc = asUser(cluster, token);
  const options: WebSocket.ClientOptions = { perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS };
  await kc.applyToHTTPSOptions(options);
  const url = `${cluster.cluster.server.replace(/^http/, 'ws')}${vncPath(target)}`;
  const socket = new WebSocket(url, [PLAIN_STREAM_PROTOCOL], options);
  return new Promise<UpstreamResult>((resolve) => {
    socket.once('open', () => {
      socket.removeAllListeners('error');
      socket.removeAllListeners('unexpected-response');
      const early: Buffer[] = [];
      socket.on('message', (data: WebSocket.RawData) => early.push(toBuffer(data)));
      // Held until the browser's side is attached; a close meanwhile is seen by the pipe.
      socket.pause();
      socket.on('error', () => {});
      resolve({ ok: true, socket, early });
    });
    // Errors name the URL and the status, never the Authorization header.
    socket.once('error', (err) => resolve({ ok: false, close: 'unavailable', status: 0, detail: err.message }));
    socket.once('unexpected-response', (_request, response: IncomingMessage) => {
      readBody(response).then((body) => {
        socket.terminate();
        resolve({
          ok: false,
          close: refusalOf(response.statusCode ?? 0, body),
          status: response.statusCode ?? 0,
          detail: body,
        });
      });
    });
  });
}

/** Which plain words the API server's (or KubeVirt's) refusal becomes. */
export function refusalOf(status: number, body: string): ConsoleClose {
  if (status === 401) return 'signInRequired';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'notFound';
  if (status === 503 && body.includes(VNC_IN_USE)) return 'inUse';
  if (status >= 400 && status < 500) return 'refused';
  return 'unavailable';
}

/** KubeVirt's own reason, for refusals whose plain words are too general (not running...). */
export function refusalReason(close: ConsoleClose, body: string): string {
  if (close !== 'refused') return CONSOLE_CLOSE[close].reason;
  const text = statusMessage(body).trim();
  // A close reason is at most 123 bytes.
  const reason = text ? `the console cannot be opened: ${text}` : CONSOLE_CLOSE.refused.reason;
  return Buffer.byteLength(reason) <= 123 ? reason : CONSOLE_CLOSE.refused.reason;
}

/** The message of a Kubernetes Status object, or the text itself. */
function statusMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: KubeVirt answers in plain text
  }
  return body;
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      if (size < MAX_REFUSAL_BYTES) chunks.push(chunk);
      size += chunk.length;
    });
    response.once('end', () => resolve(Buffer.concat(chunks).toString('utf8').slice(0, MAX_REFUSAL_BYTES)));
    response.once('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
