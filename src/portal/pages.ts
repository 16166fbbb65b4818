// Server-rendered pages, until the front end of the next step replaces them: no script at all,
// everything escaped, every form posting to the portal itself.
import { STYLESHEET } from './assets.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · kubevdi</title>
<link rel="stylesheet" href="${STYLESHEET.path}">
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface SignInPageOptions {
  /** Sign-in with OpenID Connect is configured: a "Sign in" button. */
  oidc?: boolean;
  tokenSignIn: boolean;
  /** Shown above the form, e.g. why the last sign-in failed. */
  error?: string;
}

export function signInPage(options: SignInPageOptions): string {
  const error = options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>\n` : '';
  // A link, not a form: starting a sign-in changes nothing on the portal, and a GET keeps the
  // sign-in cookie (SameSite=Lax) on the way back from the issuer.
  const oidc = options.oidc ? '<p><a class="button" href="/auth/login">Sign in</a></p>\n' : '';
  const token = options.tokenSignIn
    ? `<form method="post" action="/sign-in/token">
<label for="token">${options.oidc ? 'Or sign in with a bearer token' : 'Bearer token'}</label>
<textarea id="token" name="token" required autocomplete="off" spellcheck="false"></textarea>
<button type="submit">Sign in${options.oidc ? ' with the token' : ''}</button>
</form>`
    : '';
  const none =
    options.oidc || options.tokenSignIn
      ? ''
      : '<p>No way to sign in is configured on this portal yet. Ask your administrator.</p>';
  const intro =
    '<p class="intro">Your virtual desktops, in the browser: sign in to get one, connect to it and give it back at the end of the day.</p>\n';
  return page('Sign in', `<h1>kubevdi: sign in</h1>\n${intro}${error}${oidc}${token}${none}`);
}

export function signedInPage(username: string): string {
  return page(
    'Your desktops',
    `<h1>kubevdi</h1>
<p>Signed in as <strong>${escapeHtml(username)}</strong>.</p>
<form method="post" action="/sign-out"><button type="submit">Sign out</button></form>`,
  );
}

/**
 * The start of a page that runs a compiled bundle, up to <body>: the same head for every page.
 * `title` is escaped here; the console's bundle is an ES module (see web-bundle.ts).
 */
export function bundlePageHead(title: string, assets: { script: string; stylesheet: string }, module = false): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assets.stylesheet}">
<script ${module ? 'type="module"' : 'defer'} src="${assets.script}"></script>
</head>`;
}
