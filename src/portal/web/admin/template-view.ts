// One template: whether desktops can be made from it and why not; each pool made from it with its
// rollout to the pool's target revision (a bar with its numbers in words) and which desktops run
// which revision; its revisions; what changed between two the person picks; its YAML, read-only.
import './templates.css';
import { type RevisionDiff as Diff, RevisionDiff, TemplateDetail, type TemplateRollout } from '../../admin/types.js';
import { api, describeFailure } from '../api.js';
import { h } from '../dom.js';
import { when } from '../words.js';
import type { AdminContext, View } from './context.js';
import { poolHash } from './routes.js';
import { table } from './table.js';
import { readyWords } from './templates-view.js';
import { yamlBlock } from './yaml-view.js';

function rolloutCell(pool: TemplateRollout): HTMLElement {
  const size = Math.max(pool.size, 0);
  const words = pool.target
    ? `${pool.updated} of ${size} desktops on revision ${pool.target}`
    : 'Not started: the pool has no revision yet';
  return h(
    'div',
    { class: 'rollout' },
    h('progress', {
      max: String(Math.max(size, 1)),
      value: String(Math.min(pool.updated, size)),
      'aria-label': `Rollout of ${pool.displayName}`,
      'aria-valuetext': words,
    }),
    h('span', { class: 'rollout-words' }, pool.updated >= size && pool.target ? `Done: ${words}` : words),
  );
}

function desktopsCell(pool: TemplateRollout, visible: boolean): Node | string {
  if (!visible) return 'Hidden from you';
  if (pool.desktops.length === 0) return 'None';
  return h(
    'ul',
    { class: 'by-revision' },
    ...pool.desktops.map((group) =>
      h(
        'li',
        {},
        h('strong', {}, `Revision ${group.revision}: `),
        `${group.desktops.length} (${group.desktops.join(', ')})`,
      ),
    ),
  );
}

