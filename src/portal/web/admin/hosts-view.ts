// Hosts: the nodes desktops run on, how many run on each and what each can offer. Read-only, and
// only for people who may list nodes.
import { HostList } from '../../admin/types.js';
import { api } from '../api.js';
import { h } from '../dom.js';
import type { View } from './context.js';
import { yamlHash } from './routes.js';
import { table } from './table.js';

export function hostsView(): View {
  return {
    title: 'Hosts',
    async render(root) {
      const data = await api(HostList, '/api/admin/hosts');
      root.replaceChildren(
        h('h1', { tabindex: '-1' }, 'Hosts'),
        table(
          'Hosts',
          [
            {
              header: 'Node',
              cell: (n) => h('a', { href: yamlHash('node', undefined, n.name), title: 'Its YAML' }, n.name),
            },
            { header: 'Ready', cell: (n) => (n.ready ? 'Ready' : 'Not ready') },
            { header: 'Desktops', cell: (n) => String(n.desktops), numeric: true },
            { header: 'CPU', cell: (n) => n.cpu ?? '—', numeric: true },
            { header: 'Memory', cell: (n) => n.memory ?? '—', numeric: true },
          ],
          data.hosts,
          'No nodes.',
        ),
      );
    },
  };
}
