// The Admin Portal's page: a shell with navigation; the compiled front end (web/admin.ts) draws
// each view from the JSON API. No inline script or style: the Content-Security-Policy forbids them.
import { signedInAs } from '../display-name.js';
import { bundlePageHead } from '../pages.js';
import type { WebAssets } from '../web-assets.js';

/** The views, by the hash that opens them; Hosts shows only where the person may list nodes. */
export const ADMIN_VIEWS = [
  { hash: '#overview', label: 'Overview' },
  { hash: '#templates', label: 'Templates' },
  { hash: '#sessions', label: 'Sessions' },
  { hash: '#events', label: 'Events' },
  { hash: '#hosts', label: 'Hosts' },
] as const;

export function adminPage(assets: WebAssets, person: { username: string; name?: string }): string {
  const nav = ADMIN_VIEWS.map(
    (v) =>
      `<li><a href="${v.hash}" data-view="${v.hash.slice(1)}"${v.hash === '#hosts' ? ' hidden' : ''}>${v.label}</a></li>`,
  ).join('\n');
  return `${bundlePageHead('Administration · kubevdi', assets)}
<body>
<a class="skip" href="#main">Skip to the content</a>
<header class="bar">
<p class="brand">kubevdi <span class="brand-sub">Administration</span></p>
${signedInAs(person.username, person.name)}
<a class="button quiet" href="/">My desktops</a>
<form method="post" action="/sign-out"><button type="submit" class="quiet">Sign out</button></form>
</header>
<nav class="views" aria-label="Administration">
<ul>
${nav}
</ul>
</nav>
<main id="main" tabindex="-1">
<div id="notice" class="notice" role="alert" hidden></div>
<p id="live" class="visually-hidden" aria-live="polite"></p>
<div id="view"><p class="empty">Loading…</p></div>
</main>
<noscript><p class="notice">This page needs JavaScript.</p></noscript>
</body>
</html>
`;
}
