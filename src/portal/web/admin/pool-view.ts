// A pool's desktops: state, node, template revision, holder, who is logged on and since when, how
// long nobody has been; and what an administrator may do to each (their rights decide which
// buttons show; the API server still decides each request). Every action asks first.
import { type AdminDesktop, DesktopList } from '../../admin/types.js';
import { api } from '../api.js';
import { confirmAction } from '../dialog.js';
import { h } from '../dom.js';
import { when } from '../words.js';
import { type AdminContext, runAction, type View } from './context.js';
import { poolActions } from './pool-actions.js';
import { profileDisksSection } from './profile-disks-view.js';
import { yamlHash } from './routes.js';
import { scheduleSection } from './schedule-view.js';
import { table } from './table.js';
import { lastDayText } from './usage-text.js';

const path = (d: AdminDesktop) => `${encodeURIComponent(d.namespace)}/${encodeURIComponent(d.name)}`;

function loggedOnText(d: AdminDesktop, now: Date): string {
  if (d.loggedOn.length === 0) return d.idleSince ? `Nobody, since ${when(d.idleSince, now)}` : 'Nobody';
  return d.loggedOn
    .map((u) => `${u.domain ? `${u.domain}\\` : ''}${u.userName}${u.since ? ` since ${when(u.since, now)}` : ''}`)
    .join(', ');
}

export function poolView(context: AdminContext, namespace: string, name: string, refresh: () => void): View {
  const rights = context.in(namespace);
  const act = (button: HTMLButtonElement, doing: string, run: () => Promise<unknown>, done: string) =>
    runAction(context, button, { doing, run, done, refresh });

  function actions(d: AdminDesktop): HTMLElement {
    const buttons: HTMLElement[] = [];
    const power = (action: 'start' | 'stop' | 'restart', label: string, words: string[]) => {
      const button = h('button', { type: 'button', 'aria-label': `${label} ${d.name}` }, label);
      button.addEventListener('click', async () => {
        const ok = await confirmAction({
          title: `${label} desktop ${d.name}?`,
          words,
          confirm: `${label} ${d.name}`,
          danger: action !== 'start',
        });
        if (ok)
          await act(
            button,
            `${action} ${d.name}`,
            () => api(undefined, `/api/admin/desktops/${path(d)}/${action}`, { method: 'POST' }),
            `${label} of ${d.name} asked for.`,
          );
      });
      buttons.push(button);
    };
    const running = d.state !== 'Stopped';
    const who = d.holder ? `${d.holder}'s` : 'The';
    if (rights?.desktops.restart && running)
      power('restart', 'Restart', [
        `${who} desktop restarts: anything not saved on it is lost.`,
        'It comes back on the same disk and stays with its holder.',
      ]);
    if (rights?.desktops.stop && running)
      power('stop', 'Stop', [
        `${who} desktop is powered off: anything not saved on it is lost.`,
        'It stays with its holder until someone starts it again.',
      ]);
    if (rights?.desktops.start && !running) power('start', 'Start', ['The desktop is powered on.']);
    if (rights?.desktops.console && running)
      buttons.push(
        h('a', { class: 'button', href: `/console/${path(d)}`, 'aria-label': `Console of ${d.name}` }, 'Console'),
      );
    if (rights?.claims.delete && d.claim) {
      const button = h(
        'button',
        { type: 'button', class: 'danger', 'aria-label': `Force release ${d.name}` },
        'Force release',
      );
      button.addEventListener('click', async () => {
        const ok = await confirmAction({
          title: `Release ${d.name} from ${d.holder ?? 'its user'}?`,
          words: [
            `${d.holder ?? 'The user'} is logged off: their console closes and they lose the right to this desktop at once.`,
            'The desktop goes back to the pool; in a stateless pool it gets a new disk first, so files on it are discarded.',
            'This is recorded as an Event naming you.',
          ],
          confirm: 'Force release',
          danger: true,
        });
        if (ok)
          await act(
            button,
            `release ${d.name}`,
            () =>
              api(
                undefined,
                `/api/admin/claims/${encodeURIComponent(d.namespace)}/${encodeURIComponent(d.claim as string)}`,
                { method: 'DELETE' },
              ),
            `${d.name} released.`,
          );
      });
      buttons.push(button);
    }
    return h('div', { class: 'row-actions' }, ...buttons);
  }

  return {
    title: `Pool ${name}`,
    async render(root) {
      const [data, profileDisks] = await Promise.all([
        api(DesktopList, `/api/admin/pools/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/desktops`),
        profileDisksSection(context, namespace, name, refresh),
      ]);
      const { pool } = data;
      const now = new Date();
      root.replaceChildren(
        h('p', { class: 'crumbs' }, h('a', { href: '#overview' }, 'Overview'), ` › ${namespace}`),
        h('h1', { tabindex: '-1' }, pool.displayName),
        poolActions(context, pool, refresh),
        h(
          'dl',
          { class: 'facts pool-facts' },
          h('dt', {}, 'Template'),
          h('dd', {}, pool.revision ? `${pool.template}, revision ${pool.revision}` : pool.template),
          h('dt', {}, 'Desktops'),
          h(
            'dd',
            {},
            `${pool.size} (${pool.ready} ready, ${pool.available} free, ${pool.assigned} assigned, ${pool.updated} up to date)`,
          ),
          h('dt', {}, 'Kind'),
          h('dd', {}, `${pool.assignment}, ${pool.persistence}${pool.paused ? ', paused' : ''}`),
          h('dt', {}, 'Waiting'),
          h('dd', {}, String(pool.waiting)),
          h('dt', {}, 'Last 24 hours'),
          h('dd', { class: 'last-day' }, lastDayText(pool.lastDay, now)),
        ),
        scheduleSection(context, pool, data.schedule),
        h('h2', {}, 'Desktops'),
        data.desktopsVisible
          ? table(
              `Desktops of ${pool.displayName}`,
              [
                {
                  header: 'Desktop',
                  cell: (d) => h('a', { href: yamlHash('desktop', d.namespace, d.name), title: 'Its YAML' }, d.name),
                },
                { header: 'State', cell: (d) => h('span', { class: 'state', 'data-state': d.state }, d.state) },
                { header: 'Node', cell: (d) => d.node ?? '—', nowrap: true },
                { header: 'Revision', cell: (d) => d.revision ?? '—' },
                { header: 'Holder', cell: (d) => d.holder ?? '—' },
                { header: 'Logged on', cell: (d) => loggedOnText(d, now) },
                { header: 'Actions', cell: actions },
              ],
              data.desktops,
              'This pool has no desktops.',
              { stack: true },
            )
          : h('p', { class: 'empty' }, 'You may not see the desktops of this pool.'),
        ...(profileDisks ? [profileDisks] : []),
      );
    },
  };
}
