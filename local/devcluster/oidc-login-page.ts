// The sign-in page of the local OpenID provider: plain server-rendered HTML, one form, no
// scripts and no styles, so it behaves the same for a person, Chromium under test and a
// test that posts the form with fetch.

export interface LoginPageOptions {
  /** Where the form posts to: the interaction's own path (its cookie is scoped to it). */
  action: string;
  clientId: string;
  username?: string;
  /** Shown above the form after a refused attempt. */
  error?: string;
}

/** The field names the provider reads from the posted form. */
export const LOGIN_FIELDS = { username: 'username', password: 'password' } as const;

export function loginPage(options: LoginPageOptions): string {
  const error = options.error ? `<p role="alert">${escapeHtml(options.error)}</p>\n` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in</title>
</head>
<body>
<main>
<h1>Sign in</h1>
<p>to continue to ${escapeHtml(options.clientId)}</p>
${error}<form method="post" action="${escapeHtml(options.action)}">
<p><label for="username">Username</label>
<input id="username" name="${LOGIN_FIELDS.username}" autocomplete="username" required autofocus value="${escapeHtml(options.username ?? '')}"></p>
<p><label for="password">Password</label>
<input id="password" name="${LOGIN_FIELDS.password}" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form>
</main>
</body>
</html>
`;
}

/**
 * The provider's question at its end-session endpoint (OpenID Connect RP-Initiated Logout): the
 * application has already signed the person out of itself; this ends their session here too, so
 * the next sign-in asks for the password. `form` is the provider's own (hidden xsrf field), which
 * the two buttons submit.
 */
export function logoutPage(options: { form: string; clientId?: string }): string {
  const from = options.clientId ? ` of ${escapeHtml(options.clientId)}` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign out</title>
</head>
<body>
<main>
<h1>Sign out</h1>
<p>You have signed out${from}. Sign out of this sign-in service too, so that the next sign-in asks for your password?</p>
${options.form}
<p><button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in here</button></p>
</main>
</body>
</html>
`;
}

/** A short page for what went wrong outside the form (an expired interaction, a bad request). */
export function messagePage(title: string, message: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main></body>
</html>
`;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}
