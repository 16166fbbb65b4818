// Templates: every template the person may see, whether desktops can be made from it (and if not,
// why, in plain words), its newest revision and how many of its pools are still rolling out.
import { type AdminTemplate, TemplateList } from '../../admin/types.js';
import { api } from '../api.js';
import { h } from '../dom.js';
import type { AdminContext, View } from './context.js';
import { templateHash } from './routes.js';
import { table } from './table.js';

export const readyWords = (t: AdminTemplate) =>
  t.ready === 'True' ? 'Ready' : t.ready === 'False' ? 'Not ready' : 'Not checked yet';

export function readyCell(t: AdminTemplate): HTMLElement {
  return h('span', { class: 'state', 'data-state': t.ready === 'True' ? 'Healthy' : 'Degraded' }, readyWords(t));
}

export function templatesView(context: AdminContext): View {
  return {
    title: 'Templates',
    async render(root) {
      const { templates } = await api(TemplateList, '/api/admin/templates');
      const where = context.access.namespaces.find((n) => n.templates.create);
      root.replaceChildren(
        h('h1', { tabindex: '-1' }, 'Templates'),
        where
          ? h(
              'div',
              { class: 'pool-actions' },
              h(
                'a',
                { class: 'button primary', href: `#template-new/${encodeURIComponent(where.namespace)}` },
                'New template',
              ),
            )
          : '',
        table(
          'Templates',
          [
            { header: 'Template', cell: (t) => h('a', { href: templateHash(t.namespace, t.name) }, t.displayName) },
            { header: 'Namespace', cell: (t) => t.namespace },
            { header: 'OS', cell: (t) => t.os || '—' },
            { header: 'Revision', cell: (t) => (t.revision ? String(t.revision) : '—'), numeric: true },
            { header: 'Ready', cell: readyCell, nowrap: true },
            { header: 'Why not', cell: (t) => t.problem ?? '—' },
            { header: 'Pools', cell: (t) => String(t.pools), numeric: true },
            { header: 'Rolling out', cell: (t) => String(t.rollingOut), numeric: true },
          ],
          templates,
          'No templates you may see.',
        ),
      );
    },
  };
}
