// Hosts: the nodes desktops run on, how many run on each and what each can offer; for people who
// may list nodes. A node in maintenance says until when, what is left to move off it and who still
// works there. People who may patch nodes (the API server's review says) get Start and End
// maintenance: asked first, done as them, recorded as an Event naming them.
import { type Host, HostList, type HostMaintenance } from '../../admin/types.js';
import { api } from '../api.js';
import { confirmAction } from '../dialog.js';
import { h } from '../dom.js';
import { when } from '../words.js';
import { type AdminContext, runAction, type View } from './context.js';
import { deadlineWords, howItLeaves, leftToMove, localInputValue } from './maintenance-text.js';
import { poolHash, yamlHash } from './routes.js';
import { table } from './table.js';

/** The deadline offered: what a pool gives by default (spec.maintenance.noticeMinutes). */
const DEFAULT_NOTICE_MS = 60 * 60_000;

const maintenancePath = (node: string) => `/api/admin/nodes/${encodeURIComponent(node)}/maintenance`;

export function hostsView(context: AdminContext, refresh: () => void): View {
  const act = (button: HTMLButtonElement, doing: string, run: () => Promise<unknown>, done: string) =>
    runAction(context, button, { doing, run, done, refresh });

  async function start(node: Host, button: HTMLButtonElement): Promise<void> {
    const input = h('input', {
      type: 'datetime-local',
      id: 'maintenance-deadline',
      value: localInputValue(new Date(Date.now() + DEFAULT_NOTICE_MS)),
      'aria-describedby': 'maintenance-deadline-hint',
    });
    const field = h(
      'div',
      { class: 'field deadline' },
      h('label', { for: 'maintenance-deadline' }, 'Restart held desktops that cannot migrate at'),
      input,
      h(
        'p',
        { class: 'hint', id: 'maintenance-deadline-hint' },
        "Your local time. Empty: each pool's notice (60 minutes unless the pool says otherwise).",
      ),
    );
    const ok = await confirmAction({
      title: `Start maintenance on ${node.name}?`,
      words: [
        `${node.name} is cordoned: no new desktop starts there and nobody is given one that runs there. It runs ${node.desktops} ${node.desktops === 1 ? 'desktop' : 'desktops'} now.`,
        "Free desktops move to other nodes first, a few at a time (each pool's rollout budget).",
        'Held desktops migrate live where KubeVirt can move them, and their people keep working. The others restart on another node at the deadline below; until then their people see a countdown in their portal asking them to save their work.',
        'This is recorded as an Event on the node naming you.',
      ],
      confirm: 'Start maintenance',
      fields: [field],
    });
    if (!ok) return;
    const deadline = input.value ? new Date(input.value).toISOString() : undefined;
    await act(
      button,
      `start maintenance on ${node.name}`,
      () => api(undefined, maintenancePath(node.name), { method: 'POST', body: deadline ? { deadline } : {} }),
      `Maintenance started on ${node.name}.`,
    );
  }

  async function end(node: Host, button: HTMLButtonElement): Promise<void> {
    const left = node.maintenance && node.maintenance.working.length > 0;
    const ok = await confirmAction({
      title: `End maintenance on ${node.name}?`,
      words: [
        `${node.name} is uncordoned and its deadline removed (and kubevdi's maintenance taint, if it has one): desktops may start there again and be given to people.`,
        left
          ? 'Desktops still waiting to leave stay where they are, and their people’s countdowns end.'
          : 'Nothing is waiting to leave it.',
        'This is recorded as an Event on the node naming you.',
      ],
      confirm: 'End maintenance',
    });
    if (!ok) return;
    await act(
      button,
      `end maintenance on ${node.name}`,
      () => api(undefined, maintenancePath(node.name), { method: 'DELETE' }),
      `Maintenance ended on ${node.name}.`,
    );
  }

  function actions(node: Host): HTMLElement {
    const inMaintenance = node.maintenance !== undefined;
    const label = inMaintenance ? 'End maintenance' : 'Start maintenance';
    const button = h('button', { type: 'button', class: 'small', 'aria-label': `${label} on ${node.name}` }, label);
    button.addEventListener('click', () => void (inMaintenance ? end(node, button) : start(node, button)));
    return h('div', { class: 'row-actions' }, button);
  }

  function state(node: Host, now: Date): HTMLElement {
    const ready = node.ready ? 'Ready' : 'Not ready';
    if (!node.maintenance)
      return h('span', { class: 'state', 'data-state': node.ready ? 'Running' : 'Degraded' }, ready);
    const until = node.maintenance.deadline ? ` until ${when(node.maintenance.deadline, now)}` : '';
    return h(
      'span',
      {},
      h('span', { class: 'state', 'data-state': 'Updating' }, `In maintenance${until}`),
      h('span', { class: 'detail' }, `${ready}, ${node.maintenance.because}`),
    );
  }

  /** A node in maintenance: what is left to move off it and who still works there. */
  function progress(node: Host & { maintenance: HostMaintenance }, now: Date): HTMLElement {
    const m = node.maintenance;
    return h(
      'section',
      { class: 'maintenance', 'aria-labelledby': `maintenance-${node.name}` },
      h('h2', { id: `maintenance-${node.name}` }, `Maintenance on ${node.name}`),
      h('p', {}, `${leftToMove(m.left)} ${deadlineWords(m, now)}`),
      m.working.length
        ? table(
            `Who still works on ${node.name}`,
            [
              { header: 'Person', cell: (w) => w.person },
              { header: 'Desktop', cell: (w) => w.desktop, nowrap: true },
              {
                header: 'Pool',
                cell: (w) => h('a', { href: poolHash(w.namespace, w.pool) }, w.pool),
              },
              { header: 'Leaves', cell: (w) => howItLeaves(w, now) },
            ],
            m.working,
            '',
            { stack: true },
          )
        : h('p', {}, 'Nobody works there any more.'),
    );
  }

  return {
    title: 'Hosts',
    async render(root) {
      const data = await api(HostList, '/api/admin/hosts');
      const now = new Date();
      const mayChange = context.access.nodeMaintenance;
      root.replaceChildren(
        h('h1', { tabindex: '-1' }, 'Hosts'),
        table(
          'Hosts',
          [
            {
              header: 'Node',
              cell: (n) => h('a', { href: yamlHash('node', undefined, n.name), title: 'Its YAML' }, n.name),
              nowrap: true,
            },
            { header: 'State', cell: (n) => state(n, now) },
            { header: 'Desktops', cell: (n) => String(n.desktops), numeric: true },
            { header: 'CPU', cell: (n) => n.cpu ?? '—', numeric: true },
            { header: 'Memory', cell: (n) => n.memory ?? '—', numeric: true },
            ...(mayChange ? [{ header: 'Actions', cell: actions, nowrap: true }] : []),
          ],
          data.hosts,
          'No nodes.',
          { stack: true },
        ),
        ...data.hosts.flatMap((n) =>
          n.maintenance ? [progress(n as Host & { maintenance: HostMaintenance }, now)] : [],
        ),
      );
    },
  };
}
