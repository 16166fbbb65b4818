// Console sessions in the portal's metrics, by protocol (the VNC console, RDP through the gateway):
// how many are open now, how each attempt ended up, what ended the ones that opened, and the bytes
// they carried each way.
import { Counter, Gauge, type Registry } from 'prom-client';

export type ConsoleResult =
  | 'opened'
  | 'foreign-origin'
  | 'signed-out'
  | 'sign-in-required'
  | 'forbidden'
  | 'not-found'
  | 'in-use'
  | 'refused'
  | 'unavailable';

/**
 * What ended an open console: the browser, the desktop's side (KubeVirt dropped it: taken over,
 * stopped), another tab or device taking it over (RDP: the portal ends the older one), the grant
 * gone (the portal ended it), the person's token refused, the portal stopping, an administrator
 * asking for the end through the Admin Portal.
 */
export type ConsoleEnd =
  | 'browser'
  | 'desktop'
  | 'taken-over'
  | 'revoked'
  | 'signed-out'
  | 'portal-stopping'
  | 'administrator';

export type ConsoleProtocol = 'vnc' | 'rdp';

export class ConsoleMetrics {
  private readonly open: Gauge<'protocol'>;
  private readonly opened: Counter<'protocol' | 'result'>;
  private readonly endings: Counter<'protocol' | 'by'>;
  private readonly bytes: Counter<'protocol' | 'direction'>;

  constructor(registry: Registry) {
    this.open = new Gauge({
      name: 'kubevdi_portal_console_sessions',
      help: 'Console sessions open now, by protocol (vnc: browser ↔ portal ↔ KubeVirt; rdp: browser ↔ portal ↔ the desktop).',
      labelNames: ['protocol'] as const,
      registers: [registry],
    });
    this.opened = new Counter({
      name: 'kubevdi_portal_console_sessions_opened_total',
      help: 'Console connection attempts by result (opened, foreign-origin, signed-out, sign-in-required, forbidden, not-found, in-use, refused, unavailable).',
      labelNames: ['protocol', 'result'] as const,
      registers: [registry],
    });
    this.endings = new Counter({
      name: 'kubevdi_portal_console_sessions_ended_total',
      help: 'Open console sessions that ended, by what ended them (browser, desktop, revoked: the grant went, signed-out: the token was refused, portal-stopping, taken-over, administrator: ended through the Admin Portal).',
      labelNames: ['protocol', 'by'] as const,
      registers: [registry],
    });
    this.bytes = new Counter({
      name: 'kubevdi_portal_console_bytes_total',
      help: 'Bytes carried by console sessions, by protocol and direction (to-desktop: from the browser; to-browser: from the desktop).',
      labelNames: ['protocol', 'direction'] as const,
      registers: [registry],
    });
    // Known at zero from the start, so a dashboard sees the series before the first session.
    for (const protocol of ['vnc', 'rdp'] as const) this.open.set({ protocol }, 0);
  }

  attempt(protocol: ConsoleProtocol, result: ConsoleResult): void {
    this.opened.inc({ protocol, result });
  }

  started(protocol: ConsoleProtocol): void {
    this.open.inc({ protocol });
  }

  ended(protocol: ConsoleProtocol, by: ConsoleEnd): void {
    this.open.dec({ protocol });
    this.endings.inc({ protocol, by });
  }

  carried(protocol: ConsoleProtocol, toDesktop: number, toBrowser: number): void {
    this.bytes.inc({ protocol, direction: 'to-desktop' }, toDesktop);
    this.bytes.inc({ protocol, direction: 'to-browser' }, toBrowser);
  }
}
