// Reading the Cookie header and writing Set-Cookie, for the few cookies the portal sets itself
// (all values base64url, so no quoting or escaping is ever needed).

export interface CookieAttributes {
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
  secure: boolean;
}

/** name → value of a Cookie request header; the first of duplicate names wins, as browsers send the most specific first. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/** A Set-Cookie value: HttpOnly (page scripts never read it), SameSite=Lax, Path=/, no Domain. */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  const maxAge = Math.max(0, Math.floor(attributes.maxAge));
  const parts = [`${name}=${value}`, 'Path=/', `Max-Age=${maxAge}`, 'HttpOnly', 'SameSite=Lax'];
  if (maxAge === 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (attributes.secure) parts.push('Secure');
  return parts.join('; ');
}
