// The HTTPS server: authenticates the front proxy (auth.ts), routes the few paths virt-api serves
// here, writes replies and errors, and logs one line per request.

import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import { authenticate, type Caller } from './auth.js';
import { apiGroupDocument, apiGroupList, apiResourceList, GROUP, VERSION } from './discovery.js';
import { errorResponse, notFoundPath, PlainTextError, unauthorized } from './errors.js';
import { HOTPLUG_ACTIONS, type HotplugAction, hotplug } from './hotplug.js';
import type { VirtApiClient } from './kube.js';
import { LIFECYCLE_ACTIONS, type LifecycleAction } from './lifecycle.js';
import { migrate } from './migrate.js';
import { guestAgent, lifecycle, type Reply } from './subresources.js';
import type { VncConsoles } from './vnc.js';

export interface VirtApiServerOptions {
  /** Serving certificate and key (PEM). */
  cert: string;
  key: string;
  /** The CA whose client certificates may assert users (the front proxy's). */
  frontProxyCa: string;
  allowedNames: readonly string[];
  client: VirtApiClient;
  consoles: VncConsoles;
  log: (line: string) => void;
  /** Called for every request that came through the front proxy. */
  onProxied?: () => void;
}

type Route =
  | { kind: 'discovery'; document: () => unknown }
  | { kind: 'health' }
  | { kind: 'lifecycle'; action: LifecycleAction; namespace: string; name: string }
  | { kind: 'migrate'; namespace: string; name: string }
  | { kind: 'hotplug'; action: HotplugAction; namespace: string; name: string }
  | { kind: 'guestAgent'; what: 'userlist' | 'guestosinfo'; namespace: string; name: string }
  | { kind: 'vnc'; namespace: string; name: string };

const MAX_BODY = 1 << 20;
const SUBRESOURCE_PATH = new RegExp(
  `^/apis/${GROUP.replace(/\./g, '\\.')}/${VERSION}/namespaces/([^/]+)/(virtualmachines|virtualmachineinstances)/([^/]+)/([^/]+)$`,
);

export function route(path: string): Route | undefined {
  switch (path.replace(/\/$/, '')) {
    case '/apis':
      return { kind: 'discovery', document: apiGroupList };
    case `/apis/${GROUP}`:
      return { kind: 'discovery', document: apiGroupDocument };
    case `/apis/${GROUP}/${VERSION}`:
      return { kind: 'discovery', document: apiResourceList };
    case '/healthz':
    case '/readyz':
    case '/livez':
      return { kind: 'health' };
  }
  const match = SUBRESOURCE_PATH.exec(path);
  if (!match) return undefined;
  const [namespace, resource, name, sub] = match.slice(1).map((s) => decodeURIComponent(s)) as [
    string,
    string,
    string,
    string,
  ];
  if (resource === 'virtualmachines' && (LIFECYCLE_ACTIONS as readonly string[]).includes(sub)) {
    return { kind: 'lifecycle', action: sub as LifecycleAction, namespace, name };
  }
  if (resource === 'virtualmachines' && sub === 'migrate') return { kind: 'migrate', namespace, name };
  if (resource === 'virtualmachines' && (HOTPLUG_ACTIONS as readonly string[]).includes(sub)) {
    return { kind: 'hotplug', action: sub as HotplugAction, namespace, name };
  }
  if (resource === 'virtualmachineinstances' && (sub === 'userlist' || sub === 'guestosinfo')) {
    return { kind: 'guestAgent', what: sub, namespace, name };
  }
  if (resource === 'virtualmachineinstances' && sub === 'vnc') return { kind: 'vnc', namespace, name };
  return undefined;
}

export function createVirtApiServer(options: VirtApiServerOptions): Server {
  const server = createServer({
    cert: options.cert,
    key: options.key,
    ca: options.frontProxyCa,
    // Ask for a client certificate but let the handshake succeed without one: the refusal is a 401.
    requestCert: true,
    rejectUnauthorized: false,
  });
  const logLine = (req: IncomingMessage, caller: Caller | undefined, status: number) =>
    options.log(`virt-api: ${req.method} ${req.url} user=${caller?.user ?? '-'} ${status}`);

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const caller = authenticate(req, options.allowedNames);
    res.once('finish', () => logLine(req, caller, res.statusCode));
    handle(req, res, caller, options).catch((err: unknown) => {
      if (!res.headersSent) send(res, errorResponse(err));
      else res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const caller = authenticate(req, options.allowedNames);
    upgrade(req, socket, head, caller, options).then(
      (status) => logLine(req, caller, status),
      (err: unknown) => {
        options.log(`virt-api: ${req.method} ${req.url}: ${err instanceof Error ? err.message : String(err)}`);
        socket.destroy();
      },
    );
  });
  return server;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  caller: Caller | undefined,
  options: VirtApiServerOptions,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'https://virt-api').pathname;
  const target = route(path);
  // As generic API servers do: health is open to anyone, everything else needs the front proxy.
  if (target?.kind === 'health') return reply(res, { status: 200 }, 'ok');
  if (!caller) throw unauthorized();
  options.onProxied?.();
  if (!target) throw notFoundPath();
  const method = target.kind === 'lifecycle' || target.kind === 'migrate' || target.kind === 'hotplug' ? 'PUT' : 'GET';
  // go-restful's answer for a path served under another method.
  if (req.method !== method) throw new PlainTextError(405, '405: Method Not Allowed');
  switch (target.kind) {
    case 'discovery':
      return reply(res, { status: 200, json: target.document() });
    case 'lifecycle': {
      const body = await readBody(req);
      return reply(res, await lifecycle(options.client, target.action, target.namespace, target.name, body));
    }
    case 'migrate':
      return reply(res, await migrate(options.client, target.namespace, target.name, await readBody(req)));
    case 'hotplug': {
      const body = await readBody(req);
      return reply(res, await hotplug(options.client, target.action, target.namespace, target.name, body));
    }
    case 'guestAgent':
      return reply(res, await guestAgent(options.client, target.what, target.namespace, target.name));
    case 'vnc':
      return options.consoles.plain(req, target.namespace, target.name);
  }
}

async function upgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  caller: Caller | undefined,
  options: VirtApiServerOptions,
): Promise<number> {
  const path = new URL(req.url ?? '/', 'https://virt-api').pathname;
  const target = route(path);
  const refuse = (err: unknown) => {
    const { code, contentType, body } = errorResponse(err);
    socket.end(
      `HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
    return code;
  };
  if (!caller) return refuse(unauthorized());
  options.onProxied?.();
  if (target?.kind !== 'vnc') return refuse(notFoundPath());
  try {
    return await options.consoles.upgrade(req, socket, head, target.namespace, target.name);
  } catch (err) {
    return refuse(err);
  }
}

function reply(res: ServerResponse, answer: Reply, text?: string): void {
  if (answer.json !== undefined) {
    send(res, { code: answer.status, contentType: 'application/json', body: JSON.stringify(answer.json) });
  } else if (text !== undefined) {
    send(res, { code: answer.status, contentType: 'text/plain; charset=utf-8', body: text });
  } else {
    res.writeHead(answer.status);
    res.end();
  }
}

function send(res: ServerResponse, answer: { code: number; contentType: string; body: string }): void {
  res.writeHead(answer.code, { 'Content-Type': answer.contentType, 'Content-Length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new PlainTextError(413, 'request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}
