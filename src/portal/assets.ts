// Static assets the portal serves itself (clusters are often air-gapped: no CDN). Names carry a
// hash of the content, so they can be cached for good and a new version is a new name.
import { createHash } from 'node:crypto';

export interface Asset {
  path: string;
  contentType: string;
  body: string;
}

function asset(name: string, extension: string, contentType: string, body: string): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/assets/${name}.${hash}.${extension}`, contentType, body };
}

/**
 * The sign-in page's style: the app's palette (src/portal/web/style.css) on a single card, light
 * and dark from the system, a visible focus ring. The signed-in pages use the compiled front end.
 */
export const STYLESHEET = asset(
  'portal',
  'css',
  'text/css; charset=utf-8',
  `:root { color-scheme: light dark; --bg: #f5f6f8; --surface: #ffffff; --text: #1b1f24; --muted: #4a5260;
  --border: #c9ced6; --accent: #1f5fbf; --accent-text: #ffffff; --bad: #b3261e;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; line-height: 1.5; }
@media (prefers-color-scheme: dark) { :root { --bg: #14171c; --surface: #1e232a; --text: #e8ebef; --muted: #b3bac5;
  --border: #3c4450; --accent: #8cb8ff; --accent-text: #0b1a33; --bad: #ff9b93; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
main { max-width: 28rem; margin: 4rem auto; padding: 2rem; background: var(--surface);
  border: 1px solid var(--border); border-radius: 8px; }
h1 { margin: 0 0 0.75rem; font-size: 1.5rem; }
.intro { margin: 0 0 1.5rem; color: var(--muted); }
label { display: block; color: var(--muted); margin-bottom: 0.25rem; }
textarea { display: block; width: 100%; min-height: 7rem; font-family: ui-monospace, monospace; margin: 0 0 1rem;
  padding: 0.5rem; color: var(--text); background: var(--bg); border: 1px solid var(--border); border-radius: 6px; }
button, a.button { display: block; width: 100%; padding: 0.65rem 1rem; font: inherit; font-weight: 600;
  text-align: center; text-decoration: none; cursor: pointer; border-radius: 6px;
  color: var(--accent-text); background: var(--accent); border: 1px solid var(--accent); }
form + p, p + form { margin-top: 1.5rem; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.error { border-left: 4px solid var(--bad); padding: 0.5rem 1rem; background: var(--bg); }
@media (max-width: 32rem) { main { margin: 0; min-height: 100vh; border: 0; border-radius: 0; } }
`,
);

export const ASSETS: readonly Asset[] = [STYLESHEET];
