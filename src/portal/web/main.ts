// The signed-in person's page: their claims with live progress, and the pools they may take a
// desktop from. Plain DOM; data from the portal's JSON API and its Server-Sent Events.
import './style.css';
import * as z from 'zod';
import {
  ActivityAnswer,
  type Claim,
  type ClaimEvent,
  type ClaimRef,
  Claim as ClaimSchema,
  type Pool,
  PoolList,
} from '../api-types.js';
import { ApiFailure, api, describeFailure } from './api.js';
import { type ClaimAction, claimCard, claimKey, updateClaimCard, updateCountdowns } from './claims-view.js';
import { confirmAction } from './dialog.js';
import { byId } from './dom.js';
import { claimStream } from './events.js';
import { poolCard, setPoolLimit } from './pools-view.js';
import { progressOf } from './progress.js';
import { activeClaims, deadlineAnnouncement, logOffWords, RESTART_WORDS, stopWords, WARN_MS } from './words.js';

// The Content-Security-Policy has no 'unsafe-eval': zod must not try to compile validators.
z.config({ jitless: true });

/** How long a claim this page created is named to the event stream before the portal finds it itself. */
const NAMED_FOR_MS = 2 * 60_000;

const claims = new Map<string, Claim>();
const created = new Map<string, { ref: ClaimRef; at: number }>();
let pools: Pool[] = [];

const claimList = byId<HTMLUListElement>('claims');
const poolList = byId<HTMLUListElement>('pools');
const live = byId('live');
const notice = byId('notice');

function say(message: string): void {
  live.textContent = message;
}

function showNotice(message: string | undefined): void {
  notice.hidden = !message;
  notice.textContent = message ?? '';
}

const poolName = (claim: Claim) =>
  pools.find((p) => p.namespace === claim.namespace && p.name === claim.pool)?.displayName ?? claim.pool;

const claimPath = (claim: Claim) =>
  `/api/claims/${encodeURIComponent(claim.namespace)}/${encodeURIComponent(claim.name)}`;

/** Runs a request with the button off (and busy) meanwhile; failures go to the notice. */
async function busy(button: HTMLButtonElement, doing: string, run: () => Promise<void>): Promise<boolean> {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await run();
    showNotice(undefined);
    return true;
  } catch (err) {
    showNotice(describeFailure(err, doing));
    return false;
  } finally {
    button.removeAttribute('aria-busy');
    if (button.isConnected) button.disabled = false;
  }
}

async function logOff(claim: Claim, button: HTMLButtonElement): Promise<void> {
  const progress = progressOf(claim);
  const held = !!claim.desktop && ['ready', 'starting', 'assigned', 'off'].includes(progress.state);
  // Only a desktop held has something to lose: a request that waits, or one already over, goes at once.
  if (
    held &&
    !(await confirmAction({
      title: `Log off and return your desktop from ${poolName(claim)}?`,
      words: logOffWords(claim.poolKind),
      confirm: 'Log off and return',
      danger: true,
    }))
  )
    return;
  await busy(button, 'log off and return this desktop', async () => {
    try {
      await api(undefined, claimPath(claim), { method: 'DELETE' });
    } catch (err) {
      if (err instanceof ApiFailure && err.body.kind === 'not-found') return remove(claim);
      throw err;
    }
    const current = claims.get(claimKey(claim));
    if (current) upsert({ ...current, deleting: true });
    say(`Logging off and returning your desktop from ${poolName(claim)}.`);
  });
}

async function power(claim: Claim, button: HTMLButtonElement, action: 'start' | 'stop' | 'restart'): Promise<void> {
  const desktop = claim.desktop?.name;
  if (!desktop) return;
  if (action !== 'start') {
    const stop = action === 'stop';
    const confirmed = await confirmAction({
      title: `${stop ? 'Stop' : 'Restart'} your desktop from ${poolName(claim)}?`,
      words: stop ? stopWords(claim.poolKind) : RESTART_WORDS,
      confirm: stop ? 'Stop desktop' : 'Restart desktop',
      danger: true,
    });
    if (!confirmed) return;
  }
  const doing = { start: 'start this desktop', stop: 'stop this desktop', restart: 'restart this desktop' }[action];
  const ok = await busy(button, doing, async () => {
    await api(
      undefined,
      `/api/desktops/${encodeURIComponent(claim.namespace)}/${encodeURIComponent(desktop)}/${action}`,
      {
        method: 'POST',
      },
    );
  });
  if (ok)
    say(
      `${{ start: 'Starting', stop: 'Stopping', restart: 'Restarting' }[action]} your desktop from ${poolName(claim)}.`,
    );
}

async function stillWorking(claim: Claim, button: HTMLButtonElement): Promise<void> {
  const ok = await busy(button, 'say that you are still working', async () => {
    await api(ActivityAnswer, `${claimPath(claim)}/activity`, { method: 'POST' });
  });
  if (ok) say('Thanks: the timer starts again in a moment.');
}

const actions = {
  act(action: ClaimAction, claim: Claim, button: HTMLButtonElement) {
    if (action === 'logOff') void logOff(claim, button);
    else if (action === 'stillWorking') void stillWorking(claim, button);
    else void power(claim, button, action);
  },
};