export function templateView(context: AdminContext, namespace: string, name: string): View {
  const base = `/api/admin/templates/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
  // What the person picked survives the view being drawn again on a live change.
  let picked: { from: number; to: number } | undefined;
  let shown: { key: string; diff: Diff } | undefined;

  function diffList(diff: Diff): HTMLElement {
    if (diff.changes.length === 0)
      return h('p', { class: 'empty' }, `Nothing changed between revision ${diff.from} and revision ${diff.to}.`);
    return h(
      'ul',
      { class: 'diff-list', 'aria-label': `Changes from revision ${diff.from} to revision ${diff.to}` },
      ...diff.changes.map((c) =>
        h(
          'li',
          { class: `diff ${c.change}` },
          h('code', { class: 'diff-path' }, c.path),
          ': ',
          h('span', { class: 'diff-before' }, c.before ?? '(not set)'),
          ' → ',
          h('span', { class: 'diff-after' }, c.after ?? '(not set)'),
        ),
      ),
    );
  }

  function comparer(numbers: number[]): HTMLElement {
    const newest = numbers[0] as number;
    picked ??= { from: numbers[1] ?? newest, to: newest };
    // The label beside its select, not around it: its name is the words, not the chosen option too.
    const select = (id: string, label: string, value: number) =>
      h(
        'span',
        { class: 'pick' },
        h('label', { for: id }, label),
        h(
          'select',
          { id },
          ...numbers.map((n) =>
            h('option', { value: String(n), selected: n === value }, `Revision ${n}${n === newest ? ' (newest)' : ''}`),
          ),
        ),
      );
    const result = h('div', { class: 'diff-result', 'aria-live': 'polite' });
    const form = h(
      'form',
      { class: 'filters compare' },
      select('diff-from', 'From revision', picked.from),
      select('diff-to', 'To revision', picked.to),
      h('button', { type: 'submit' }, 'Compare'),
    );
    const show = async () => {
      const { from, to } = picked as { from: number; to: number };
      const key = `${from}-${to}`;
      if (shown?.key !== key) {
        try {
          shown = { key, diff: await api(RevisionDiff, `${base}/diff?from=${from}&to=${to}`) };
        } catch (err) {
          result.replaceChildren(h('p', { class: 'notice' }, describeFailure(err, 'compare the revisions')));
          return;
        }
      }
      result.replaceChildren(diffList(shown.diff));
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = (id: string) => Number((form.querySelector(`#${id}`) as HTMLSelectElement).value);
      picked = { from: value('diff-from'), to: value('diff-to') };
      void show().then(() => context.say(`Revision ${picked?.from} compared with revision ${picked?.to}.`));
    });
    void show();
    return h('div', {}, form, result);
  }

  return {
    title: `Template ${name}`,
    async render(root) {
      const data = await api(TemplateDetail, base);
      const { template: t } = data;
      const now = new Date();
      const ready = data.conditions.find((c) => c.type === 'Ready');
      const numbers = data.revisions.map((r) => r.number);
      root.replaceChildren(
        h('p', { class: 'crumbs' }, h('a', { href: '#templates' }, 'Templates'), ` › ${namespace}`),
        h('h1', { tabindex: '-1' }, t.displayName),
        context.in(namespace)?.templates.update
          ? h(
              'div',
              { class: 'pool-actions', role: 'group', 'aria-label': 'Template actions' },
              h(
                'a',
                {
                  class: 'button',
                  href: `#template-edit/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`,
                },
                'Edit',
              ),
            )
          : '',
        ...(t.problem
          ? [
              h(
                'div',
                { class: `attention ${t.ready === 'False' ? 'critical' : 'warning'} template-problem` },
                h('p', {}, h('span', { class: 'severity' }, readyWords(t)), `: ${t.problem}`),
                t.detail ? h('p', { class: 'detail' }, `The operator says: ${t.detail}`) : false,
              ),
            ]
          : []),
        h(
          'dl',
          { class: 'facts pool-facts' },
          h('dt', {}, 'Ready'),
          h('dd', {}, t.ready === 'True' && ready?.message ? `Yes: ${ready.message}` : readyWords(t)),
          h('dt', {}, 'OS'),
          h('dd', {}, t.os || '—'),
          h('dt', {}, 'Newest revision'),
          h('dd', {}, t.revision ? String(t.revision) : '—'),
          h('dt', {}, 'Pools'),
          h('dd', {}, `${t.pools}${t.rollingOut ? `, ${t.rollingOut} rolling out` : ''}`),
        ),
        h(
          'section',
          { 'aria-labelledby': 'rollout-heading' },
          h('h2', { id: 'rollout-heading' }, 'Pools and their rollout'),
          table(
            `Pools made from ${t.displayName}`,
            [
              { header: 'Pool', cell: (p) => h('a', { href: poolHash(p.namespace, p.name) }, p.displayName) },
              {
                header: 'Revision',
                cell: (p) =>
                  `${p.target ?? '—'}${p.pinned ? ` (pinned to ${p.pinned})` : t.revision && p.target === t.revision ? ' (newest)' : ''}`,
                nowrap: true,
              },
              { header: 'Rollout', cell: rolloutCell },
              { header: 'Desktops by revision', cell: (p) => desktopsCell(p, data.desktopsVisible) },
            ],
            data.rollouts,
            'No pool you may see is made from this template.',
          ),
        ),
        h(
          'section',
          { 'aria-labelledby': 'revisions-heading' },
          h('h2', { id: 'revisions-heading' }, 'Revisions'),
          data.revisionsVisible
            ? table(
                `Revisions of ${t.displayName}`,
                [
                  {
                    header: 'Revision',
                    cell: (r) => `${r.number}${r.current ? ' (newest)' : ''}`,
                    nowrap: true,
                  },
                  { header: 'Created', cell: (r) => (r.created ? when(r.created, now) : '—'), nowrap: true },
                  { header: 'Pools on it', cell: (r) => r.pools.join(', ') || '—' },
                  {
                    header: 'Desktops on it',
                    cell: (r) => (r.desktops === undefined ? 'Hidden from you' : String(r.desktops)),
                    numeric: true,
                  },
                ],
                data.revisions,
                'No revisions yet: the operator has not seen this template.',
              )
            : h('p', { class: 'empty' }, 'You may not read the revisions of this template.'),
        ),
        ...(data.revisionsVisible && numbers.length > 1
          ? [
              h(
                'section',
                { 'aria-labelledby': 'diff-heading' },
                h('h2', { id: 'diff-heading' }, 'What changed'),
                comparer(numbers),
              ),
            ]
          : []),
        yamlBlock('YAML', data.yaml, context.say),
      );
    },
  };
}
