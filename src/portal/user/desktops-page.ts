// The signed-in person's page: a shell with the sections the compiled front end (web/) fills in
// and keeps current. No inline script or style: the Content-Security-Policy forbids them.
import { signedInAs } from '../display-name.js';
import { bundlePageHead } from '../pages.js';
import type { WebAssets } from '../web-assets.js';

/** `administers`: the person administers something, so the page links the Admin Portal. */
export function desktopsPage(web: WebAssets, person: { username: string; name?: string }, administers = false): string {
  return `${bundlePageHead('Your desktops · kubevdi', web)}
<body>
<a class="skip" href="#main">Skip to your desktops</a>
<header class="bar">
<p class="brand">kubevdi</p>
${signedInAs(person.username, person.name)}
${administers ? '<a class="button quiet" href="/admin">Administration</a>\n' : ''}<form method="post" action="/sign-out"><button type="submit" class="quiet">Sign out</button></form>
</header>
<main id="main" tabindex="-1">
<h1 class="visually-hidden">Your desktops</h1>
<div id="notice" class="notice" role="alert" hidden></div>
<p id="live" class="visually-hidden" aria-live="polite"></p>
<section aria-labelledby="mine-heading">
<h2 id="mine-heading" tabindex="-1">My desktops</h2>
<p id="claims-empty" class="empty">Loading…</p>
<ul id="claims" class="cards"></ul>
</section>
<section aria-labelledby="pools-heading">
<h2 id="pools-heading">Desktops available to me</h2>
<p id="pools-empty" class="empty">Loading…</p>
<ul id="pools" class="cards"></ul>
</section>
</main>
<noscript><p class="notice">This page needs JavaScript to show your desktops.</p></noscript>
</body>
</html>
`;
}
