// The console's websocket: the browser (noVNC) speaks RFB to the portal, which speaks it on to
// KubeVirt's `vnc` subresource as the signed-in person — the browser never holds a token.
//
// The route upgrades the connection itself (websockets.ts) once it has decided: first what every
// console shows (admit.ts: its own origin, a sign-in), then the API server's answer, which comes
// after the upgrade — a browser cannot read the status of a refused upgrade, so those refusals
// reach the page as close codes (protocol.ts).
// Once open, a console lasts only as long as the person may open it: a connection guard asks the
// API server again while it is open (connection-guard.ts) and ends it, in words, when the grant goes.
import type { FastifyInstance } from 'fastify';
import { asUser, type PortalCluster } from '../cluster.js';
import type { Origins } from '../origin.js';
import type { SessionRenewal } from '../signin/session-renewal.js';
import { admitConsole } from './admit.js';
import { openConsoleConnection } from './connection.js';
import { type GuardEnd, guardConnection } from './connection-guard.js';
import type { ConsoleEnd, ConsoleMetrics, ConsoleResult } from './metrics.js';
import { type PipeEnd, pipeConsole } from './pipe.js';
import { CONSOLE_CLOSE, type ConsoleClose } from './protocol.js';
import { openUpstream, refusalReason } from './upstream.js';
import type { Websockets } from './websockets.js';

export interface ConsoleProxyOptions {
  cluster: PortalCluster;
  origins: Origins;
  renewal: SessionRenewal;
  /** How often an open console refreshes its record and activity on its claim (default a minute). */
  recordRefreshMs?: number;
  /** How often an open console's grant is asked again without the desktop changing (default 30 s). */
  recheckMs?: number;
}

/** RFB from the browser is keys, pointer moves and clipboard text: small frames. */
const MAX_BROWSER_FRAME = 1024 * 1024;

const RESULT_OF: Record<ConsoleClose, ConsoleResult> = {
  signInRequired: 'sign-in-required',
  forbidden: 'forbidden',
  notFound: 'not-found',
  inUse: 'in-use',
  refused: 'refused',
  unavailable: 'unavailable',
  revoked: 'forbidden',
  ended: 'unavailable',
  // Never a refusal of opening (an administrator ends open connections); here for completeness.
  administrator: 'refused',
};

/** How the guard's reasons reach the page. */
const CLOSE_OF: Record<GuardEnd, ConsoleClose> = { revoked: 'revoked', 'signed-out': 'signInRequired' };

export function consoleProxy(
  app: FastifyInstance,
  sockets: Websockets,
  metrics: ConsoleMetrics,
  options: ConsoleProxyOptions,
): void {
  const { cluster, origins, renewal } = options;
  const consoles = sockets.kind(MAX_BROWSER_FRAME);

  app.get('/api/console/:namespace/:desktop', async (request, reply) => {
    const admitted = await admitConsole(request, reply, consoles, 'vnc', { origins, renewal, metrics });
    if (!admitted) return;
    const { namespace, desktop, session, takeOver } = admitted;
    const label = `${namespace}/${desktop}`;
    const upstream = await openUpstream(cluster, session.token, {
      namespace,
      desktop,
      preserveSession: !takeOver,
    });
    const abandon = () => {
      if (upstream.ok) upstream.socket.terminate();
    };
    consoles.accept(
      request,
      reply,
      (browser) => {
        if (!upstream.ok) {
          metrics.attempt('vnc', RESULT_OF[upstream.close]);
          const log = upstream.close === 'unavailable' ? request.log.warn : request.log.info;
          log.call(
            request.log,
            { console: label, status: upstream.status, detail: upstream.detail.slice(0, 200) },
            'console refused',
          );
          browser.close(CONSOLE_CLOSE[upstream.close].code, refusalReason(upstream.close, upstream.detail));
          return;
        }
        metrics.attempt('vnc', 'opened');
        metrics.started('vnc');
        request.log.info({ console: label, takeOver }, 'console opened');
        const kc = asUser(cluster, session.token);
        let revokedBy: GuardEnd | 'administrator' | undefined;
        let closed = false;
        let stopGuard = () => {};
        const connection = openConsoleConnection(
          kc,
          request.log,
          { protocol: 'vnc', namespace, desktop, client: request.ip, takeOver },
          {
            onEndRequested: () => {
              revokedBy = 'administrator';
              pipe.close(CONSOLE_CLOSE.administrator.code, CONSOLE_CLOSE.administrator.reason);
            },
            ...(options.recordRefreshMs === undefined ? {} : { refreshMs: options.recordRefreshMs }),
          },
        );
        const endedBy = (by: PipeEnd): ConsoleEnd => {
          if (by === 'portal') return revokedBy ?? 'revoked';
          if (by === 'upstream') return 'desktop';
          return sockets.stopping() ? 'portal-stopping' : 'browser';
        };
        const pipe = pipeConsole(browser, upstream.socket, {
          early: upstream.early,
          carried: (toDesktop, toBrowser) => {
            metrics.carried('vnc', toDesktop, toBrowser);
            connection.carried(toDesktop, toBrowser);
          },
          onEnd: (by, code) => {
            closed = true;
            stopGuard();
            metrics.ended('vnc', endedBy(by));
            connection.ended(endedBy(by));
            request.log.info({ console: label, by: endedBy(by), code }, 'console closed');
          },
        });
        if (closed) return;
        stopGuard = guardConnection({
          kc,
          watch: { path: `/apis/kubevirt.io/v1/namespaces/${namespace}/virtualmachines`, name: desktop },
          // As KubeVirt's virt-api asks for the vnc subresource (GET → get).
          access: {
            group: 'subresources.kubevirt.io',
            resource: 'virtualmachineinstances',
            subresource: 'vnc',
            verb: 'get',
            namespace,
            name: desktop,
          },
          ...(options.recheckMs === undefined ? {} : { recheckMs: options.recheckMs }),
          onEnd: (why) => {
            revokedBy = why;
            const close = CONSOLE_CLOSE[CLOSE_OF[why]];
            pipe.close(close.code, close.reason);
          },
          onTrouble: (err) =>
            request.log.debug(
              { console: label, cause: err instanceof Error ? err.message : String(err) },
              'could not ask whether the console may stay open',
            ),
        });
      },
      abandon,
    );
  });
}
