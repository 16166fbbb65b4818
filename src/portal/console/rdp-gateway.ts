// The portal as an RDCleanPath gateway: IronRDP's web client in the person's browser reaches the
// RDP server of their desktop through the portal — no other component to run, no RDP port outside
// the cluster. Two steps:
//
// 1. POST /api/rdp/:namespace/:desktop/ticket — from the portal's own page (the CSRF rule applies),
//    as the person: the API server is asked whether they may open this desktop's console
//    (SelfSubjectAccessReview), the desktop's RDP endpoint is found (rdp-endpoint.ts), and a
//    short-lived, single-use ticket bound to this sign-in is handed out (rdp-ticket.ts).
// 2. GET /api/rdp/:namespace/:desktop — the websocket: its Origin must be the portal's and it must
//    carry the same sign-in; its first message is the RDCleanPath request, whose proxy_auth is the
//    ticket. The API server is asked again (the grant may have gone since), the endpoint found
//    again (never taken from the request: its `destination` is only compared and logged), and the
//    gateway connects, does the TLS handshake (rdp-upstream.ts) and relays — changing, in the start
//    of the client's connection, what its pool's policy and the desktop's sign-in need
//    (rdp-client-start.ts: a blocked clipboard channel, autologon with the password typed, and
//    32-bit colour, which IronRDP draws right).
//
// While open, the connection lasts only as long as the grant (connection-guard.ts, as the VNC
// console), counts as activity on the claim, and is one of at most one per desktop on this replica:
// a second tab is refused (409) unless it asks to take over, which ends the first.
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { allowed } from '../access.js';
import type { ApiError } from '../api-types.js';
import { asUser, type PortalCluster } from '../cluster.js';
import type { Origins } from '../origin.js';
import type { AsPerson, Refuse } from '../person.js';
import type { SealKey } from '../signin/seal.js';
import type { Session } from '../signin/session.js';
import type { SessionRenewal } from '../signin/session-renewal.js';
import { admitConsole } from './admit.js';
import { newConnectionId, openConsoleConnection } from './connection.js';
import { type GuardEnd, guardConnection } from './connection-guard.js';
import { openElsewhere, takeOverElsewhere } from './elsewhere.js';
import { endedByAdministrator } from './ended-by-administrator.js';
import type { ConsoleEnd, ConsoleMetrics, ConsoleResult } from './metrics.js';
import { isDesktopName } from './names.js';
import { CONSOLE_CLOSE } from './protocol.js';
import {
  decodeRequest,
  encodeFailure,
  encodeResponse,
  GENERAL_ERROR,
  type RdCleanPathFailure,
  type RdCleanPathRequest,
} from './rdcleanpath.js';
import { firstPdu } from './rdcleanpath-request.js';
import { clientStart } from './rdp-client-start.js';
import { DEFAULT_RDP_UPSTREAM, findRdpEndpoint, type RdpUnreachable, splitAddress } from './rdp-endpoint.js';
import { rdpAddress } from './rdp-file.js';
import { blockedChannels } from './rdp-policy.js';
import { ENDED_BY_ADMINISTRATOR, GATEWAY_STATUS, type RdpTicket, RdpTicketRequest } from './rdp-protocol.js';
import { relayRdp } from './rdp-relay.js';
import { rdpTickets } from './rdp-ticket.js';
import { openRdpUpstream } from './rdp-upstream.js';
import type { Websockets } from './websockets.js';
import { withoutRoutingCookie } from './x224.js';

export interface RdpGatewayOptions {
  cluster: PortalCluster;
  origins: Origins;
  renewal: SessionRenewal;
  asPerson: AsPerson;
  refuse: Refuse;
  key: SealKey;
  /** Where the gateway connects for a desktop (rdp-endpoint.ts); default DEFAULT_RDP_UPSTREAM. */
  rdpUpstream?: string;
  /** PEM of the CA that issues desktops' RDP certificates; without it any certificate is taken. */
  rdpCa?: string;
  /** How often an open connection refreshes its record and activity on its claim (default a minute). */
  recordRefreshMs?: number;
  /** How often an open connection's grant is asked again without the desktop changing (default 30 s). */
  recheckMs?: number;
}

