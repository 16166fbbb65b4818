// "My desktops": one card per claim, with its progress, the desktop's state, who is logged on,
// the session policy's countdown, its problem in plain words, and what the person may do with it
// now — only what their grant allows, as the portal asked the API server.

import type { Claim } from '../api-types.js';
import { consolePagePath } from '../console/protocol.js';
import { rdpPagePath } from '../console/rdp-protocol.js';
import { h } from './dom.js';
import { type Progress, progressOf, STEPS } from './progress.js';
import {
  countdownText,
  dueAction,
  pendingConsequence,
  pendingReason,
  sessionText,
  stateText,
  WARN_MS,
} from './words.js';

export type ClaimAction = 'logOff' | 'start' | 'stop' | 'restart' | 'stillWorking';

export interface ClaimActions {
  act(action: ClaimAction, claim: Claim, button: HTMLButtonElement): void;
}

export const claimKey = (c: { namespace: string; name: string }) => `${c.namespace}/${c.name}`;

export function claimCard(claim: Claim, poolName: string, actions: ClaimActions): HTMLLIElement {
  const card = h('li', { class: 'card claim', 'data-claim': claimKey(claim) });
  updateClaimCard(card, claim, poolName, actions);
  return card;
}

/** Replaces the card's content, keeping keyboard focus on the same control if it had it. */
export function updateClaimCard(card: HTMLLIElement, claim: Claim, poolName: string, actions: ClaimActions): void {
  const focused = card.contains(document.activeElement)
    ? (document.activeElement as HTMLElement).dataset.action
    : undefined;
  // An open <details> stays open across updates.
  const detailsOpen = card.querySelector('details')?.open === true;
  const progress = progressOf(claim);
  card.className = `card claim ${progress.state}`;
  card.replaceChildren();
  fillClaimCard(card, claim, poolName, progress, actions, `claim-${claim.namespace}-${claim.name}`);
  if (detailsOpen) card.querySelector('details')?.setAttribute('open', '');
  if (focused) card.querySelector<HTMLElement>(`[data-action="${focused}"]`)?.focus();
  updateCountdowns(card, new Date());
}

/** What the desktop is doing, in words: KubeVirt's state when the portal could read it. */
function desktopState(claim: Claim, progress: Progress): string | undefined {
  const state = stateText(claim.desktop?.state);
  if (state) return state;
  if (progress.state === 'ready') return 'Running';
  if (progress.state === 'off') return 'Stopped';
  if (progress.state === 'starting') return 'Starting…';
  return undefined;
}

/** A running (or starting) desktop, as opposed to one that is off or on its way off. */
function isOn(claim: Claim, progress: Progress): boolean {
  if (progress.state === 'off') return false;
  const state = claim.desktop?.state;
  return state !== 'Stopped' && state !== 'Stopping' && state !== 'Terminating';
}

