// What the browser tests share: Debian's Chromium driven by playwright-core (one per test file),
// axe-core's verdict on a page, and a record of what went wrong on a page (console errors,
// uncaught exceptions, failed responses) so a test can say exactly which failures it expected.
import axe from 'axe-core';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { eventually } from './eventually.js';

/** Chromium for the file's tests, closed after them. */
export function useChromium(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium is not running: call useChromium() at the top of the file');
    return browser;
  };
}

/** axe-core's serious and critical findings on the page as it is now. */
export async function axeFindings(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
  await page.evaluate(axe.source);
  const results = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as axe.AxeResults;
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Console errors, page errors and HTTP failures of `page`, as they happen. */
export function problemsOf(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  return problems;
}

/**
 * From the portal's sign-in page through the OpenID provider's own login form, back to the portal.
 * The provider's pages are on its browser-facing origin (http on loopback), not the issuer's.
 */
export async function signInWithOidc(
  page: Page,
  portalUrl: string,
  _issuer: string,
  person: { username: string; password: string },
): Promise<void> {
  await page.goto(portalUrl);
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.origin !== new URL(portalUrl).origin);
  await page.getByLabel('Username').fill(person.username);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as').waitFor();
}

/**
 * In the person's portal: Get desktop on the pool card titled `pool` (reloading until the card is
 * there: an entitlement takes a moment to reach the portal), then wait for "Ready to connect".
 */
export async function getDesktopInPortal(page: Page, pool: string): Promise<void> {
  const card = page.locator('#pools > li', { hasText: pool });
  await eventually(async () => {
    await page.reload();
    await card.waitFor({ timeout: 2000 });
  });
  await card.getByRole('button', { name: 'Get desktop' }).click();
  await page.locator('#claims .headline', { hasText: 'Ready to connect' }).waitFor({ timeout: 60_000 });
}
