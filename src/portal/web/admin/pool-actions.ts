// What an administrator may do to a pool as a whole: edit, see its YAML, scale, pause or resume,
// delete. Buttons show only where the rights review says so; the API server still decides. Each
// change asks first, and says when GitOps keeps the pool (the change would be reverted).

import { PoolSource } from '../../admin/pool-edit-types.js';
import type { AdminPool } from '../../admin/types.js';
import { api, describeFailure } from '../api.js';
import { confirmAction } from '../dialog.js';
import { h } from '../dom.js';
import { type AdminContext, runAction } from './context.js';
import { gitopsWords } from './gitops-warning.js';
import { yamlHash } from './routes.js';

const poolPath = (p: { namespace: string; name: string }) =>
  `/api/admin/pools/${encodeURIComponent(p.namespace)}/${encodeURIComponent(p.name)}`;
const hashOf = (view: string, p: { namespace: string; name: string }) =>
  `#${view}/${encodeURIComponent(p.namespace)}/${encodeURIComponent(p.name)}`;

/** "New pool", for the overview, where the person may create pools somewhere. */
export function newPoolLink(context: AdminContext): HTMLElement | false {
  const where = context.access.namespaces.find((n) => n.pools.create);
  return where
    ? h('a', { class: 'button primary', href: `#pool-new/${encodeURIComponent(where.namespace)}` }, 'New pool')
    : false;
}

/** A number asked for in a modal dialog (native <dialog>: focus stays inside, Escape cancels). */
function askSize(pool: AdminPool, warning: string[]): Promise<number | undefined> {
  const input = h('input', { type: 'number', id: 'scale-size', inputmode: 'numeric', value: String(pool.size) });
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const ok = h('button', { type: 'submit', class: 'primary' }, 'Scale');
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', { id: 'scale-title' }, `Scale ${pool.displayName}`),
    h(
      'div',
      { id: 'scale-words', class: 'words' },
      h('p', {}, `It has ${pool.size} desktops, ${pool.assigned} of them held. Fewer removes free desktops first.`),
      ...warning.map((w) => h('p', { class: 'warn' }, w)),
    ),
    h('div', { class: 'field' }, h('label', { for: 'scale-size' }, 'Desktops'), input),
    h('div', { class: 'actions' }, cancel, ok),
  );
  const dialog = h(
    'dialog',
    { class: 'confirm', 'aria-labelledby': 'scale-title', 'aria-describedby': 'scale-words' },
    form,
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    cancel.addEventListener('click', () => dialog.close('cancel'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      dialog.close('ok');
    });
    dialog.addEventListener(
      'close',
      () => {
        resolve(dialog.returnValue === 'ok' && input.value.trim() !== '' ? Number(input.value) : undefined);
        dialog.remove();
      },
      { once: true },
    );
    dialog.showModal();
    input.select();
  });
}

export function poolActions(context: AdminContext, pool: AdminPool, refresh: () => void): HTMLElement {
  const rights = context.in(pool.namespace);
  const items: HTMLElement[] = [];
  /** What GitOps would do to a change made here, read now (the pool may have changed hands). */
  const keepers = async () => {
    const source = await api(PoolSource, `${poolPath(pool)}/source`);
    return source.gitops.length ? gitopsWords(source.gitops).slice(0, 1) : [];
  };
  const act = (button: HTMLButtonElement, doing: string, run: () => Promise<unknown>, done: string) =>
    runAction(context, button, { doing, run, done, refresh });
  const button = (label: string, danger = false) =>
    h('button', { type: 'button', class: danger ? 'danger' : undefined }, label);

  if (rights?.pools.update) items.push(h('a', { class: 'button', href: hashOf('pool-edit', pool) }, 'Edit'));
  items.push(h('a', { class: 'button', href: yamlHash('pool', pool.namespace, pool.name) }, 'YAML'));
  if (rights?.pools.update) {
    const scale = button('Scale');
    scale.addEventListener('click', async () => {
      try {
        const size = await askSize(pool, await keepers());
        if (size !== undefined)
          await act(
            scale,
            `scale ${pool.name}`,
            () => api(undefined, poolPath(pool), { method: 'PATCH', body: { size } }),
            `${pool.name} scaled to ${size}.`,
          );
      } catch (err) {
        context.notice(describeFailure(err, `scale ${pool.name}`));
      }
    });
    const pause = button(pool.paused ? 'Resume' : 'Pause');
    pause.addEventListener('click', async () => {
      try {
        const warning = await keepers();
        const ok = await confirmAction(
          pool.paused
            ? {
                title: `Resume ${pool.displayName}?`,
                words: ['The operator creates, deletes and updates its desktops again, to match the pool.', ...warning],
                confirm: 'Resume',
              }
            : {
                title: `Pause ${pool.displayName}?`,
                words: [
                  'The operator stops changing its desktops: none are created, deleted or updated. Desktops that exist can still be taken and used.',
                  ...warning,
                ],
                confirm: 'Pause',
              },
        );
        if (ok)
          await act(
            pause,
            `${pool.paused ? 'resume' : 'pause'} ${pool.name}`,
            () => api(undefined, poolPath(pool), { method: 'PATCH', body: { paused: !pool.paused } }),
            `${pool.name} ${pool.paused ? 'resumed' : 'paused'}.`,
          );
      } catch (err) {
        context.notice(describeFailure(err, `pause ${pool.name}`));
      }
    });
    items.push(scale, pause);
  }
  if (rights?.pools.delete) {
    const remove = button('Delete', true);
    remove.addEventListener('click', async () => {
      try {
        const warning = await keepers();
        const ok = await confirmAction({
          title: `Delete pool ${pool.displayName}?`,
          words: [
            `All ${pool.size} of its desktops are deleted with their disks${pool.assigned ? `, including the ${pool.assigned} held by users: they are logged off and lose what is on them` : ''}.`,
            'Claims on it stay, waiting, until a pool of this name exists again.',
            ...(warning.length ? [`${warning[0]} Remove it from Git, or it comes back.`] : []),
          ],
          confirm: 'Delete pool',
          danger: true,
        });
        if (ok)
          await act(
            remove,
            `delete ${pool.name}`,
            async () => {
              await api(undefined, poolPath(pool), { method: 'DELETE' });
              location.hash = '#overview';
            },
            `${pool.name} deleted.`,
          );
      } catch (err) {
        context.notice(describeFailure(err, `delete ${pool.name}`));
      }
    });
    items.push(remove);
  }
  return h('div', { class: 'pool-actions', role: 'group', 'aria-label': 'Pool actions' }, ...items);
}