/** A desktop's place in `open`: ends the connection holding it (or, connecting, supersedes it). */
interface Slot {
  superseded: boolean;
  end(code: number, reason: string): void;
}

/** RDP from the browser: input, clipboard and file chunks, well under this. */
const MAX_BROWSER_FRAME = 4 * 1024 * 1024;

const ACCESS = (namespace: string, name: string) => ({
  group: 'subresources.kubevirt.io',
  resource: 'virtualmachineinstances',
  subresource: 'vnc',
  verb: 'get',
  namespace,
  name,
});

const TICKET_REFUSAL: Record<RdpUnreachable, { status: number } & ApiError> = {
  forbidden: { status: 403, error: 'you may not open this desktop', kind: 'forbidden' },
  'not-found': { status: 404, error: 'this desktop was not found, or it is not yours', kind: 'not-found' },
  'not-rdp': { status: 404, error: 'this desktop’s pool does not offer remote desktop (RDP)', kind: 'not-found' },
  'not-running': { status: 409, error: 'this desktop is not running', kind: 'conflict' },
  'signed-out': { status: 401, error: 'signin-required', kind: 'unauthenticated' },
  unavailable: { status: 503, error: 'the cluster could not be asked: try again', kind: 'unavailable' },
};

const STATUS_OF: Record<RdpUnreachable, number> = {
  forbidden: GATEWAY_STATUS.forbidden,
  'not-found': GATEWAY_STATUS.unreachable,
  'not-rdp': GATEWAY_STATUS.unreachable,
  'not-running': GATEWAY_STATUS.unreachable,
  'signed-out': GATEWAY_STATUS.signedOut,
  unavailable: GATEWAY_STATUS.unavailable,
};

const RESULT_OF: Record<RdpUnreachable, ConsoleResult> = {
  forbidden: 'forbidden',
  'not-found': 'not-found',
  'not-rdp': 'not-found',
  'not-running': 'not-found',
  'signed-out': 'sign-in-required',
  unavailable: 'unavailable',
};

