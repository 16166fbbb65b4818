// The console page: a toolbar and the element noVNC draws in; the script (web/console.ts) does the
// rest. Which desktop travels in data attributes: no inline script or style (the CSP forbids them).
import { bundlePageHead, escapeHtml } from '../pages.js';
import type { WebAssets } from '../web-assets.js';

export function consolePage(assets: WebAssets, namespace: string, desktop: string, signIn: string): string {
  const name = escapeHtml(desktop);
  return `${bundlePageHead(`${desktop} · console · kubevdi`, assets, true)}
<body class="console-body">
<main id="console" class="console-main" data-namespace="${escapeHtml(namespace)}" data-desktop="${name}" data-sign-in="${escapeHtml(signIn)}">
<div class="console-toolbar" role="toolbar" aria-label="Console of ${name}">
<h1 class="visually-hidden">Console of ${name}</h1>
<p id="console-status" class="console-status" role="status" aria-live="polite">Connecting…</p>
<button type="button" id="take-over" hidden>Take over</button>
<button type="button" id="connect" hidden>Connect</button>
<button type="button" id="ctrl-alt-del" disabled>Send Ctrl+Alt+Del</button>
<button type="button" id="paste" aria-expanded="false" aria-controls="paste-panel" disabled>Paste text</button>
<button type="button" id="scale" aria-pressed="true">Scale to window</button>
<button type="button" id="fullscreen" aria-pressed="false">Full screen</button>
<button type="button" id="disconnect" class="quiet" disabled>Disconnect</button>
<a class="button quiet" href="/">Your desktops</a>
</div>
<form id="paste-panel" class="paste-panel" hidden>
<label for="paste-text">Text to type on the desktop</label>
<p id="paste-hint" class="paste-hint">It is typed as key presses where the desktop’s cursor is; each line ends with Return.</p>
<textarea id="paste-text" rows="3" maxlength="10000" autocomplete="off" spellcheck="false" aria-describedby="paste-hint"></textarea>
<div class="paste-actions">
<button type="submit" class="primary">Type text</button>
<button type="button" id="paste-close">Close</button>
</div>
</form>
<div id="screen" class="console-screen"></div>
</main>
<noscript><p class="notice">The console needs JavaScript.</p></noscript>
</body>
</html>
`;
}
