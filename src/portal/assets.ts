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

/** Until the front end of the next step: enough style for the sign-in page to be readable. */
export const STYLESHEET = asset(
  'portal',
  'css',
  'text/css; charset=utf-8',
  `:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; }
label, textarea, button { display: block; width: 100%; }
textarea { min-height: 8rem; font-family: monospace; margin: 0.5rem 0 1rem; }
button { padding: 0.6rem; font-size: 1rem; cursor: pointer; }
a.button { display: block; padding: 0.6rem; font-size: 1rem; text-align: center; border: 1px solid; border-radius: 4px; }
.error { border-left: 4px solid #c62828; padding: 0.5rem 1rem; }
`,
);

export const ASSETS: readonly Asset[] = [STYLESHEET];
