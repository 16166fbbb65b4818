// The live-update streams' limits against the real API server: a person who names claims that are
// not theirs (no grant: every watch refused; or a pool admin's watch of someone else's claim) has
// those watches given up instead of retried for the stream's life, and one person's streams beyond
// their cap close, oldest first — all visible in the portal's metrics.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ClaimEvent } from '../src/portal/api-types.js';
import { applyAs, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { captureLogs, serviceAccountToken, usePortals } from './support/portal.js';
import { signInWithToken } from './support/portal-client.js';

const namespace = useTestNamespace('portal-streams');
const { templateWithDisks, pool, claim } = useDesktops(namespace);
const startPortal = usePortals();

/** Signs in with a token and returns the session's cookie header. */
const signIn = async (base: string, token: string) => (await signInWithToken(base, token)).cookie;

/** GET /api/events as the page opens it: the messages so far, and whether the portal ended it. */
async function openStream(base: string, cookie: string, named: string[] = [], path = '/api/events') {
  const query = new URLSearchParams(named.map((n): [string, string] => ['claim', n]));
  const response = await fetch(`${base}${path}${named.length ? `?${query}` : ''}`, { headers: { cookie } });
  expect(response.status).toBe(200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const state = { text: '', ended: false, close: () => reader.cancel().catch(() => {}) };
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) break;
      state.text += Buffer.from(value as Uint8Array).toString();
    }
    state.ended = true;
  })();
  return {
    state,
    messages: () =>
      state.text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => ClaimEvent.parse(JSON.parse(l.slice(6)))),
  };
}

const metric = async (base: string, name: string) => {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? Number.NaN);
};

describe('live-update streams', () => {
  it('give up claims that are not the person’s and keep each person to their cap', async () => {
    const ns = namespace();
    const alice = await serviceAccountToken(ns, 'alice');
    const pam = await serviceAccountToken(ns, 'pam');
    for (const [role, name] of [
      ['kubevdi:user', 'alice'],
      ['kubevdi:pool-admin', 'pam'],
    ] as const) {
      await applyAs()({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: `${role.replace(':', '-')}-${name}`, namespace: ns },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
      });
    }
    await templateWithDisks();
    await pool('sales', { size: 1, access: { users: ['bob'] } });
    // bob's claims (no operator runs: nobody gets a grant).
    const bobs = ['bob-1', 'bob-2', 'bob-3', 'bob-4', 'bob-5'];
    for (const name of bobs) await claim(name, 'bob');

    const patienceMs = 5000;
    const { url } = await startPortal({
      namespaces: [ns],
      tokenSignIn: true,
      sessionSecret: randomBytes(48),
      liveUpdates: { perPerson: 2, patienceMs },
      log: captureLogs().log,
    });
    const aliceCookie = await signIn(url, alice.token);
    const pamCookie = await signIn(url, pam.token);

    // alice names bob's claims: every watch is refused (no grant), and after the patience given up.
    const named = bobs.map((n) => `${ns}/${n}`);
    const started = Date.now();
    const stream = await openStream(url, aliceCookie, named);
    expect(await metric(url, 'kubevdi_portal_event_stream_watches')).toBe(bobs.length);
    await eventually(async () => {
      expect(await metric(url, 'kubevdi_portal_event_stream_watches')).toBe(0);
      expect(await metric(url, 'kubevdi_portal_event_stream_watches_given_up_total')).toBe(bobs.length);
    }, 30_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(patienceMs - 100);
    // The page is told they are gone, and learns nothing of them.
    const gone = stream.messages().filter((m) => m.type === 'gone');
    expect(gone.map((m) => (m.type === 'gone' ? m.name : '')).sort()).toEqual(bobs);
    expect(stream.messages().some((m) => m.type === 'claim')).toBe(false);
    expect(stream.state.ended).toBe(false);

    // pam, a pool admin, may watch bob's claim: it is not hers, so it is given up at once.
    const pams = await openStream(url, pamCookie, [`${ns}/bob-1`]);
    await eventually(() => expect(pams.messages().filter((m) => m.type === 'gone')).toHaveLength(1), 10_000);
    expect(await metric(url, 'kubevdi_portal_event_stream_watches_given_up_total')).toBe(bobs.length + 1);
    expect(pams.messages().some((m) => m.type === 'claim')).toBe(false);

    // alice's third stream is over her cap of 2: her oldest closes; pam's stays.
    const second = await openStream(url, aliceCookie);
    const third = await openStream(url, aliceCookie);
    await eventually(() => expect(stream.state.ended).toBe(true), 10_000);
    expect(stream.state.text).toContain('retry: 60000');
    expect([second.state.ended, third.state.ended, pams.state.ended]).toEqual([false, false, false]);
    expect(await metric(url, 'kubevdi_portal_event_streams')).toBe(3);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/kubevdi_portal_event_streams_capped_total\{cap="person"\} 1\b/);

    // The Admin Portal's streams (anyone signed in may open one; it shows only what they may
    // see) have caps of their own: alice's third closes her first, not her desktops pages.
    const admin: Awaited<ReturnType<typeof openStream>>[] = [];
    for (let i = 0; i < 3; i++) admin.push(await openStream(url, aliceCookie, [], '/api/admin/events'));
    await eventually(() => expect(admin[0]?.state.ended).toBe(true), 10_000);
    expect([second, third, ...admin.slice(1)].map((s) => s.state.ended)).toEqual([false, false, false, false]);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(
      /kubevdi_portal_event_streams_capped_total\{cap="person"\} 2\b/,
    );
    for (const s of [second, third, pams, ...admin]) await s.state.close();
    await eventually(async () => expect(await metric(url, 'kubevdi_portal_event_streams')).toBe(0), 10_000);
  }, 120_000);
});
