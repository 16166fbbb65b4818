// "My desktops": one card per claim, with its progress, its problem in plain words and what the
// person can do with it now.
import type { Claim } from '../api-types.js';
import { h } from './dom.js';
import { type Progress, progressOf, STEPS } from './progress.js';

export interface ClaimActions {
  giveBack(claim: Claim, button: HTMLButtonElement): void;
}

export const claimKey = (c: { namespace: string; name: string }) => `${c.namespace}/${c.name}`;

export function claimCard(claim: Claim, poolName: string, actions: ClaimActions): HTMLLIElement {
  const progress = progressOf(claim);
  const id = `claim-${claim.namespace}-${claim.name}`;
  const card = h('li', { class: `card claim ${progress.state}`, 'data-claim': claimKey(claim) });
  fillClaimCard(card, claim, poolName, progress, actions, id);
  return card;
}

/** Replaces the card's content, keeping keyboard focus on the same control if it had it. */
export function updateClaimCard(card: HTMLLIElement, claim: Claim, poolName: string, actions: ClaimActions): void {
  const focused = card.contains(document.activeElement)
    ? (document.activeElement as HTMLElement).dataset.action
    : undefined;
  const progress = progressOf(claim);
  card.className = `card claim ${progress.state}`;
  card.replaceChildren();
  fillClaimCard(card, claim, poolName, progress, actions, `claim-${claim.namespace}-${claim.name}`);
  if (focused) card.querySelector<HTMLElement>(`[data-action="${focused}"]`)?.focus();
}

function fillClaimCard(
  card: HTMLLIElement,
  claim: Claim,
  poolName: string,
  progress: Progress,
  actions: ClaimActions,
  id: string,
): void {
  // The last step, once reached, is done too: nothing is left to wait for.
  const done = (i: number) => i < progress.step || (progress.state === 'ready' && i === progress.step);
  const title = h('h3', { id: `${id}-title`, tabindex: '-1' }, poolName);
  const steps =
    progress.step >= 0
      ? h(
          'ol',
          { class: 'steps', 'aria-label': 'Progress' },
          ...STEPS.map((step, i) =>
            h(
              'li',
              {
                class: done(i) ? 'done' : i === progress.step ? 'current' : 'todo',
                'aria-current': i === progress.step ? 'step' : undefined,
              },
              h('span', { class: 'visually-hidden' }, done(i) ? 'Done: ' : i === progress.step ? 'Now: ' : 'Next: '),
              step,
            ),
          ),
        )
      : false;
  const connect =
    progress.state === 'ready' && claim.desktop
      ? h(
          'a',
          {
            class: 'button primary',
            href: `/console/${encodeURIComponent(claim.namespace)}/${encodeURIComponent(claim.desktop.name)}`,
            'data-action': 'connect',
            'aria-describedby': `${id}-title`,
          },
          'Connect',
        )
      : false;
  const giveBack = h(
    'button',
    {
      type: 'button',
      'data-action': 'give-back',
      'aria-describedby': `${id}-title`,
      disabled: progress.state === 'leaving',
    },
    progress.state === 'released' || progress.state === 'failed' ? 'Remove' : 'Give back',
  );
  giveBack.addEventListener('click', () => actions.giveBack(claim, giveBack));
  const parts = [
    title,
    h('p', { class: 'headline' }, progress.headline),
    steps,
    progress.problem ? h('p', { class: 'problem' }, progress.problem) : false,
    progress.detail ? h('p', { class: 'detail' }, progress.detail) : false,
    h('div', { class: 'actions' }, connect, progress.state === 'leaving' ? false : giveBack),
  ];
  for (const part of parts) if (part instanceof HTMLElement) card.append(part);
}
