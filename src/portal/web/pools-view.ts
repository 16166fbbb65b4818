// "Desktops available to me": one card per pool the API server lets the person use.
import type { Pool } from '../api-types.js';
import { h } from './dom.js';
import { limitText } from './words.js';

export function osText(pool: Pool): string | undefined {
  if (!pool.os) return undefined;
  return pool.os.version ? `${pool.os.type} ${pool.os.version}` : pool.os.type;
}

export function poolCard(pool: Pool, getDesktop: (pool: Pool, button: HTMLButtonElement) => void): HTMLLIElement {
  const id = `pool-${pool.namespace}-${pool.name}`;
  const os = osText(pool);
  const button = h(
    'button',
    { type: 'button', class: 'primary', 'data-action': 'get-desktop', 'aria-describedby': `${id}-title ${id}-limit` },
    'Get desktop',
  );
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
    h('p', { id: `${id}-limit`, class: 'limit', hidden: true }),
    h('div', { class: 'actions' }, button),
  );
}

/**
 * Get desktop is off, with the reason in words, while the person holds as many desktops of the
 * pool as it allows (the operator would only make the new claim wait with UserLimitReached).
 */
export function setPoolLimit(card: HTMLElement, pool: Pool, held: number): void {
  const button = card.querySelector<HTMLButtonElement>('[data-action="get-desktop"]');
  const reason = card.querySelector<HTMLElement>('.limit');
  if (!button || !reason || button.getAttribute('aria-busy') === 'true') return;
  const why = limitText(held, pool.maxDesktopsPerUser);
  button.disabled = why !== undefined;
  reason.hidden = why === undefined;
  reason.textContent = why ?? '';
}
