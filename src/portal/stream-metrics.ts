// Live-update streams in the portal's metrics: how many are open, how many the caps closed, and
// how many watches they hold open on the API server (the cost each stream puts on it and on the
// portal's open files) — and how many watches were given up on objects never seen.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { WatchCount } from './claim-watch.js';

/** Which cap closed a stream: the person's, or the whole portal's. */
export type StreamCap = 'person' | 'portal';

export class StreamMetrics {
  private readonly open: Gauge;
  private readonly capped: Counter<'cap'>;
  private readonly openWatches: Gauge;
  private readonly givenUp: Counter;

  constructor(registry: Registry) {
    this.open = new Gauge({
      name: 'kubevdi_portal_event_streams',
      help: "Live-update streams open now (GET /api/events, and the Admin Portal's /api/admin/events and /api/admin/changes).",
      registers: [registry],
    });
    this.capped = new Counter({
      name: 'kubevdi_portal_event_streams_capped_total',
      help: 'Live-update streams closed to make room for a newer one, by cap (person: too many of one person; portal: too many in all).',
      labelNames: ['cap'] as const,
      registers: [registry],
    });
    this.openWatches = new Gauge({
      name: 'kubevdi_portal_event_stream_watches',
      help: 'Watches on the API server that live-update streams hold open now (one per claim and per desktop followed).',
      registers: [registry],
    });
    this.givenUp = new Counter({
      name: 'kubevdi_portal_event_stream_watches_given_up_total',
      help: 'Watches of live-update streams given up on an object the person could not see in time (not theirs, or refused).',
      registers: [registry],
    });
  }

  opened(): void {
    this.open.inc();
  }

  closed(): void {
    this.open.dec();
  }

  closedByCap(cap: StreamCap): void {
    this.capped.inc({ cap });
  }

  /** Counts the follows of the streams. */
  readonly watches: WatchCount = {
    opened: () => this.openWatches.inc(),
    closed: () => this.openWatches.dec(),
    gaveUp: () => this.givenUp.inc(),
  };
}
