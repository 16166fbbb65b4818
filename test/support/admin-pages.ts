// What the Admin Portal's browser tests share: pages in their own browser contexts (closed after
// each test), signed in through the real OpenID provider as one of the test people; screenshots
// (into docs/images under `npm run screenshots`, else a temporary directory to look at); and a
// call made from a page as the portal's own code makes it, to see what the API server answers
// when someone asks for what the interface does not offer them.
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterEach } from 'vitest';
import { OIDC_USERS } from './users.js';

export const SCREENSHOTS = process.env.KUBEVDI_SCREENSHOTS
  ? path.join(import.meta.dirname, '..', '..', 'docs', 'images')
  : path.join(tmpdir(), 'kubevdi-screenshots');

/** A test person's sign-in on the provider's form. */
export function person(who: string): { username: string; password: string } {
  const user = OIDC_USERS[who];
  if (!user) throw new Error(`${who} is not one of the test world's OpenID people`);
  return { username: who, password: user.password };
}

/** New pages, each in a context of its own (cookies apart), all closed after each test. */
export function useAdminPages(
  chromium: () => Browser,
): (options?: { width?: number; colorScheme?: 'light' | 'dark' }) => Promise<Page> {
  const contexts: BrowserContext[] = [];
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  return async ({ width = 1280, colorScheme = 'light' } = {}) => {
    const context = await chromium().newContext({
      viewport: { width, height: 800 },
      colorScheme,
      ignoreHTTPSErrors: true,
    });
    contexts.push(context);
    return context.newPage();
  };
}

export async function shoot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });
}

/** A fetch from the page, with the portal's CSRF header: the status and the refusal's words. */
export async function call(
  page: Page,
  pathname: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; error?: string; json?: unknown }> {
  return (await page.evaluate(
    async ([p, m, b]) => {
      const r = await fetch(p as string, {
        method: m as string,
        headers: { 'x-kubevdi-csrf': '1', ...(b === undefined ? {} : { 'content-type': 'application/json' }) },
        body: b === undefined ? undefined : JSON.stringify(b),
      });
      const text = await r.text();
      const json = text ? (JSON.parse(text) as { error?: string }) : undefined;
      return { status: r.status, error: r.ok ? undefined : json?.error, json };
    },
    [pathname, method, body] as const,
  )) as { status: number; error?: string; json?: unknown };
}
