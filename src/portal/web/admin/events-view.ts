// Events: the live stream of the namespaces the person may watch, filterable by namespace and by a
// pool, desktop or user named in the object or the message.
import { type AdminEvent, AdminEventMessage } from '../../admin/types.js';
import { h } from '../dom.js';
import { when } from '../words.js';
import type { AdminContext, View } from './context.js';
import { table } from './table.js';

const SHOWN = 200;

/** The checked recorder of kubevdi's own Events; anything else is said not to be kubevdi's record. */
function recordedByCell(e: AdminEvent): Node | string {
  if (e.recordedBy) return e.recordedBy;
  return h(
    'span',
    { class: 'hint', title: "Not checked by kubevdi: the API server's audit log says who wrote it" },
    `${e.source || 'unknown'} (not kubevdi's record)`,
  );
}

export function eventsView(context: AdminContext): View & { close(): void } {
  const events = new Map<string, AdminEvent>();
  let source: EventSource | undefined;
  let draw = () => {};
  return {
    title: 'Events',
    close() {
      source?.close();
    },
    async render(root) {
      const namespaces = context.access.namespaces.filter((n) => n.events.list).map((n) => n.namespace);
      const namespace = h(
        'select',
        { id: 'events-namespace' },
        h('option', { value: '' }, 'All namespaces'),
        ...namespaces.map((n) => h('option', { value: n }, n)),
      );
      const text = h('input', { id: 'events-filter', type: 'search', autocomplete: 'off' });
      const list = h('div', {});
      draw = () => {
        const ns = namespace.value;
        const q = text.value.trim().toLowerCase();
        const shown = [...events.values()]
          .filter((e) => !ns || e.namespace === ns)
          .filter((e) => !q || `${e.object} ${e.message} ${e.reason}`.toLowerCase().includes(q))
          .sort((a, b) => (b.time ?? '').localeCompare(a.time ?? ''))
          .slice(0, SHOWN);
        const now = new Date();
        list.replaceChildren(
          table(
            'Events',
            [
              { header: 'When', cell: (e) => (e.time ? when(e.time, now) : '—'), nowrap: true },
              { header: 'Type', cell: (e) => h('span', { class: 'state', 'data-state': e.type }, e.type) },
              { header: 'Object', cell: (e) => `${e.kind} ${e.namespace}/${e.object}` },
              { header: 'Reason', cell: (e) => e.reason },
              { header: 'Message', cell: (e) => e.message },
              { header: 'Recorded by', cell: recordedByCell },
            ],
            shown,
            events.size ? 'No event matches.' : 'No events yet.',
          ),
        );
      };
      namespace.addEventListener('change', () => draw());
      text.addEventListener('input', () => draw());
      root.replaceChildren(
        h('h1', { tabindex: '-1' }, 'Events'),
        h(
          'div',
          { class: 'filters' },
          h('label', { for: 'events-namespace' }, 'Namespace'),
          namespace,
          h('label', { for: 'events-filter' }, 'Pool, desktop or user'),
          text,
        ),
        list,
      );
      draw();
      source?.close();
      source = new EventSource('/api/admin/events');
      source.onmessage = (message) => {
        const parsed = AdminEventMessage.safeParse(JSON.parse(message.data as string));
        if (!parsed.success) return;
        const add = (e: AdminEvent) => events.set(`${e.namespace}/${e.name}`, e);
        if (parsed.data.type === 'events') parsed.data.events.forEach(add);
        else add(parsed.data.event);
        draw();
      };
    },
  };
}
