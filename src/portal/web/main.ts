// The signed-in person's page: their claims with live progress, and the pools they may take a
// desktop from. Plain DOM; data from the portal's JSON API and its Server-Sent Events.
import './style.css';
import * as z from 'zod';
import { type Claim, type ClaimEvent, type ClaimRef, Claim as ClaimSchema, type Pool, PoolList } from '../api-types.js';
import { ApiFailure, api, describeFailure } from './api.js';
import { claimCard, claimKey, updateClaimCard } from './claims-view.js';
import { byId } from './dom.js';
import { claimStream } from './events.js';
import { poolCard } from './pools-view.js';
import { progressOf } from './progress.js';

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

const actions = {
  async giveBack(claim: Claim, button: HTMLButtonElement) {
    button.disabled = true;
    try {
      await api(undefined, `/api/claims/${encodeURIComponent(claim.namespace)}/${encodeURIComponent(claim.name)}`, {
        method: 'DELETE',
      });
      showNotice(undefined);
      const current = claims.get(claimKey(claim));
      if (current) upsert({ ...current, deleting: true });
      say(`Giving back your desktop from ${poolName(claim)}.`);
    } catch (err) {
      button.disabled = false;
      if (err instanceof ApiFailure && err.body.kind === 'not-found') return remove(claim);
      showNotice(describeFailure(err, 'give this desktop back'));
    }
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
  renderEmpty();
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
  if (claim) say(`Your desktop from ${poolName(claim)} is given back.`);
  renderEmpty();
  void loadPools();
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
    button.textContent = 'Get desktop';
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
  // Pool names may have arrived after the claims: name their cards properly.
  for (const claim of claims.values()) {
    const card = claimList.querySelector<HTMLLIElement>(`[data-claim="${CSS.escape(claimKey(claim))}"]`);
    if (card) updateClaimCard(card, claim, poolName(claim), actions);
  }
}

void loadPools();
