// Sessions: who holds which desktop, who is logged on to it and who is connected to it through the
// portal right now (by which protocol, from where, since when), searchable by user — "where is
// alice's desktop?" answered by typing her name. A person who may change others' claims can end a
// connection (asked first; recorded as an Event naming them).
import { type AdminSession, SessionList } from '../../admin/types.js';
import { api } from '../api.js';
import { confirmAction } from '../dialog.js';
import { h } from '../dom.js';
import { when } from '../words.js';
import { type AdminContext, runAction, type View } from './context.js';
import { poolHash, yamlHash } from './routes.js';
import { table } from './table.js';

type Console = AdminSession['consoles'][number];

const PROTOCOL = { rdp: 'RDP', vnc: 'VNC console' } as const;

export function sessionsView(context: AdminContext, user: string | undefined, refresh: () => void): View {
  function connections(s: AdminSession, now: Date): HTMLElement | string {
    if (!s.consoles.length) return 'No';
    return h('ul', { class: 'connections' }, ...s.consoles.map((c) => h('li', {}, ...connection(s, c, now))));
  }

  function connection(s: AdminSession, c: Console, now: Date): (HTMLElement | string)[] {
    const who = c.person === s.user ? '' : ` by ${c.person}`;
    const words = `${PROTOCOL[c.protocol]}${who} from ${c.client} since ${when(c.since, now)}`;
    if (c.endRequestedBy) return [`${words} — ending (asked by ${c.endRequestedBy})`];
    if (!context.in(s.namespace)?.claims.patch) return [words];
    const button = h(
      'button',
      { type: 'button', class: 'danger small', 'aria-label': `End ${c.person}'s ${PROTOCOL[c.protocol]} connection` },
      'End',
    );
    button.addEventListener('click', async () => {
      const ok = await confirmAction({
        title: `End ${c.person}'s ${PROTOCOL[c.protocol]} connection?`,
        words: [
          `The connection from ${c.client} closes within seconds and ${c.person} is told an administrator ended it. Nothing on the desktop is lost: the desktop keeps running and stays theirs, and they may connect again.`,
          'This is recorded as an Event naming you.',
        ],
        confirm: 'End connection',
        danger: true,
      });
      if (!ok) return;
      await runAction(context, button, {
        doing: `end ${c.person}'s connection`,
        run: () =>
          api(
            undefined,
            `/api/admin/claims/${encodeURIComponent(s.namespace)}/${encodeURIComponent(s.claim)}/consoles/${c.id}/end`,
            { method: 'POST' },
          ),
        done: `${c.person}'s connection is ending.`,
        refresh,
      });
    });
    return [words, ' ', button];
  }

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
          { header: 'Connected now', cell: (s) => connections(s, now) },
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
