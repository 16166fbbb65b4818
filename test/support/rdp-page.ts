// The remote desktop page from a test's side: people allowed to use a namespace's pools, a desktop
// claimed through the portal as the page's user would, and what IronRDP drew on the page.

import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { desktopColour } from '../../local/simulator/virt-api/framebuffer.js';
import { Claim, ClaimList } from '../../src/portal/api-types.js';
import { applyAs } from './cluster.js';
import { eventually } from './eventually.js';
import type { PortalClient } from './portal-client.js';

/** Binds kubevdi:user in `namespace` to these ServiceAccounts of it. */
export async function bindUsers(namespace: string, serviceAccounts: string[]): Promise<void> {
  await applyAs()({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'kubevdi-users', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubevdi:user' },
    subjects: serviceAccounts.map((name) => ({ kind: 'ServiceAccount', name, namespace })),
  });
}

/** Claims a desktop of `pool` as `person` through the portal; resolves once it is ready over RDP. */
export async function claimRdpDesktop(
  person: PortalClient,
  namespace: string,
  pool: string,
): Promise<{ claim: string; desktop: string }> {
  const json = async (answer: Promise<{ text: string }>) => JSON.parse((await answer).text) as unknown;
  // Until the operator has entitled the pool's users (a busy machine takes a moment), the API server refuses.
  const created = await eventually(async () => {
    const answer = await person.api('/api/claims', 'POST', { namespace, pool });
    expect(answer.status, answer.text).toBeLessThan(300);
    return Claim.parse(JSON.parse(answer.text));
  }, 30_000);
  const desktop = await eventually(async () => {
    const { claims } = ClaimList.parse(await json(person.api('/api/claims')));
    const claim = claims.find((c) => c.name === created.name);
    expect(claim?.desktop?.ready).toBe(true);
    expect(claim?.rdp).toBe(true);
    return claim?.desktop?.name as string;
  }, 60_000);
  return { claim: created.name, desktop };
}

/** A pixel of IronRDP's canvas (in the web component's shadow root), as [r, g, b]; null before it draws. */
export async function rdpPixel(page: Page, x = 5, y = 5): Promise<number[] | null> {
  // A string: the tests are compiled without the DOM's types.
  return (await page.evaluate(`(() => {
    const canvas = document.querySelector('iron-remote-desktop')?.shadowRoot?.querySelector('canvas');
    if (!canvas || canvas.width < 100) return null;
    return [...canvas.getContext('2d').getImageData(${x}, ${y}, 1, 1).data.slice(0, 3)];
  })()`)) as number[] | null;
}

/** Waits until the page shows the desktop's own colour (RemoteFX is a little lossy: within a few steps). */
export async function showsDesktop(page: Page, namespace: string, desktop: string, timeoutMs = 30_000): Promise<void> {
  const [wr, wg, wb] = desktopColour(`${namespace}/${desktop}`);
  await eventually(async () => {
    const [r, g, b] = ((await rdpPixel(page)) ?? []) as number[];
    expect(Math.abs((r ?? 0) - wr) + Math.abs((g ?? 0) - wg) + Math.abs((b ?? 0) - wb)).toBeLessThan(16);
  }, timeoutMs);
}