function fillClaimCard(
  card: HTMLLIElement,
  claim: Claim,
  poolName: string,
  progress: Progress,
  actions: ClaimActions,
  id: string,
): void {
  const now = new Date();
  const title = h('h3', { id: `${id}-title`, tabindex: '-1' }, poolName);
  const held = !!claim.desktop && ['ready', 'starting', 'assigned', 'off'].includes(progress.state);
  // The last step, once reached, is done too: nothing is left to wait for.
  const done = (i: number) => i < progress.step || (progress.state === 'ready' && i === progress.step);
  const steps =
    progress.step >= 0 && progress.state !== 'off'
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

  const state = held ? desktopState(claim, progress) : undefined;
  const facts = held
    ? h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Desktop'),
        h('dd', {}, claim.desktop?.name ?? ''),
        state && h('dt', {}, 'State'),
        state && h('dd', { class: 'state', 'data-state': claim.desktop?.state ?? progress.state }, state),
        h('dt', {}, 'Logged on'),
        h('dd', { class: 'session' }, sessionText(claim.session, now)),
        claim.profileDisk && h('dt', {}, 'Your files'),
        claim.profileDisk && h('dd', { class: 'profile-disk' }, profileDiskText(claim.profileDisk)),
      )
    : false;

  const pending = claim.pendingAction && held ? claim.pendingAction : undefined;
  const still = h(
    'button',
    { type: 'button', 'data-action': 'still-working', 'aria-describedby': `${id}-countdown` },
    'I’m still working',
  );
  still.addEventListener('click', () => actions.act('stillWorking', claim, still));
  const countdown = pending
    ? h(
        'div',
        { class: 'countdown', 'data-deadline': pending.deadline, 'data-action-due': pending.action },
        h('p', { id: `${id}-countdown`, class: 'when' }, countdownText(pending, now)),
        h('p', { class: 'why' }, pendingReason(claim, now)),
        h('p', { class: 'consequence' }, pendingConsequence(pending, claim.poolKind)),
        // Maintenance does not wait for anyone's activity: nothing to say "still working" to.
        pending.reason === 'Maintenance' ? false : h('div', { class: 'actions' }, still),
      )
    : false;

  const allowed = claim.allowed;
  const on = isOn(claim, progress);
  const button = (action: ClaimAction, dataAction: string, label: string, kind?: string) => {
    const b = h(
      'button',
      { type: 'button', class: kind, 'data-action': dataAction, 'aria-describedby': `${id}-title` },
      label,
    );
    b.addEventListener('click', () => actions.act(action, claim, b));
    return b;
  };
  const connect =
    progress.state === 'ready' && claim.desktop && allowed?.console !== false
      ? h(
          'a',
          {
            class: 'button primary',
            // Remote desktop where the pool offers it (the page links the VNC console too).
            href: (claim.rdp ? rdpPagePath : consolePagePath)(claim.namespace, claim.desktop.name),
            'data-action': 'connect',
            'aria-describedby': `${id}-title`,
          },
          'Connect',
        )
      : false;
  const start = held && !on && allowed?.start ? button('start', 'start', 'Start', 'primary') : false;
  const restart =
    held && on && progress.state === 'ready' && allowed?.restart ? button('restart', 'restart', 'Restart') : false;
  const stop = held && on && allowed?.stop ? button('stop', 'stop', 'Stop') : false;
  const rdp =
    held && claim.rdp
      ? h(
          'a',
          {
            class: 'button',
            href: `/api/claims/${encodeURIComponent(claim.namespace)}/${encodeURIComponent(claim.name)}/rdp`,
            download: `${claim.desktop?.name ?? 'desktop'}.rdp`,
            'data-action': 'rdp',
            'aria-describedby': `${id}-title`,
          },
          'Download RDP file',
        )
      : false;
  const leaving = progress.state === 'leaving';
  const over = progress.state === 'released' || progress.state === 'failed';
  const logOff = leaving
    ? false
    : button('logOff', 'log-off', over ? 'Remove' : held ? 'Log off and return' : 'Stop waiting');

  // The operator's own words, for the curious and for support.
  const details =
    progress.detail || pending
      ? h(
          'details',
          { class: 'more' },
          h('summary', {}, 'Details'),
          progress.detail && h('p', { class: 'detail' }, progress.detail),
          pending && h('p', { class: 'detail' }, pending.message),
        )
      : false;

  const parts = [
    title,
    h('p', { class: 'headline' }, progress.headline),
    steps,
    facts,
    countdown,
    progress.problem ? h('p', { class: 'problem' }, progress.problem) : false,
    details,
    h('div', { class: 'actions' }, connect, start, restart, stop, rdp, logOff),
  ];
  for (const part of parts) if (part instanceof HTMLElement) card.append(part);
}

/** The small line about the person's profile disk: what survives the desktop's reset. */
function profileDiskText(disk: NonNullable<Claim['profileDisk']>): string {
  const size = disk.size ? `${disk.size} ` : '';
  return disk.attached
    ? `Your ${size}profile disk is attached: what you keep there stays when the desktop is reset.`
    : `Your ${size}profile disk is being attached…`;
}

/** Moves every countdown under `root` on to `now`: a local clock, nothing asked of the portal. */
export function updateCountdowns(root: ParentNode, now: Date): void {
  for (const box of root.querySelectorAll<HTMLElement>('.countdown[data-deadline]')) {
    const deadline = box.dataset.deadline as string;
    const action = dueAction(box.dataset.actionDue);
    const line = box.querySelector('.when');
    if (line) line.textContent = countdownText({ action, reason: 'IdleTimeout', deadline, message: '' }, now);
    box.classList.toggle('soon', new Date(deadline).getTime() - now.getTime() < WARN_MS);
  }
}