function upsert(claim: Claim): void {
  const key = claimKey(claim);
  const before = claims.get(key);
  claims.set(key, claim);
  const card = claimList.querySelector<HTMLLIElement>(`[data-claim="${CSS.escape(key)}"]`);
  if (card) updateClaimCard(card, claim, poolName(claim), actions);
  else claimList.append(claimCard(claim, poolName(claim), actions));
  const headline = progressOf(claim).headline;
  if (before && progressOf(before).headline !== headline) say(`${poolName(claim)}: ${headline}.`);
  else if (before?.desktop?.state !== claim.desktop?.state && claim.desktop?.state)
    say(`${poolName(claim)}: ${claim.desktop.state}.`);
  if (claim.pendingAction && before?.pendingAction?.deadline !== claim.pendingAction.deadline) {
    sayDeadline(claim, new Date(claim.pendingAction.deadline).getTime() - Date.now());
  }
  renderEmpty();
  refreshLimits();
}

/** Tells screen readers what the session policy will do to a desktop, and in how long. */
function sayDeadline(claim: Claim, left: number): void {
  if (claim.pendingAction) say(`${poolName(claim)}: ${deadlineAnnouncement(claim.pendingAction, left)}`);
}

function remove(ref: ClaimRef): void {
  const key = claimKey(ref);
  const claim = claims.get(key);
  claims.delete(key);
  created.delete(key);
  const card = claimList.querySelector(`[data-claim="${CSS.escape(key)}"]`);
  // Keyboard focus must not vanish with the card: it moves to the section's heading.
  const hadFocus = card?.contains(document.activeElement);
  card?.remove();
  if (hadFocus) byId('mine-heading').focus();
  if (claim) say(`Your desktop from ${poolName(claim)} is returned.`);
  renderEmpty();
  void loadPools();
}

/** Get desktop follows the person's claims: off at the pool's maxDesktopsPerUser. */
function refreshLimits(): void {
  for (const pool of pools) {
    const card = poolList.querySelector<HTMLElement>(`[data-pool="${CSS.escape(`${pool.namespace}/${pool.name}`)}"]`);
    if (card) setPoolLimit(card, pool, activeClaims(claims.values(), pool));
  }
}

function renderEmpty(): void {
  const empty = byId('claims-empty');
  empty.hidden = claims.size > 0;
  empty.textContent = 'You hold no desktop. Get one below.';
}

function onEvent(event: ClaimEvent): void {
  if (event.type === 'claim') upsert(event.claim);
  else if (event.type === 'gone') remove(event);
  else {
    const now = Date.now();
    const found = new Set(event.claims.map(claimKey));
    for (const [key, { at }] of created) if (found.has(key) || now - at > NAMED_FOR_MS) created.delete(key);
    // What the portal did not find is gone, unless this page just created it.
    for (const claim of [...claims.values()]) {
      const key = claimKey(claim);
      if (!found.has(key) && !created.has(key)) remove(claim);
    }
    for (const claim of event.claims) upsert(claim);
    renderEmpty();
  }
}

const stream = claimStream(onEvent, (trouble) => {
  if (trouble) showNotice(trouble);
  else if (notice.textContent?.startsWith('Live updates')) showNotice(undefined);
});

async function getDesktop(pool: Pool, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.textContent = 'Getting desktop…';
  try {
    const claim = await api(ClaimSchema, '/api/claims', {
      method: 'POST',
      body: { namespace: pool.namespace, pool: pool.name },
    });
    showNotice(undefined);
    created.set(claimKey(claim), { ref: { namespace: claim.namespace, name: claim.name }, at: Date.now() });
    upsert(claim);
    say(`Getting a desktop from ${pool.displayName}.`);
    stream.watch([...created.values()].map((c) => c.ref));
    void loadPools();
    claimList.querySelector<HTMLElement>(`[data-claim="${CSS.escape(claimKey(claim))}"] h3`)?.focus();
  } catch (err) {
    showNotice(describeFailure(err, `get a desktop from ${pool.displayName}`));
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = 'Get desktop';
    refreshLimits();
  }
}

async function loadPools(): Promise<void> {
  const empty = byId('pools-empty');
  try {
    pools = (await api(PoolList, '/api/pools')).pools;
  } catch (err) {
    empty.hidden = false;
    empty.textContent = describeFailure(err, 'list the desktops available to you');
    return;
  }
  poolList.replaceChildren(...pools.map((pool) => poolCard(pool, getDesktop)));
  empty.hidden = pools.length > 0;
  empty.textContent = 'No desktops are available to you. Ask your administrator for access.';
  refreshLimits();
  // Pool names may have arrived after the claims: name their cards properly.
  for (const claim of claims.values()) {
    const card = claimList.querySelector<HTMLLIElement>(`[data-claim="${CSS.escape(claimKey(claim))}"]`);
    if (card) updateClaimCard(card, claim, poolName(claim), actions);
  }
}

void loadPools();

// The countdowns run on the page's own clock; the portal sends only the deadline. Once a
// countdown enters its last minutes the live region says so, once.
const warned = new Set<string>();
setInterval(() => {
  const now = new Date();
  updateCountdowns(claimList, now);
  for (const claim of claims.values()) {
    const deadline = claim.pendingAction?.deadline;
    if (!deadline) continue;
    const key = `${claimKey(claim)}@${deadline}`;
    const left = new Date(deadline).getTime() - now.getTime();
    if (left > 0 && left < WARN_MS && !warned.has(key)) {
      warned.add(key);
      sayDeadline(claim, left);
    }
  }
}, 1000);
