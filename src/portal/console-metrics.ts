// Console sessions in the portal's metrics: how many are open now, and how each attempt ended up.
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

export class ConsoleMetrics {
  private readonly open: Gauge;
  private readonly opened: Counter<'result'>;

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
  }

  attempt(result: ConsoleResult): void {
    this.opened.inc({ result });
  }

  started(): void {
    this.open.inc();
  }

  ended(): void {
    this.open.dec();
  }
}
