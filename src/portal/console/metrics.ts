// Console sessions in the portal's metrics: how many are open now, how each attempt ended up, and
// what ended the ones that opened.
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
 * stopped), the grant gone (the portal ended it), the person's token refused, the portal stopping.
 */
export type ConsoleEnd = 'browser' | 'desktop' | 'revoked' | 'signed-out' | 'portal-stopping';

export class ConsoleMetrics {
  private readonly open: Gauge;
  private readonly opened: Counter<'result'>;
  private readonly endings: Counter<'by'>;

  constructor(registry: Registry) {
    this.open = new Gauge({
      name: 'kubevdi_portal_console_sessions',
      help: 'Console sessions open now (browser ↔ portal ↔ KubeVirt VNC).',
      registers: [registry],
    });
    this.opened = new Counter({
      name: 'kubevdi_portal_console_sessions_opened_total',
      help: 'Console connection attempts by result (opened, foreign-origin, signed-out, sign-in-required, forbidden, not-found, in-use, refused, unavailable).',
      labelNames: ['result'] as const,
      registers: [registry],
    });
    this.endings = new Counter({
      name: 'kubevdi_portal_console_sessions_ended_total',
      help: 'Open console sessions that ended, by what ended them (browser, desktop, revoked: the grant went, signed-out: the token was refused, portal-stopping).',
      labelNames: ['by'] as const,
      registers: [registry],
    });
  }

  attempt(result: ConsoleResult): void {
    this.opened.inc({ result });
  }

  started(): void {
    this.open.inc();
  }

  ended(by: ConsoleEnd): void {
    this.open.dec();
    this.endings.inc({ by });
  }
}
