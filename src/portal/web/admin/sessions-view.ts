// Sessions: who holds which desktop and who is logged on to it, searchable by user — "where is
// alice's desktop?" answered by typing her name.
import { SessionList } from '../../admin/types.js';
import { api } from '../api.js';
import { h } from '../dom.js';
import { when } from '../words.js';
import type { AdminContext, View } from './context.js';
import { poolHash, yamlHash } from './routes.js';
import { table } from './table.js';

export function sessionsView(context: AdminContext, user: string | undefined): View {
  return {
    title: 'Sessions',
    async render(root) {
      const query = user ?? '';
      const data = await api(SessionList, `/api/admin/sessions?${new URLSearchParams({ user: query })}`);
      const now = new Date();
      const search = h('input', { id: 'session-search', type: 'search', value: query, autocomplete: 'off' });
      const form = h(
        'form',
        { class: 'search', role: 'search' },
        h('label', { for: 'session-search' }, 'Find a user'),
        search,
        h('button', { type: 'submit' }, 'Find'),
      );
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        location.hash = search.value.trim() ? `#sessions/${encodeURIComponent(search.value.trim())}` : '#sessions';
      });
      const results = table(
        query ? `Sessions of users matching ${query}` : 'Sessions',
        [
          { header: 'User', cell: (s) => s.user },
          { header: 'Pool', cell: (s) => h('a', { href: poolHash(s.namespace, s.pool) }, `${s.namespace}/${s.pool}`) },
          { header: 'Desktop', cell: (s) => s.desktop ?? 'waiting' },
          { header: 'Node', cell: (s) => s.node ?? '—', nowrap: true },
          {
            header: 'Logged on',
            cell: (s) =>
              s.loggedOn.length
                ? s.loggedOn.map((u) => `${u.userName}${u.since ? ` since ${when(u.since, now)}` : ''}`).join(', ')
                : s.idleSince
                  ? `Nobody, since ${when(s.idleSince, now)}`
                  : 'Nobody',
          },
          { header: 'Since', cell: (s) => (s.boundTime ? when(s.boundTime, now) : '—') },
          {
            header: 'Claim',
            cell: (s) =>
              h(
                'a',
                { href: yamlHash('claim', s.namespace, s.claim), 'aria-label': `YAML of claim ${s.claim}` },
                'YAML',
              ),
          },
        ],
        data.sessions,
        query ? `Nobody matching “${query}” holds or waits for a desktop.` : 'Nobody holds a desktop.',
      );
      root.replaceChildren(h('h1', { tabindex: '-1' }, 'Sessions'), form, results);
      if (query)
        context.say(`${data.sessions.length} session${data.sessions.length === 1 ? '' : 's'} found for ${query}.`);
    },
  };
}
