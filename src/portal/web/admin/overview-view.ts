// Overview: every pool the person may see, with its numbers, and what needs attention first.
import { type AdminPool, type Attention, Overview } from '../../admin/types.js';
import { api } from '../api.js';
import { h } from '../dom.js';
import type { AdminContext, View } from './context.js';
import { newPoolLink } from './pool-actions.js';
import { poolHash, templateHash } from './routes.js';
import { table } from './table.js';
import { lastDayCell } from './usage-text.js';

function poolState(pool: AdminPool): string {
  if (pool.paused) return 'Paused';
  const degraded = pool.conditions.find((c) => c.type === 'Degraded' && c.status === 'True');
  if (degraded) return 'Degraded';
  if (pool.updated < pool.size) return 'Updating';
  return pool.ready >= pool.prestarted ? 'Healthy' : 'Starting';
}

function attentionItem(item: Attention): HTMLLIElement {
  const target =
    item.kind === 'template'
      ? templateHash(item.namespace, item.name)
      : item.kind === 'pool'
        ? poolHash(item.namespace, item.name)
        : undefined;
  return h(
    'li',
    { class: `attention ${item.severity}` },
    h('span', { class: 'severity' }, item.severity === 'critical' ? 'Critical' : 'Warning'),
    ' ',
    target ? h('a', { href: target }, item.summary) : item.summary,
    h('span', { class: 'where' }, ` in ${item.namespace}`),
    item.detail ? h('p', { class: 'detail' }, item.detail) : false,
  );
}

export function overviewView(context: AdminContext): View {
  return {
    title: 'Overview',
    async render(root) {
      const data = await api(Overview, '/api/admin/overview');
      root.replaceChildren(
        h('h1', { tabindex: '-1' }, 'Overview'),
        h(
          'section',
          { 'aria-labelledby': 'attention-heading' },
          h('h2', { id: 'attention-heading' }, 'Needs attention'),
          data.attention.length
            ? h('ul', { class: 'attention-list' }, ...data.attention.map(attentionItem))
            : h('p', { class: 'empty' }, 'Nothing needs attention: every pool, template and desktop is well.'),
        ),
        h(
          'section',
          { 'aria-labelledby': 'pools-heading' },
          h('h2', { id: 'pools-heading' }, 'Pools'),
          newPoolLink(context),
          table(
            'Pools',
            [
              { header: 'Pool', cell: (p) => h('a', { href: poolHash(p.namespace, p.name) }, p.displayName) },
              { header: 'Namespace', cell: (p) => p.namespace },
              {
                header: 'Template',
                cell: (p) =>
                  h(
                    'a',
                    { href: templateHash(p.namespace, p.template) },
                    p.revision ? `${p.template} (revision ${p.revision})` : p.template,
                  ),
              },
              { header: 'Size', cell: (p) => String(p.size), numeric: true },
              { header: 'Ready', cell: (p) => String(p.ready), numeric: true },
              { header: 'Available', cell: (p) => String(p.available), numeric: true },
              { header: 'Assigned', cell: (p) => String(p.assigned), numeric: true },
              { header: 'Updated', cell: (p) => String(p.updated), numeric: true },
              { header: 'Waiting', cell: (p) => String(p.waiting), numeric: true },
              {
                header: 'Desktop-hours (24 h)',
                cell: (p) =>
                  h('span', {}, ...lastDayCell(p.lastDay).flatMap((line, i) => (i ? [h('br'), line] : [line]))),
                numeric: true,
              },
              { header: 'State', cell: (p) => h('span', { class: 'state', 'data-state': poolState(p) }, poolState(p)) },
            ],
            data.pools,
            'No pools you may see.',
          ),
        ),
      );
    },
  };
}
