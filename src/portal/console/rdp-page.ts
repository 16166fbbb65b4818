// The remote desktop page: a toolbar, the element IronRDP draws in, and the desktop's own sign-in
// (shown when the desktop asks for it — a Windows desktop wants its user's password through
// CredSSP — or, where the pool says so, before connecting). The clipboard and file buttons show
// only what the desktop's pool allows. The script (web/rdp.ts) does the rest. Which desktop travels in data attributes: no
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
<button type="button" id="paste-to-desktop" hidden>Paste into desktop</button>
<button type="button" id="copy-from-desktop" hidden disabled>Copy from desktop</button>
<button type="button" id="upload" hidden>Upload files</button>
<input type="file" id="upload-input" multiple hidden aria-label="Files to upload to the desktop">
<button type="button" id="download" hidden>Download</button>
<button type="button" id="fullscreen" aria-pressed="false">Full screen</button>
<button type="button" id="disconnect" class="quiet" disabled>Disconnect</button>
<a class="button quiet" href="${escapeHtml(consolePagePath(namespace, desktop))}">VNC console</a>
<a class="button quiet" href="/">Your desktops</a>
</div>
<p id="transfer-status" class="transfer-status" role="status" aria-live="polite" hidden></p>
<form id="credentials" class="paste-panel" hidden>
<p class="paste-hint" id="credentials-hint">Sign in with your user name and password on the desktop. They are passed on to the desktop; the portal does not keep them.</p>
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
