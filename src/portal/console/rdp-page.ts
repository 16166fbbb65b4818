// The remote desktop page: a toolbar, the element IronRDP draws in, and the desktop's own sign-in
// (shown only when the desktop asks for it: a Windows desktop wants its user's password through
// CredSSP). The script (web/rdp.ts) does the rest. Which desktop travels in data attributes: no
// inline script (the page's policy, security.ts's rdpContentSecurityPolicy, forbids it).
import { bundlePageHead, escapeHtml } from '../pages.js';
import type { WebAssets } from '../web-assets.js';
import { consolePagePath } from './protocol.js';

export function rdpPage(assets: WebAssets, namespace: string, desktop: string, signIn: string): string {
  const name = escapeHtml(desktop);
  return `${bundlePageHead(`${desktop} · remote desktop · kubevdi`, assets, true)}
<body class="console-body">
<main id="rdp" class="console-main" data-namespace="${escapeHtml(namespace)}" data-desktop="${name}" data-sign-in="${escapeHtml(signIn)}">
<div class="console-toolbar" role="toolbar" aria-label="Remote desktop of ${name}">
<h1 class="visually-hidden">Remote desktop of ${name}</h1>
<p id="rdp-status" class="console-status" role="status" aria-live="polite">Connecting…</p>
<button type="button" id="take-over" hidden>Take over</button>
<button type="button" id="connect" hidden>Connect</button>
<button type="button" id="ctrl-alt-del" disabled>Send Ctrl+Alt+Del</button>
<button type="button" id="meta-key" disabled>Windows key</button>
<button type="button" id="fullscreen" aria-pressed="false">Full screen</button>
<button type="button" id="disconnect" class="quiet" disabled>Disconnect</button>
<a class="button quiet" href="${escapeHtml(consolePagePath(namespace, desktop))}">VNC console</a>
<a class="button quiet" href="/">Your desktops</a>
</div>
<form id="credentials" class="paste-panel" hidden>
<p class="paste-hint" id="credentials-hint">The desktop asks you to sign in to it. Your password goes to the desktop only; the portal does not keep it.</p>
<label for="rdp-username">User name on the desktop</label>
<input id="rdp-username" name="username" autocomplete="username" required>
<label for="rdp-password">Password</label>
<input id="rdp-password" name="password" type="password" autocomplete="current-password" required>
<div class="paste-actions">
<button type="submit" class="primary">Sign in to the desktop</button>
</div>
</form>
<div id="screen" class="console-screen"></div>
</main>
<noscript><p class="notice">The remote desktop needs JavaScript.</p></noscript>
</body>
</html>
`;
}
