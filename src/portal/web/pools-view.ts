// "Desktops available to me": one card per pool the API server lets the person use.
import type { Pool } from '../api-types.js';
import { h } from './dom.js';

export function osText(pool: Pool): string | undefined {
  if (!pool.os) return undefined;
  return pool.os.version ? `${pool.os.type} ${pool.os.version}` : pool.os.type;
}

export function poolCard(pool: Pool, getDesktop: (pool: Pool, button: HTMLButtonElement) => void): HTMLLIElement {
  const id = `pool-${pool.namespace}-${pool.name}`;
  const os = osText(pool);
  const button = h('button', { type: 'button', class: 'primary', 'aria-describedby': `${id}-title` }, 'Get desktop');
  button.addEventListener('click', () => getDesktop(pool, button));
  const available =
    pool.available === 0 ? 'None free right now' : pool.available === 1 ? '1 free' : `${pool.available} free`;
  return h(
    'li',
    { class: 'card', 'data-pool': `${pool.namespace}/${pool.name}` },
    h('h3', { id: `${id}-title` }, pool.displayName),
    h(
      'dl',
      { class: 'facts' },
      os && h('dt', {}, 'System'),
      os && h('dd', {}, os),
      h('dt', {}, 'Available'),
      h('dd', { class: pool.available === 0 ? 'warn' : undefined }, available),
    ),
    pool.description ? h('p', { class: 'description' }, pool.description) : false,
    h('div', { class: 'actions' }, button),
  );
}