export function rdpGateway(
  app: FastifyInstance,
  sockets: Websockets,
  metrics: ConsoleMetrics,
  options: RdpGatewayOptions,
): void {
  const { cluster, origins, renewal, asPerson, refuse } = options;
  const template = options.rdpUpstream ?? DEFAULT_RDP_UPSTREAM;
  // A template that cannot make an address fails at start, not at a person's connection.
  splitAddress(rdpAddress(template, { namespace: 'ns', desktop: 'd', service: 'rdp-d', ip: '10.0.0.1' }));
  if (options.rdpCa === undefined)
    app.log.warn(
      "no --rdp-ca-file: the RDP gateway takes any certificate from desktops (it cannot tell a desktop from an impostor on the cluster's network)",
    );
  const tickets = rdpTickets(options.key);
  const connections = sockets.kind(MAX_BROWSER_FRAME);
  /**
   * Connections on this replica, by desktop: one each. A slot is taken before the gateway connects
   * to the desktop, so two tabs opening at once cannot both get through; taking over ends the slot's
   * holder (or, while it is still connecting, makes it give up).
   */
  const open = new Map<string, Slot>();
  /** The ids of the connections this replica carries (their records are on claims, for the others). */
  const carried = new Set<string>();

  app.post(
    '/api/rdp/:namespace/:desktop/ticket',
    asPerson(async (kc, request, reply, session) => {
      const { namespace, desktop } = request.params as { namespace: string; desktop: string };
      if (!isDesktopName(namespace) || !isDesktopName(desktop))
        return refuse(reply, 400, { error: 'not a desktop name', kind: 'invalid' });
      const asked = RdpTicketRequest.safeParse(request.body ?? {});
      if (!asked.success) return refuse(reply, 400, { error: 'not a ticket request', kind: 'invalid' });
      if (!(await allowed(kc, ACCESS(namespace, desktop)))) return refuse(reply, 403, TICKET_REFUSAL.forbidden);
      const endedBy = asked.data.after
        ? await endedByAdministrator(kc, namespace, desktop, asked.data.after)
        : undefined;
      if (endedBy)
        return refuse(reply, ENDED_BY_ADMINISTRATOR, {
          error: `an administrator (${endedBy}) ended your connection`,
          kind: 'conflict',
        });
      const endpoint = await findRdpEndpoint(kc, namespace, desktop, template);
      if (!endpoint.ok) {
        const { status, ...body } = TICKET_REFUSAL[endpoint.why];
        return refuse(reply, status, body);
      }
      const connection = newConnectionId();
      const { ticket, expiresAt } = tickets.issue(namespace, desktop, session, connection);
      const answer: RdpTicket = {
        ticket,
        expiresAt,
        connection,
        destination: `${desktop}.${namespace}:3389`,
        policy: endpoint.policy,
      };
      return reply.header('cache-control', 'no-store').send(answer);
    }),
  );

  app.get('/api/rdp/:namespace/:desktop', async (request, reply) => {
    const admitted = await admitConsole(request, reply, connections, 'rdp', { origins, renewal, metrics });
    if (!admitted) return;
    const { namespace, desktop, session, takeOver } = admitted;
    connections.accept(request, reply, (browser) => {
      void connect(request, browser, namespace, desktop, session, takeOver);
    });
  });

  async function connect(
    request: FastifyRequest,
    browser: WebSocket,
    namespace: string,
    desktop: string,
    session: Session,
    takeOver: boolean,
  ): Promise<void> {
    const label = `${namespace}/${desktop}`;
    const refuseWith = (result: ConsoleResult, failure: RdCleanPathFailure, detail: string) => {
      metrics.attempt('rdp', result);
      request.log.info({ desktop: label, result, detail }, 'RDP connection refused');
      if (browser.readyState === browser.OPEN) {
        browser.send(encodeFailure(failure));
        browser.close(1000);
        setTimeout(() => browser.terminate(), 5000).unref();
      }
    };
    const refusal = (status: number) => ({ code: GENERAL_ERROR, httpStatus: status }) as const;

    let pdu: RdCleanPathRequest;
    try {
      pdu = decodeRequest(await firstPdu(browser));
    } catch (err) {
      return refuseWith(
        'refused',
        { code: GENERAL_ERROR, httpStatus: 400 },
        err instanceof Error ? err.message : String(err),
      );
    }
    const redeemed = tickets.redeem(pdu.proxyAuth, namespace, desktop, session);
    if (!redeemed.ok) return refuseWith('forbidden', refusal(GATEWAY_STATUS.ticket), `ticket: ${redeemed.why}`);

    const kc = asUser(cluster, session.token);
    const may = await allowed(kc, ACCESS(namespace, desktop)).catch(() => undefined);
    if (may === undefined)
      return refuseWith('unavailable', refusal(GATEWAY_STATUS.unavailable), 'access review failed');
    if (!may) return refuseWith('forbidden', refusal(GATEWAY_STATUS.forbidden), 'the API server said no');
    const endpoint = await findRdpEndpoint(kc, namespace, desktop, template);
    if (!endpoint.ok) return refuseWith(RESULT_OF[endpoint.why], refusal(STATUS_OF[endpoint.why]), endpoint.why);

    const existing = open.get(label);
    const elsewhere = await openElsewhere(kc, namespace, desktop, 'rdp', carried);
    if ((existing || elsewhere) && !takeOver)
      return refuseWith(
        'in-use',
        refusal(GATEWAY_STATUS.inUse),
        existing ? 'open elsewhere' : 'open on another replica',
      );
    existing?.end(4409, 'taken over elsewhere');
    if (elsewhere) await takeOverElsewhere(kc, namespace, elsewhere);
    const slot: Slot = {
      superseded: false,
      end: () => {
        slot.superseded = true;
      },
    };
    open.set(label, slot);
    const release = () => {
      if (open.get(label) === slot) open.delete(label);
    };

    const upstream = await openRdpUpstream({
      host: endpoint.host,
      port: endpoint.port,
      x224ConnectionRequest: withoutRoutingCookie(pdu.x224ConnectionRequest),
      ...(pdu.preconnectionBlob === undefined ? {} : { preconnectionBlob: pdu.preconnectionBlob }),
      ...(options.rdpCa === undefined ? {} : { ca: options.rdpCa }),
    });
    if (!upstream.ok) {
      release();
      return refuseWith('unavailable', upstream.failure, upstream.detail);
    }
    if (slot.superseded || browser.readyState !== browser.OPEN) {
      upstream.tls.destroy();
      release();
      if (slot.superseded) refuseWith('in-use', refusal(GATEWAY_STATUS.inUse), 'taken over while connecting');
      return;
    }
    browser.send(
      encodeResponse({
        x224ConnectionConfirm: upstream.x224ConnectionConfirm,
        serverCertificateChain: upstream.certificateChain,
        serverAddress: upstream.address,
      }),
    );
    carry(request, browser, upstream.tls, slot, {
      id: redeemed.connection,
      namespace,
      desktop,
      label,
      kc,
      takeOver,
      destination: pdu.destination,
      blockedChannels: blockedChannels(endpoint.policy),
    });
  }

  function carry(
    request: FastifyRequest,
    browser: WebSocket,
    tls: TLSSocket,
    slot: Slot,
    c: {
      /** The connection's id, as its ticket named it. */
      id: string;
      namespace: string;
      desktop: string;
      label: string;
      kc: ReturnType<typeof asUser>;
      takeOver: boolean;
      destination: string;
      blockedChannels: string[];
    },
  ): void {
    metrics.attempt('rdp', 'opened');
    metrics.started('rdp');
    request.log.info({ desktop: c.label, takeOver: c.takeOver, asked: c.destination }, 'RDP connection opened');
    let endedBy: ConsoleEnd | undefined;
    let stopGuard = () => {};
    const close = (why: ConsoleEnd, how: { code: number; reason: string }) => {
      endedBy = why;
      relay.close(how.code, how.reason);
    };
    const connection = openConsoleConnection(
      c.kc,
      request.log,
      {
        id: c.id,
        protocol: 'rdp',
        namespace: c.namespace,
        desktop: c.desktop,
        client: request.ip,
        takeOver: c.takeOver,
      },
      {
        onEndRequested: () => close('administrator', CONSOLE_CLOSE.administrator),
        onTakenOver: () => close('taken-over', { code: 4409, reason: 'taken over elsewhere' }),
        ...(options.recordRefreshMs === undefined ? {} : { refreshMs: options.recordRefreshMs }),
      },
    );
    carried.add(connection.id);
    slot.end = (code, reason) => close('taken-over', { code, reason });
    const start = clientStart({ blockedChannels: c.blockedChannels, autologon: true, trueColour: true });
    let logged = 0;
    const relay = relayRdp(browser, tls, {
      toDesktop: (chunk) => {
        const out = start.push(chunk);
        if (start.changed.length > logged) {
          request.log.info({ desktop: c.label, changed: start.changed.slice(logged) }, 'RDP connection start changed');
          logged = start.changed.length;
        }
        return out;
      },
      refused: (err) =>
        request.log.warn(
          { desktop: c.label, cause: err instanceof Error ? err.message : String(err) },
          'RDP connection ended: its start could not be checked against the pool’s policy',
        ),
      carried: (d, b) => {
        connection.carried(d, b);
        metrics.carried('rdp', d, b);
      },
      onEnd: (by) => {
        stopGuard();
        carried.delete(connection.id);
        if (open.get(c.label) === slot) open.delete(c.label);
        const end: ConsoleEnd =
          endedBy ?? (by === 'upstream' ? 'desktop' : sockets.stopping() ? 'portal-stopping' : 'browser');
        metrics.ended('rdp', end);
        connection.ended(end);
      },
    });
    stopGuard = guardConnection({
      kc: c.kc,
      watch: { path: `/apis/kubevirt.io/v1/namespaces/${c.namespace}/virtualmachines`, name: c.desktop },
      access: ACCESS(c.namespace, c.desktop),
      ...(options.recheckMs === undefined ? {} : { recheckMs: options.recheckMs }),
      onEnd: (why: GuardEnd) =>
        why === 'revoked' ? close('revoked', CONSOLE_CLOSE.revoked) : close('signed-out', CONSOLE_CLOSE.signInRequired),
      onTrouble: (err) =>
        request.log.debug(
          { desktop: c.label, cause: err instanceof Error ? err.message : String(err) },
          'could not ask whether the RDP connection may stay open',
        ),
    });
  }
}
